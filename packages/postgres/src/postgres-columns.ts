import type { EntityProperty } from '@mikro-orm/core';
import type { ColumnPreparer, PortableKind } from '@switchyard/core/adapter';

/** Byte-wise collation: case-sensitive, code-point order, identical on every PostgreSQL locale. */
export const BINARY_COLLATION = 'C';

/**
 * Column types that store every portable kind exactly: text in the "C" collation (so the
 * database's locale never changes equality or order), `timestamptz(3)` (milliseconds, the
 * precision the contract promises), `jsonb`, `numeric(p,s)` and `double precision`.
 */
export const preparePostgresColumn: ColumnPreparer = (prop: EntityProperty, kind: PortableKind) => {
  switch (kind) {
    case 'string':
      prop.length = prop.length ?? 255;
      prop.columnTypes = [`varchar(${prop.length})`];
      prop.collation = BINARY_COLLATION;
      break;
    case 'text':
      prop.columnTypes = ['text'];
      prop.collation = BINARY_COLLATION;
      break;
    case 'uuid':
      prop.columnTypes = ['uuid'];
      break;
    case 'datetime':
      prop.length = 3;
      prop.columnTypes = ['timestamptz(3)'];
      break;
    case 'json':
      prop.columnTypes = ['jsonb'];
      break;
    case 'bigint':
      prop.columnTypes = ['bigint'];
      break;
    case 'decimal':
      prop.precision = prop.precision ?? 10;
      prop.scale = prop.scale ?? 0;
      prop.columnTypes = [`numeric(${prop.precision},${prop.scale})`];
      break;
    case 'float':
      prop.columnTypes = ['double precision'];
      break;
    case 'boolean':
      prop.columnTypes = ['boolean'];
      break;
    case 'integer':
      prop.columnTypes = ['int'];
      break;
  }
};

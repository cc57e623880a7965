import type { EntityProperty } from '@mikro-orm/core';
import type { ColumnPreparer, PortableKind } from '@switchyard/core/adapter';

/**
 * Column types with the right SQLite affinity: TEXT for JSON and decimals (NUMERIC affinity would
 * turn `"123"` or `"1.10"` into numbers), INTEGER for epoch-millisecond datetimes.
 */
const columnTypes: Partial<Record<PortableKind, string>> = {
  json: 'text',
  decimal: 'text',
  datetime: 'integer',
  boolean: 'integer',
  bigint: 'integer',
  integer: 'integer',
  float: 'real',
};

export const prepareSqliteColumn: ColumnPreparer = (prop: EntityProperty, kind: PortableKind) => {
  const type = columnTypes[kind];
  if (type) prop.columnTypes = [type];
};

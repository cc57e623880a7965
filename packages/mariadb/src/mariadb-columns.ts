import type { EntityProperty } from '@mikro-orm/core';
import type { ColumnPreparer, PortableKind } from '@switchyard/core/adapter';

/**
 * Column types that store every portable kind exactly:
 * - `string` is `varchar(n)` (MariaDB counts characters, as core does), `text` is `longtext`
 *   (`text` holds only 64 KB; the other backends are unlimited);
 * - `uuid` is `varchar(36)`, not MariaDB's native `uuid`, whose sort order is not string order;
 * - `datetime(3)` keeps the milliseconds that plain `datetime` drops;
 * - text columns use the table's binary NO PAD collation (`utf8mb4_nopad_bin`, see the adapter's
 *   `collate` option), so comparisons, unique indexes and ORDER BY are case-sensitive and in
 *   code-point order; foreign keys inherit the same collation.
 */
export const prepareMariadbColumn: ColumnPreparer = (prop: EntityProperty, kind: PortableKind) => {
  const type = columnType(prop, kind);
  prop.columnTypes = [type];
};

function columnType(prop: EntityProperty, kind: PortableKind): string {
  switch (kind) {
    case 'string':
      return `varchar(${prop.length ?? 255})`;
    case 'text':
      return 'longtext';
    case 'uuid':
      return 'varchar(36)';
    case 'integer':
      return 'int';
    case 'bigint':
      return 'bigint';
    case 'float':
      return 'double';
    case 'decimal':
      return `decimal(${prop.precision ?? 10},${prop.scale ?? 0})`;
    case 'boolean':
      return 'tinyint(1)';
    case 'datetime':
      return 'datetime(3)';
    case 'json':
      return 'json';
  }
}

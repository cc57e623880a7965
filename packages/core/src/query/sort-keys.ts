import { ValidationError } from '../errors.ts';
import type { EntityModel, PropertyModel } from '../schema/entity-model.ts';
import type { JsonPath, SortDirection, SqlDialect } from '../sql/sql-dialect.ts';
import { ident, join, type Sql, sql } from '../sql/sql-fragment.ts';
import type { ValueCodec } from '../sql/value-codec.ts';
import type { OrderBy, OrderTerm } from './filter-types.ts';
import { readJsonPath, toJsonPath } from './json-path.ts';

/** One resolved ORDER BY key, able to read its own value from a decoded row. */
export interface SortKey {
  readonly prop: PropertyModel;
  readonly direction: SortDirection;
  readonly path: JsonPath | undefined;
  readonly as: 'number' | 'string';
  /** The SQL expression sorted on. */
  readonly expr: Sql;
  /** Stable description, used to tie a cursor to its ordering. */
  readonly signature: string;
}

/**
 * Resolves `orderBy` into sort keys, always ending with the primary key so the order is total —
 * which keyset pagination needs to be stable. The primary key added for ties takes the direction
 * of the last key: `created_at DESC, id DESC` is one index read backwards, while a mixed
 * `created_at DESC, id ASC` makes MariaDB sort every matching row before it can stop at the page.
 */
export function resolveSortKeys(
  entity: EntityModel,
  orderBy: OrderBy<Record<string, unknown>> | undefined,
  dialect: SqlDialect,
): SortKey[] {
  const terms: OrderTerm<Record<string, unknown>>[] = Array.isArray(orderBy)
    ? [...(orderBy as readonly OrderTerm<Record<string, unknown>>[])]
    : Object.entries(orderBy ?? {})
        .filter(([, d]) => d !== undefined)
        .map(([field, direction]) => ({ field, direction: direction as SortDirection }));
  const keys: SortKey[] = [];
  for (const term of terms) {
    const prop = entity.byName.get(term.field);
    if (!prop) throw new ValidationError(`${entity.name} has no property "${term.field}" to order by.`);
    const direction = term.direction ?? 'asc';
    if (direction !== 'asc' && direction !== 'desc') {
      throw new ValidationError(`${entity.name}.${prop.name}: order direction must be "asc" or "desc".`);
    }
    if (prop.kind === 'json') {
      const path = toJsonPath(term.path, `${entity.name}.${prop.name}`);
      if (path.length === 0)
        throw new ValidationError(`${entity.name}.${prop.name}: ordering by JSON needs a path.`);
      const as = term.as ?? 'number';
      if (as !== 'number' && as !== 'string') {
        throw new ValidationError(`${entity.name}.${prop.name}: "as" must be "number" or "string".`);
      }
      keys.push({
        prop,
        direction,
        path,
        as,
        expr: dialect.jsonScalar(ident(prop.column), path, as),
        signature: `${prop.name}${JSON.stringify(path)}:${as}:${direction}`,
      });
    } else {
      if (term.path !== undefined)
        throw new ValidationError(`${entity.name}.${prop.name} is not JSON; remove path.`);
      keys.push({
        prop,
        direction,
        path: undefined,
        as: 'string',
        expr: dialect.comparable(prop.kind, ident(prop.column)),
        signature: `${prop.name}:${direction}`,
      });
    }
  }
  if (!keys.some((k) => k.prop.primary && !k.path)) {
    const pk = entity.primaryKey;
    const direction = keys.at(-1)?.direction ?? 'asc';
    keys.push({
      prop: pk,
      direction,
      path: undefined,
      as: 'string',
      expr: dialect.comparable(pk.kind, ident(pk.column)),
      signature: `${pk.name}:${direction}`,
    });
  }
  return keys;
}

/** Whether a sort key's expression can be NULL: a JSON path can always miss. */
const nullable = (key: SortKey): boolean => key.path !== undefined || key.prop.nullable;

export function orderByClause(keys: readonly SortKey[], dialect: SqlDialect): Sql {
  return join(keys.map((k) => dialect.orderTerm(k.expr, k.direction, nullable(k))));
}

/** The value a sort key sorts on, read from a decoded row (JS form). */
export function sortValueOf(key: SortKey, row: Record<string, unknown>): unknown {
  const v = row[key.prop.name];
  if (!key.path) return v ?? null;
  const inner = readJsonPath(v, key.path);
  if (key.as === 'number') return typeof inner === 'number' ? inner : null;
  return typeof inner === 'string' ? inner : null;
}

/** The SQL operand for a sort value taken from a cursor. */
export function sortOperand(key: SortKey, value: unknown, dialect: SqlDialect, codec: ValueCodec): Sql {
  if (key.path) return dialect.jsonScalarValue(value as string | number, key.as);
  return dialect.comparableValue(key.prop.kind, codec.encode(key.prop.kind, value));
}

/**
 * Rows strictly after `values` in the order of `keys`, with NULLs last ascending and first
 * descending — the same rule `orderTerm` sorts by.
 */
export function afterPredicate(
  keys: readonly SortKey[],
  values: readonly unknown[],
  dialect: SqlDialect,
  codec: ValueCodec,
): Sql {
  const alternatives: Sql[] = [];
  for (let i = 0; i < keys.length; i++) {
    const equalities: Sql[] = [];
    for (let j = 0; j < i; j++) {
      const key = keys[j] as SortKey;
      const v = values[j];
      equalities.push(
        v === null ? sql`${key.expr} IS NULL` : sql`${key.expr} = ${sortOperand(key, v, dialect, codec)}`,
      );
    }
    const key = keys[i] as SortKey;
    const v = values[i];
    let after: Sql | undefined;
    if (key.direction === 'asc') {
      // Without the NULL alternative on a key that cannot be NULL, the comparison stays an index
      // range: `OR … IS NULL` made SQLite sort every remaining row for each page of a stream.
      if (v !== null) {
        const greater = sql`${key.expr} > ${sortOperand(key, v, dialect, codec)}`;
        after = nullable(key) ? sql`(${greater} OR ${key.expr} IS NULL)` : greater;
      }
    } else {
      after =
        v === null ? sql`${key.expr} IS NOT NULL` : sql`${key.expr} < ${sortOperand(key, v, dialect, codec)}`;
    }
    if (after) alternatives.push(sql`(${join([...equalities, after], ' AND ')})`);
  }
  return alternatives.length === 0 ? sql`1 = 0` : sql`(${join(alternatives, ' OR ')})`;
}

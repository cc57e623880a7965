import { ident, join, type Sql, sql } from './sql-fragment.ts';

/** Every backend accepts this many bound parameters in one statement (SQLite's limit is 32,766). */
const MAX_PARAMS_PER_STATEMENT = 30_000;
const MAX_ROWS_PER_INSERT = 1000;

/** How many rows of `columnCount` values one multi-row INSERT may carry. */
export function rowsPerInsert(columnCount: number): number {
  return Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(MAX_PARAMS_PER_STATEMENT / columnCount)));
}

/** `INSERT INTO table (columns) VALUES (…), (…)`: values are bound as given (already encoded). */
export function insertStatement(
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): Sql {
  const tuples = rows.map((row) => sql`(${join(row.map((v) => sql`${v}`))})`);
  return sql`INSERT INTO ${ident(table)} (${join(columns.map((c) => ident(c)))}) VALUES ${join(tuples)}`;
}

import type { PortableKind } from '../schema/portable-kind.ts';
import type { Sql } from './sql-fragment.ts';

/** A path into a JSON value: object keys and array indexes. */
export type JsonPath = readonly (string | number)[];

/** The JSON scalar types a path filter can compare. */
export type JsonScalarType = 'number' | 'string' | 'boolean';

export type SortDirection = 'asc' | 'desc';

/**
 * How a backend spells the SQL that differs between backends. Core builds every statement from
 * these pieces and never branches on the backend's name.
 *
 * Rules every implementation MUST follow:
 * - string comparison and ordering are case-sensitive and binary (code-point order);
 * - expressions returned for a JSON path evaluate to SQL NULL, never to an error, when the path is
 *   missing or holds another type;
 * - `orderTerm` sorts NULLs last ascending and first descending.
 */
export interface SqlDialect {
  quoteIdent(name: string): string;
  /** Placeholder for the n-th (1-based) bound value. */
  placeholder(index: number): string;

  /**
   * An ORDER BY term with NULLs last ascending and first descending. `nullable` is false when the
   * expression can never be NULL, so a backend that needs an extra term for NULL placement can
   * leave it out and keep using an index.
   */
  orderTerm(expr: Sql, direction: SortDirection, nullable: boolean): Sql;
  /**
   * Case-sensitive LIKE. `pattern` uses `%` and `_` as wildcards and `\` as the escape character.
   */
  like(expr: Sql, pattern: string): Sql;
  /**
   * Lower-cases `expr` with the simple per-character Unicode mapping, the same mapping as
   * `foldCase` in core (so a value folded in JS compares equal to the column folded in SQL).
   */
  lower(expr: Sql): Sql;
  /**
   * An expression that compares and sorts values of `kind` correctly. Most backends return `expr`
   * unchanged; SQLite needs help for decimals stored as text.
   */
  comparable(kind: PortableKind, expr: Sql): Sql;
  /** A bound value (already encoded by the codec) as an expression comparable with `comparable`. */
  comparableValue(kind: PortableKind, encoded: unknown): Sql;

  /** True when the JSON value at `path` exists (JSON null included). */
  jsonExists(column: Sql, path: JsonPath): Sql;
  /** The scalar at `path` as a comparable SQL value when it has `type`, else NULL. */
  jsonScalar(column: Sql, path: JsonPath, type: JsonScalarType): Sql;
  /** The scalar to compare `jsonScalar` with. */
  jsonScalarValue(value: string | number | boolean, type: JsonScalarType): Sql;
  /** True when the value at `path` (the whole value for an empty path) is an array containing `value`. */
  jsonArrayContains(column: Sql, path: JsonPath, value: string | number | boolean): Sql;

  /** Suffix that locks the selected rows until the transaction ends, or '' where locking is implicit. */
  readonly forUpdateClause: string;
  /**
   * True when `UPDATE … RETURNING <columns>` returns the updated rows: an update then reads its
   * row back in the same statement, without a transaction around an UPDATE and a SELECT.
   */
  readonly updateReturning: boolean;
}

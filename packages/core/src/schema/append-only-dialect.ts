import type { Sql } from '../sql/sql-fragment.ts';

/**
 * How a backend makes a table append-only in the database itself: triggers that refuse every
 * UPDATE and DELETE of its rows, from any connection. A refused statement MUST fail with an error
 * the adapter's `classifyError` maps to `AppendOnlyError`.
 */
export interface AppendOnlyDialect {
  /** Statements that install the guard when missing; each is idempotent. */
  guard(table: string): Sql[];
  /** Statements that remove the guard when present (never the table). */
  unguard(table: string): Sql[];
  /**
   * True when changing a table's columns can lose its triggers or trip them — SQLite rebuilds the
   * table (create, copy, drop, rename) — so migrations lift the guard around such a change and put
   * it back after. Where ALTER TABLE keeps triggers and fires none, keep it false: lifting opens a
   * window in which other connections could change rows, and on backends without transactional
   * DDL a failed migration would leave the table unguarded.
   */
  readonly liftedForTableChanges: boolean;
}

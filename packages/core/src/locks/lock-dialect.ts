import type { Sql } from '../sql/sql-fragment.ts';

/**
 * The table of an adapter whose locks live in a table (SQLite's leases). It is Switchyard's: the
 * migration history creates it as the schema object `locks:switchyard_locks`.
 */
export const LOCK_TABLE = 'switchyard_locks';

/**
 * What a backend's application locks (`Driver.lock`) keep in the database. The storage is created
 * like every other object Switchyard needs (DESIGN §6): by the migration history, or by `migrate()`
 * without one, and dropped by `dropSchema()`.
 */
export interface LockDialect {
  /** Statements creating the storage when missing, each idempotent; `[]` where the database keeps locks itself (servers). */
  createStorage(): Sql[];
  /** Statements dropping the storage when present. */
  dropStorage(): Sql[];
}

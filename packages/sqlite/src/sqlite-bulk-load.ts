import type { BulkLoad } from '@switchyard/core/adapter';
import type { Database, Statement } from 'better-sqlite3';
import { sqliteDialect } from './sqlite-dialect.ts';

/** `INSERT INTO "table" ("c1", …) VALUES (?, …)`: one row, names quoted as every statement quotes them. */
export function insertRowStatement(load: BulkLoad): string {
  const quote = sqliteDialect.quoteIdent;
  const placeholders = load.columns.map(() => '?').join(', ');
  return `INSERT INTO ${quote(load.table)} (${load.columns.map(quote).join(', ')}) VALUES (${placeholders})`;
}

/**
 * Runs `insert` once per row in one write transaction: every row is kept or none. A single-row
 * statement prepared once is better-sqlite3's fastest way to insert, and binds each value exactly
 * as any other INSERT does. `BEGIN IMMEDIATE` waits (busy_timeout) for other processes' writers, as
 * `begin()` does. The caller holds the driver's gate, so no transaction of its own is open.
 */
export function insertRows(db: Database, insert: Statement, rows: BulkLoad['rows']): void {
  try {
    db.exec('BEGIN IMMEDIATE');
    for (const row of rows) insert.run(row as unknown[]);
    db.exec('COMMIT');
  } catch (error) {
    // A failed COMMIT leaves the transaction open too: never hand the connection back with it.
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

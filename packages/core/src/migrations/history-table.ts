import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlConnection, AbstractSqlPlatform } from '@mikro-orm/sql';
import { ident, raw, sql } from '../sql/sql-fragment.ts';
import type { Executor } from '../store/session.ts';

/** The table recording which migrations a database has. */
export const HISTORY_TABLE = 'switchyard_migrations';

/** One migration as the history records it. */
export interface HistoryRow {
  readonly name: string;
  /** `migrationChecksum` of this dialect's steps when it ran. */
  readonly checksum: string;
  /** `partial`: started and not finished (failed, or the process died), MariaDB only. */
  readonly state: 'applied' | 'partial';
  readonly direction: 'up' | 'down';
  /** Steps of the running direction. */
  readonly steps: number;
  /** Steps finished so far (partial). */
  readonly done: number;
  /** `stepsChecksum` of the finished steps: a resume must find the same ones in the file. */
  readonly doneChecksum: string;
  readonly error: string | null;
  /** ISO time of the last change. */
  readonly updatedAt: string;
}

const table = ident(HISTORY_TABLE);

/**
 * One statement that means the same on every backend: plain types only, times as ISO text (no
 * time-zone handling involved), so the history needs no dialect.
 */
const CREATE = raw(
  `CREATE TABLE IF NOT EXISTS ${HISTORY_TABLE} (` +
    'name VARCHAR(120) NOT NULL PRIMARY KEY, checksum VARCHAR(64) NOT NULL, state VARCHAR(16) NOT NULL, ' +
    'direction VARCHAR(8) NOT NULL, steps INTEGER NOT NULL, done INTEGER NOT NULL, done_checksum VARCHAR(64) NOT NULL, ' +
    'error TEXT, updated_at VARCHAR(30) NOT NULL)',
);

/** Reads and writes the history table through an executor (the migration lock's session). */
export class HistoryTable {
  readonly #ex: Executor;

  constructor(ex: Executor) {
    this.#ex = ex;
  }

  async ensure(): Promise<void> {
    await this.#ex.execute(CREATE);
  }

  async read(): Promise<Map<string, HistoryRow>> {
    const rows = await this.#ex.query(
      sql`SELECT name, checksum, state, direction, steps, done, done_checksum, error, updated_at FROM ${table} ORDER BY name`,
    );
    return new Map(
      rows.map((r) => [
        String(r.name),
        {
          name: String(r.name),
          checksum: String(r.checksum),
          state: r.state === 'applied' ? 'applied' : 'partial',
          direction: r.direction === 'down' ? 'down' : 'up',
          steps: Number(r.steps),
          done: Number(r.done),
          doneChecksum: String(r.done_checksum),
          error: r.error === null || r.error === undefined ? null : String(r.error),
          updatedAt: String(r.updated_at),
        },
      ]),
    );
  }

  /** Inserts or replaces a migration's row (delete + insert: the same two statements everywhere). */
  async write(row: Omit<HistoryRow, 'updatedAt'>): Promise<void> {
    await this.remove(row.name);
    await this.#ex.execute(
      sql`INSERT INTO ${table} (name, checksum, state, direction, steps, done, done_checksum, error, updated_at) VALUES (${row.name}, ${row.checksum}, ${row.state}, ${row.direction}, ${row.steps}, ${row.done}, ${row.doneChecksum}, ${row.error}, ${new Date().toISOString()})`,
    );
  }

  async remove(name: string): Promise<void> {
    await this.#ex.execute(sql`DELETE FROM ${table} WHERE name = ${name}`);
  }
}

/** Whether the history table exists, asked through MikroORM (so no dialect here), without creating it. */
export function historyExists(orm: MikroORM): Promise<boolean> {
  const platform = orm.em.getPlatform() as AbstractSqlPlatform;
  const connection = orm.em.getConnection() as unknown as AbstractSqlConnection;
  return (
    platform.getSchemaHelper()?.tableExists(connection, HISTORY_TABLE, undefined) ?? Promise.resolve(false)
  );
}

export const dropHistory = raw(`DROP TABLE IF EXISTS ${HISTORY_TABLE}`);

import {
  type DriverRow,
  type ExecuteResult,
  ForeignKeyError,
  type LockedSession,
  LockTimeoutError,
} from '@switchyard/core/adapter';
import type { Database } from 'better-sqlite3';

/** Runs statements on the driver's connection (its prepared-statement cache included). */
export interface StatementRunner {
  runQuery(sql: string, params: readonly unknown[]): DriverRow[];
  /** The first row only: better-sqlite3's `get` is cheaper than `all` for a single row read. */
  runQueryFirst(sql: string, params: readonly unknown[]): DriverRow | undefined;
  runExecute(sql: string, params: readonly unknown[]): ExecuteResult;
}

export interface LockRequest {
  readonly name: string;
  readonly timeoutMs: number;
  /** `performance.now()` value after which the wait gives up. */
  readonly deadline: number;
}

export function lockTimeoutError(request: LockRequest, cause?: unknown): LockTimeoutError {
  return new LockTimeoutError(
    `Waited ${request.timeoutMs / 1000} s for the lock "${request.name}" on this database (SQLite's write lock of the file); another process holds it.`,
    cause === undefined ? {} : { cause },
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `BEGIN IMMEDIATE`, retried until the deadline. SQLite's own busy handler would wait too, but
 * synchronously: a migration lock that waits minutes must not stall the event loop, so the busy
 * timeout is 0 while trying and the waiting happens here, between attempts.
 */
async function beginImmediate(db: Database, request: LockRequest): Promise<void> {
  const busyTimeout = Number(db.pragma('busy_timeout', { simple: true }));
  db.pragma('busy_timeout = 0');
  try {
    for (;;) {
      try {
        db.exec('BEGIN IMMEDIATE');
        return;
      } catch (error) {
        if (!String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY')) throw error;
        const remaining = request.deadline - performance.now();
        if (remaining <= 0) throw lockTimeoutError(request, error);
        // Jitter keeps several waiting processes from retrying in step.
        await sleep(Math.min(remaining, 20 + Math.random() * 30));
      }
    }
  } finally {
    db.pragma(`busy_timeout = ${busyTimeout}`);
  }
}

/** The tables `PRAGMA foreign_key_check` reports, as `child → parent` pairs. */
function foreignKeyViolations(db: Database): string[] {
  const rows = db.pragma('foreign_key_check') as { table: string; parent: string }[];
  return [...new Set(rows.map((row) => `"${row.table}" → "${row.parent}"`))];
}

/**
 * Runs `fn` inside one `BEGIN IMMEDIATE` transaction with foreign keys off, the procedure SQLite
 * documents for schema changes: a table rebuilt by a migration (create, copy, drop, rename) must
 * not fire `ON DELETE CASCADE` on its children, and the references are checked once, at the end.
 * The caller holds the driver's gate, so no other transaction of this process is open.
 */
export async function holdWriteLock<T>(
  db: Database,
  runner: StatementRunner,
  request: LockRequest,
  fn: (session: LockedSession) => Promise<T>,
): Promise<T> {
  // Only effective outside a transaction, hence before BEGIN.
  db.pragma('foreign_keys = OFF');
  try {
    await beginImmediate(db, request);
    const session = new SqliteLockedSession(db, runner);
    let result: T;
    try {
      result = await fn(session);
    } finally {
      session.end();
    }
    session.assertIntact();
    const violations = foreignKeyViolations(db);
    if (violations.length > 0) {
      throw new ForeignKeyError(
        `The schema work left rows whose references point nowhere (${violations.join(', ')}); nothing of it was kept.`,
      );
    }
    db.exec('COMMIT');
    return result;
  } finally {
    // Every path that did not commit (fn threw, the check failed, COMMIT failed) ends here.
    if (db.inTransaction) db.exec('ROLLBACK');
    db.pragma('foreign_keys = ON');
  }
}

/** Statements of `withLock`'s callback: inside the lock's transaction; `atomic` is a savepoint. */
class SqliteLockedSession implements LockedSession {
  readonly #db: Database;
  readonly #runner: StatementRunner;
  #savepoints = 0;
  #open = 0;
  #ended = false;
  /** Why the work can no longer be trusted to be all-or-nothing, when a savepoint could not be undone. */
  #broken: unknown;

  constructor(db: Database, runner: StatementRunner) {
    this.#db = db;
    this.#runner = runner;
  }

  #check(): void {
    // After the callback settles the connection belongs to others again.
    if (this.#ended) throw new Error('The lock has been released; its session can no longer be used.');
  }

  async query(sql: string, params: readonly unknown[]): Promise<DriverRow[]> {
    this.#check();
    return this.#runner.runQuery(sql, params);
  }

  async queryFirst(sql: string, params: readonly unknown[]): Promise<DriverRow | undefined> {
    this.#check();
    return this.#runner.runQueryFirst(sql, params);
  }

  async execute(sql: string, params: readonly unknown[]): Promise<ExecuteResult> {
    this.#check();
    return this.#runner.runExecute(sql, params);
  }

  async atomic<T>(fn: () => Promise<T>): Promise<T> {
    this.#check();
    const name = `sy_atomic_${++this.#savepoints}`;
    this.#db.exec(`SAVEPOINT ${name}`);
    this.#open++;
    try {
      const result = await fn();
      this.#check();
      this.#db.exec(`RELEASE ${name}`);
      return result;
    } catch (error) {
      if (!this.#ended) {
        try {
          this.#db.exec(`ROLLBACK TO ${name}`);
          this.#db.exec(`RELEASE ${name}`);
        } catch (rollbackError) {
          this.#broken ??= rollbackError;
        }
      }
      throw error;
    } finally {
      this.#open--;
    }
  }

  end(): void {
    this.#ended = true;
  }

  /**
   * Refuses to commit work that is not what the callback was promised: an atomic block still
   * running when the callback settled, or one whose rollback failed.
   */
  assertIntact(): void {
    if (this.#open > 0) {
      throw new Error('The lock callback settled while an atomic block was still running; nothing was kept.');
    }
    if (this.#broken !== undefined) {
      throw new Error('A failed atomic block could not be rolled back; nothing was kept.', {
        cause: this.#broken,
      });
    }
  }
}

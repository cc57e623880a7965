import type {
  AcquiredLock,
  LockRequest as AppLockRequest,
  BeginOptions,
  BulkLoad,
  Driver,
  DriverRow,
  DriverSession,
  DriverTransaction,
  ExecuteResult,
  HealthInfo,
  LockedSession,
} from '@switchyard/core/adapter';
import { foldCase } from '@switchyard/core/adapter';
import type { Database, Statement } from 'better-sqlite3';
import { insertRowStatement, insertRows } from './sqlite-bulk-load.ts';
import { decimalSortKey } from './sqlite-decimal.ts';
import { holdWriteLock, type LockRequest, lockTimeoutError } from './sqlite-lock.ts';
import { takeLease } from './sqlite-lock-lease.ts';
import { LruCache, STATEMENT_CACHE_SIZE } from './sqlite-statement-cache.ts';

export interface SqliteDriverOptions {
  /** How long a writer waits for another process's write lock before SQLITE_BUSY. */
  readonly busyTimeoutMs: number;
  readonly memory: boolean;
  /** The file was opened read-only (`?mode=ro`): its journal mode is left as it is. */
  readonly readOnly: boolean;
}

/**
 * better-sqlite3 has one connection and runs synchronously. A transaction spans awaits, so while
 * one is open every other caller in this process waits its turn (the gate); statements outside a
 * transaction run at once otherwise. `withLock` holds the gate the same way for its whole call.
 */
export class SqliteStoreDriver implements Driver {
  readonly #db: Database;
  readonly #statements = new LruCache<string, Statement>(STATEMENT_CACHE_SIZE);
  /** Set while a transaction or `withLock` holds the connection; resolves when it is released. */
  #held: Promise<void> | undefined;

  constructor(db: Database, options: SqliteDriverOptions) {
    this.#db = db;
    if (!options.memory && !options.readOnly) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // A REPLACE conflict resolution (`INSERT OR REPLACE`, `REPLACE INTO`) deletes the conflicting
    // row without firing DELETE triggers unless recursive triggers are on: with them, an
    // append-only table's guard refuses it on this connection too.
    db.pragma('recursive_triggers = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
    db.function('sy_lower', { deterministic: true }, (v: unknown) =>
      typeof v === 'string' ? foldCase(v) : v,
    );
    db.function('sy_decimal_key', { deterministic: true }, (v: unknown) =>
      v === null ? null : decimalSortKey(String(v)),
    );
  }

  #prepare(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      statement.safeIntegers(true);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  runQuery(sql: string, params: readonly unknown[]): DriverRow[] {
    const statement = this.#prepare(sql);
    if (statement.reader) return statement.all(...params) as DriverRow[];
    statement.run(...params);
    return [];
  }

  runQueryFirst(sql: string, params: readonly unknown[]): DriverRow | undefined {
    const statement = this.#prepare(sql);
    if (!statement.reader) {
      statement.run(...params);
      return undefined;
    }
    if (statement.readonly) return statement.get(...params) as DriverRow | undefined;
    // A write with RETURNING is run to its end: `get` stops after the first row, the write then
    // commits when the statement is reset, and SQLite runs its WAL hook only when a step ends the
    // statement — no automatic checkpoint would ever run, and the -wal file would grow with
    // every update.
    return statement.all(...params)[0] as DriverRow | undefined;
  }

  runExecute(sql: string, params: readonly unknown[]): ExecuteResult {
    const statement = this.#prepare(sql);
    if (statement.reader) {
      statement.all(...params);
      return { affectedRows: 0 };
    }
    return { affectedRows: statement.run(...params).changes };
  }

  /**
   * Waits for the gate and takes it; the returned function gives it back. With `until`, gives up
   * when its deadline (a `performance.now()` value) passes, throwing its error.
   */
  async #acquire(until?: { deadline: number; error: () => Error }): Promise<() => void> {
    // The check and the take run in one synchronous step: several waiters wake together, and
    // only the first to run may take the gate (the others see it held and wait again).
    while (this.#held) {
      if (!until) {
        await this.#held;
        continue;
      }
      const remaining = until.deadline - performance.now();
      if (remaining <= 0) throw until.error();
      await settledWithin(this.#held, remaining);
    }
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#held = held;
    return () => {
      if (this.#held === held) this.#held = undefined;
      release();
    };
  }

  async #outside<T>(run: () => T): Promise<T> {
    while (this.#held) await this.#held;
    return run();
  }

  /** Runs at once when no transaction holds the connection (the common case: no extra await). */
  #now<T>(run: () => T): Promise<T> {
    if (this.#held) return this.#outside(run);
    try {
      return Promise.resolve(run());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  query(sql: string, params: readonly unknown[]): Promise<DriverRow[]> {
    return this.#now(() => this.runQuery(sql, params));
  }

  queryFirst(sql: string, params: readonly unknown[]): Promise<DriverRow | undefined> {
    return this.#now(() => this.runQueryFirst(sql, params));
  }

  execute(sql: string, params: readonly unknown[]): Promise<ExecuteResult> {
    return this.#now(() => this.runExecute(sql, params));
  }

  /**
   * SQLite has one write lock per database file, and that is the lock: `name` plays no part, so
   * every `withLock` on a file excludes every other one — and every other writer — in any process.
   * Waits for this process's open transactions (the gate), then for other processes' writers
   * (`BEGIN IMMEDIATE`), both within `timeoutMs`. `fn` runs inside that transaction with foreign
   * keys off; see `holdWriteLock` for what is committed.
   */
  async withLock<T>(name: string, timeoutMs: number, fn: (session: LockedSession) => Promise<T>): Promise<T> {
    const request: LockRequest = { name, timeoutMs, deadline: performance.now() + timeoutMs };
    const release = await this.#acquire({
      deadline: request.deadline,
      error: () => lockTimeoutError(request),
    });
    try {
      return await holdWriteLock(this.#db, this, request, fn);
    } finally {
      release();
    }
  }

  /**
   * An application lock (`store.locks`): a lease row in `switchyard_locks`, taken, renewed and
   * released by single statements. Unlike `withLock` it holds no database lock, so the store's
   * other work — and every other process's — runs on while it is held.
   */
  lock(name: string, request: AppLockRequest): Promise<AcquiredLock | null> {
    return takeLease(this, name, request);
  }

  async begin(options: BeginOptions): Promise<DriverTransaction> {
    const end = await this.#acquire();
    try {
      // IMMEDIATE takes the write lock now, waiting (busy_timeout) for other processes, so a
      // write later in the transaction never fails with SQLITE_BUSY. Read-only work stays deferred.
      this.#db.exec(options.readOnly ? 'BEGIN DEFERRED' : 'BEGIN IMMEDIATE');
      if (options.readOnly) this.#db.pragma('query_only = ON');
    } catch (error) {
      // Never hand the connection back with a transaction left open on it.
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      end();
      throw error;
    }
    return new SqliteTransaction(this, this.#db, options.readOnly, end);
  }

  /**
   * One write transaction of single-row INSERTs, holding the gate like a transaction does, so it
   * never runs inside another caller's open transaction.
   */
  async bulkLoad(load: BulkLoad): Promise<void> {
    if (load.rows.length === 0) return;
    const end = await this.#acquire();
    try {
      insertRows(this.#db, this.#prepare(insertRowStatement(load)), load.rows);
    } finally {
      end();
    }
  }

  async health(): Promise<HealthInfo> {
    const pragma = (name: string) => this.#db.pragma(name, { simple: true }) as string | number;
    const version = this.#db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
    return {
      serverVersion: version.v,
      settings: {
        encoding: String(pragma('encoding')),
        journal_mode: String(pragma('journal_mode')),
        synchronous: Number(pragma('synchronous')),
        foreign_keys: Number(pragma('foreign_keys')) === 1,
        busy_timeout: Number(pragma('busy_timeout')),
        read_only: this.#db.readonly,
        file: this.#db.name,
      },
    };
  }

  async close(): Promise<void> {
    this.#statements.clear();
  }
}

/** Resolves when `promise` settles or after `ms`, whichever comes first. */
function settledWithin(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

class SqliteTransaction implements DriverTransaction, DriverSession {
  readonly #driver: SqliteStoreDriver;
  readonly #db: Database;
  readonly #readOnly: boolean;
  readonly #end: () => void;
  #done = false;

  constructor(driver: SqliteStoreDriver, db: Database, readOnly: boolean, end: () => void) {
    this.#driver = driver;
    this.#db = db;
    this.#readOnly = readOnly;
    this.#end = end;
  }

  #check(): void {
    if (this.#done) throw new Error('The transaction has already ended.');
  }

  async query(sql: string, params: readonly unknown[]): Promise<DriverRow[]> {
    this.#check();
    return this.#driver.runQuery(sql, params);
  }

  async queryFirst(sql: string, params: readonly unknown[]): Promise<DriverRow | undefined> {
    this.#check();
    return this.#driver.runQueryFirst(sql, params);
  }

  async execute(sql: string, params: readonly unknown[]): Promise<ExecuteResult> {
    this.#check();
    return this.#driver.runExecute(sql, params);
  }

  async commit(): Promise<void> {
    this.#finish('COMMIT');
  }

  async rollback(): Promise<void> {
    this.#finish('ROLLBACK');
  }

  #finish(statement: 'COMMIT' | 'ROLLBACK'): void {
    if (this.#done) return;
    try {
      if (this.#db.inTransaction) this.#db.exec(statement);
    } catch (error) {
      if (statement === 'COMMIT') {
        // A failed COMMIT leaves the transaction open; roll it back before giving up the gate.
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      }
      throw error;
    } finally {
      this.#done = true;
      if (this.#readOnly) this.#db.pragma('query_only = OFF');
      this.#end();
    }
  }
}

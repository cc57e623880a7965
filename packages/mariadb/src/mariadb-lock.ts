import {
  type DriverRow,
  type ExecuteResult,
  type LockedSession,
  LockTimeoutError,
} from '@switchyard/core/adapter';
import type { Pool, PoolConnection } from 'mysql2';
import { affectedOf, getConnection, rowsOf, run } from './mariadb-statements.ts';

export interface LockRequest {
  readonly name: string;
  readonly timeoutMs: number;
}

/**
 * GET_LOCK names are server-wide and at most 64 characters: the name is scoped to the current
 * database and hashed (40 hex digits), so any name fits and two databases never share a lock.
 */
const KEY = "SHA1(CONCAT(DATABASE(), '/', ?))";

/** "SAVEPOINT does not exist": DDL inside the transaction committed it implicitly. */
const NO_SAVEPOINT = 1305;

const errnoOf = (error: unknown) => (error as { errno?: unknown }).errno;

/**
 * One `withLock` call: a pooled connection of its own from start to end, so the user-level lock
 * (GET_LOCK), fn's statements and its transactions all live on that one connection (closed, not
 * pooled, once fn has had it).
 */
export class MariadbLockedSession implements LockedSession {
  readonly #connection: PoolConnection;
  #depth = 0;
  #savepoints = 0;
  #ended = false;
  #released = false;
  /**
   * Set once `fn` has had the connection. It is then closed rather than pooled: `fn` may have left
   * session state behind (MikroORM's migration SQL starts with `set names utf8mb4` and `set
   * foreign_key_checks = 0`), and a pooled connection must keep the adapter's session settings.
   */
  #used = false;
  /** Why the connection cannot be trusted any more. */
  #broken: unknown;

  private constructor(connection: PoolConnection) {
    this.#connection = connection;
  }

  /** Runs `fn` holding the lock `request.name` of the current database. */
  static async run<T>(
    pool: Pool,
    request: LockRequest,
    fn: (session: LockedSession) => Promise<T>,
  ): Promise<T> {
    const session = new MariadbLockedSession(await getConnection(pool));
    try {
      await session.#acquire(request);
      session.#used = true;
      try {
        return await fn(session);
      } finally {
        session.#ended = true;
        await session.#unlock(request.name);
      }
    } finally {
      session.#release();
    }
  }

  async #run(sql: string, params: readonly unknown[] = []): Promise<unknown> {
    try {
      return await run(this.#connection, sql, params);
    } catch (error) {
      // mysql2 marks an error fatal when the connection it happened on is unusable.
      if ((error as { fatal?: unknown }).fatal) this.#broken ??= error;
      throw error;
    }
  }

  #check(): void {
    if (this.#ended) throw new Error('The lock has been released; its session can no longer be used.');
    if (this.#broken !== undefined) {
      throw new Error('The connection of the lock session failed; it can no longer be used.', {
        cause: this.#broken,
      });
    }
  }

  /** GET_LOCK waits on the server, so the wait ends exactly at the timeout. */
  async #acquire(request: LockRequest): Promise<void> {
    const seconds = Math.max(0, request.timeoutMs) / 1000;
    const [row] = rowsOf(await this.#run(`SELECT GET_LOCK(${KEY}, ?) AS got`, [request.name, seconds]));
    const got = row?.got;
    if (got === null || got === undefined) {
      throw new Error(`GET_LOCK failed for the lock "${request.name}" (the server returned NULL).`);
    }
    if (Number(got) !== 1) {
      throw new LockTimeoutError(
        `Waited ${seconds} s for the lock "${request.name}" on this database; another process holds it.`,
      );
    }
  }

  async #unlock(name: string): Promise<void> {
    // A transaction still open (an atomic block that outlived fn) or a broken connection: the
    // connection is destroyed instead, and the server ends the transaction and the lock with it.
    if (this.#broken !== undefined || this.#depth > 0) {
      this.#broken ??= new Error('The lock callback settled inside an open transaction.');
      return;
    }
    try {
      await this.#run(`SELECT RELEASE_LOCK(${KEY})`, [name]);
    } catch (error) {
      this.#broken ??= error;
    }
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    if (this.#broken !== undefined || this.#used) this.#connection.destroy();
    else this.#connection.release();
  }

  async query(sql: string, params: readonly unknown[]): Promise<DriverRow[]> {
    this.#check();
    return rowsOf(await this.#run(sql, params));
  }

  async execute(sql: string, params: readonly unknown[]): Promise<ExecuteResult> {
    this.#check();
    return affectedOf(await this.#run(sql, params));
  }

  /**
   * A transaction; nested, a savepoint inside it. DDL commits the transaction implicitly on
   * MariaDB (`transactionalDdl: false`), so what ran before it stays, and the savepoints go: a
   * RELEASE or ROLLBACK TO that finds its savepoint gone has nothing left to do.
   */
  async atomic<T>(fn: () => Promise<T>): Promise<T> {
    this.#check();
    const savepoint = this.#depth === 0 ? undefined : `sy_atomic_${++this.#savepoints}`;
    await this.#run(savepoint ? `SAVEPOINT ${savepoint}` : 'START TRANSACTION');
    this.#depth++;
    try {
      const result = await fn();
      this.#check();
      if (savepoint) await this.#ignoringLostSavepoint(`RELEASE SAVEPOINT ${savepoint}`);
      else await this.#run('COMMIT');
      return result;
    } catch (error) {
      await this.#rollback(savepoint);
      throw error;
    } finally {
      this.#depth--;
    }
  }

  async #ignoringLostSavepoint(sql: string): Promise<void> {
    try {
      await this.#run(sql);
    } catch (error) {
      if (errnoOf(error) !== NO_SAVEPOINT) throw error;
    }
  }

  async #rollback(savepoint: string | undefined): Promise<void> {
    if (this.#ended || this.#broken !== undefined) return;
    try {
      if (savepoint) await this.#ignoringLostSavepoint(`ROLLBACK TO SAVEPOINT ${savepoint}`);
      else await this.#run('ROLLBACK');
    } catch (error) {
      // Whatever state the transaction is in, nobody may commit it: the connection goes.
      this.#broken ??= error;
    }
  }
}

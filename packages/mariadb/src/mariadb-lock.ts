import {
  type DriverRow,
  type ExecuteResult,
  type LockedSession,
  LockTimeoutError,
  ServerLockSession,
} from '@switchyard/core/adapter';
import type { PoolConnection } from 'mysql2';
import { affectedOf, rowsOf, run } from './mariadb-statements.ts';

export interface LockRequest {
  readonly name: string;
  readonly timeoutMs: number;
}

/**
 * GET_LOCK names are server-wide and at most 64 characters: the name is scoped to the current
 * database and hashed (40 hex digits), so any name fits and two databases never share a lock.
 * DATABASE() is utf8mb3, which cannot hold a character outside the BMP (an emoji): converted to
 * utf8mb4 it concatenates with any name, and hashes to the same bytes as before.
 */
const KEY = "SHA1(CONCAT(CONVERT(DATABASE() USING utf8mb4), '/', ?))";

/** "SAVEPOINT does not exist": DDL inside the transaction committed it implicitly. */
const NO_SAVEPOINT = 1305;

const errnoOf = (error: unknown) => (error as { errno?: unknown }).errno;

/**
 * One `withLock` call: a pooled connection of its own from start to end, so the user-level lock
 * (GET_LOCK), fn's statements and its transactions all live on that one connection. A used
 * connection is closed because `fn` may have left session state behind (MikroORM's migration SQL
 * starts with `set names utf8mb4` and `set foreign_key_checks = 0`), and a pooled connection must
 * keep the adapter's session settings.
 *
 * DDL commits the transaction implicitly on MariaDB (`transactionalDdl: false`), so what ran before
 * it stays, and the savepoints go: a RELEASE or ROLLBACK TO that finds its savepoint gone has
 * nothing left to do.
 */
export class MariadbLockedSession extends ServerLockSession<unknown> {
  readonly #connection: PoolConnection;
  readonly #request: LockRequest;

  private constructor(connection: PoolConnection, request: LockRequest) {
    super();
    this.#connection = connection;
    this.#request = request;
  }

  /** Runs `fn` holding the lock `request.name` of the current database, on a connection from `connect`. */
  static async run<T>(
    connect: () => Promise<PoolConnection>,
    request: LockRequest,
    fn: (session: LockedSession) => Promise<T>,
  ): Promise<T> {
    return new MariadbLockedSession(await connect(), request).hold(fn);
  }

  protected async run(sql: string, params: readonly unknown[] = []): Promise<unknown> {
    try {
      return await run(this.#connection, sql, params);
    } catch (error) {
      // mysql2 marks an error fatal when the connection it happened on is unusable.
      if ((error as { fatal?: unknown }).fatal) this.markBroken(error);
      throw error;
    }
  }

  protected rowsOf(result: unknown): DriverRow[] {
    return rowsOf(result);
  }

  protected affectedOf(result: unknown): ExecuteResult {
    return affectedOf(result);
  }

  protected async begin(): Promise<void> {
    await this.run('START TRANSACTION');
  }

  protected async commit(): Promise<void> {
    await this.run('COMMIT');
  }

  protected releaseSavepoint(savepoint: string): Promise<void> {
    return this.#ignoringLostSavepoint(`RELEASE SAVEPOINT ${savepoint}`);
  }

  protected rollbackToSavepoint(savepoint: string): Promise<void> {
    return this.#ignoringLostSavepoint(`ROLLBACK TO SAVEPOINT ${savepoint}`);
  }

  async #ignoringLostSavepoint(sql: string): Promise<void> {
    try {
      await this.run(sql);
    } catch (error) {
      if (errnoOf(error) !== NO_SAVEPOINT) throw error;
    }
  }

  /**
   * GET_LOCK waits on the server, so the wait ends exactly at the timeout. The URL's
   * `statement_timeout` (`max_statement_time`) does not apply to the wait: the lock's own timeout
   * decides how long it is.
   */
  protected async acquireLock(): Promise<void> {
    const request = this.#request;
    const seconds = Math.max(0, request.timeoutMs) / 1000;
    const [row] = rowsOf(
      await this.run(`SET STATEMENT max_statement_time = 0 FOR SELECT GET_LOCK(${KEY}, ?) AS got`, [
        request.name,
        seconds,
      ]),
    );
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

  protected async releaseLock(): Promise<void> {
    await this.run(`SELECT RELEASE_LOCK(${KEY})`, [this.#request.name]);
  }

  protected releaseConnection(broken: unknown, used: boolean): void {
    if (broken !== undefined || used) this.#connection.destroy();
    else this.#connection.release();
  }
}

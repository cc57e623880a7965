import {
  type DriverRow,
  type ExecuteResult,
  type LockedSession,
  LockTimeoutError,
} from '@switchyard/core/adapter';
import type { Pool, PoolClient, QueryResult } from 'pg';
import { isConnectionFault } from './postgres-errors.ts';
import { switchyardTypes } from './postgres-type-parsers.ts';

export interface LockRequest {
  readonly name: string;
  readonly timeoutMs: number;
  /** `performance.now()` value after which the wait gives up. */
  readonly deadline: number;
}

/**
 * The advisory lock key of a name: a 64-bit hash, so any name fits. Advisory locks belong to one
 * database, so the same name on another database is another lock.
 */
const KEY = 'hashtextextended($1, 0)';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * One `withLock` call: a pooled client of its own from start to end, so the session-level
 * advisory lock, fn's statements and its transactions all live on that one connection (closed,
 * not pooled, once fn has had it).
 */
export class PostgresLockedSession implements LockedSession {
  readonly #client: PoolClient;
  #depth = 0;
  #savepoints = 0;
  #ended = false;
  #released = false;
  /**
   * Set once `fn` has had the connection. It is then closed rather than pooled: `fn` may have left
   * session state behind (MikroORM's migration SQL starts with `set session_replication_role =
   * 'replica'`, which turns foreign keys off), and a pooled connection must not carry it.
   */
  #used = false;
  /** Why the connection cannot be trusted any more; it is destroyed, not given back. */
  #broken: Error | undefined;
  /**
   * A checked-out client that loses its connection between statements emits 'error', which
   * would crash the process without a listener (the pool only listens to idle clients).
   */
  readonly #onError = (error: Error) => {
    this.#broken ??= error;
  };

  private constructor(client: PoolClient) {
    this.#client = client;
    client.on('error', this.#onError);
  }

  /**
   * Runs `fn` holding the advisory lock `request.name`. The session is in `open` for as long as it
   * holds a client, so the driver can discard it when the store closes meanwhile.
   */
  static async run<T>(
    pool: Pool,
    request: LockRequest,
    fn: (session: LockedSession) => Promise<T>,
    open: Set<{ discard(reason: Error): void }>,
  ): Promise<T> {
    const session = new PostgresLockedSession(await pool.connect());
    open.add(session);
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
      open.delete(session);
      session.#release();
    }
  }

  async #run(text: string, params: readonly unknown[] = []): Promise<QueryResult> {
    try {
      // Plain (unnamed) statements: this connection's life is one migration, nothing to reuse.
      return await this.#client.query({ text, values: params as unknown[], types: switchyardTypes });
    } catch (error) {
      if (isConnectionFault(error)) this.#broken ??= asError(error);
      throw error;
    }
  }

  #check(): void {
    if (this.#ended) throw new Error('The lock has been released; its session can no longer be used.');
    if (this.#broken) {
      throw new Error('The connection of the lock session failed; it can no longer be used.', {
        cause: this.#broken,
      });
    }
  }

  /** Polls with a non-blocking try, so the wait can stop at the deadline (a jitter keeps waiters apart). */
  async #acquire(request: LockRequest): Promise<void> {
    for (;;) {
      const { rows } = await this.#run(`SELECT pg_try_advisory_lock(${KEY}) AS locked`, [request.name]);
      if (rows[0]?.locked === true) return;
      const remaining = request.deadline - performance.now();
      if (remaining <= 0) {
        throw new LockTimeoutError(
          `Waited ${request.timeoutMs / 1000} s for the lock "${request.name}" on this database; another process holds it.`,
        );
      }
      await sleep(Math.min(remaining, 100 + Math.random() * 150));
    }
  }

  async #unlock(name: string): Promise<void> {
    // A transaction still open (an atomic block that outlived fn) or a broken connection: the
    // client is destroyed instead, and the server ends the transaction and the lock with it.
    if (this.#broken || this.#depth > 0) {
      this.#broken ??= new Error('The lock callback settled inside an open transaction.');
      return;
    }
    try {
      await this.#run(`SELECT pg_advisory_unlock(${KEY})`, [name]);
    } catch (error) {
      this.#broken ??= asError(error);
    }
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#client.off('error', this.#onError);
    this.#client.release(this.#broken ?? this.#used);
  }

  /** Gives the client back at once, destroyed (the store is closing). */
  discard(reason: Error): void {
    this.#broken ??= reason;
    this.#release();
  }

  async query(sql: string, params: readonly unknown[]): Promise<DriverRow[]> {
    this.#check();
    return (await this.#run(sql, params)).rows;
  }

  async execute(sql: string, params: readonly unknown[]): Promise<ExecuteResult> {
    this.#check();
    return { affectedRows: (await this.#run(sql, params)).rowCount ?? 0 };
  }

  /** A transaction; nested, a savepoint inside it. */
  async atomic<T>(fn: () => Promise<T>): Promise<T> {
    this.#check();
    const savepoint = this.#depth === 0 ? undefined : `sy_atomic_${++this.#savepoints}`;
    await this.#run(savepoint ? `SAVEPOINT ${savepoint}` : 'BEGIN');
    this.#depth++;
    try {
      const result = await fn();
      this.#check();
      const end = await this.#run(savepoint ? `RELEASE SAVEPOINT ${savepoint}` : 'COMMIT');
      // COMMIT of a transaction an earlier failed statement aborted answers ROLLBACK, not an error.
      if (end.command === 'ROLLBACK') {
        throw new Error(
          'The transaction was rolled back, not committed: a statement inside it failed earlier.',
        );
      }
      return result;
    } catch (error) {
      await this.#rollback(savepoint);
      throw error;
    } finally {
      this.#depth--;
    }
  }

  async #rollback(savepoint: string | undefined): Promise<void> {
    if (this.#ended || this.#broken) return;
    try {
      // After a failed COMMIT the transaction is already over: ROLLBACK then only warns.
      if (savepoint) {
        await this.#run(`ROLLBACK TO SAVEPOINT ${savepoint}`);
        await this.#run(`RELEASE SAVEPOINT ${savepoint}`);
      } else {
        await this.#run('ROLLBACK');
      }
    } catch (error) {
      // Whatever state the transaction is in, nobody may commit it: the connection goes.
      this.#broken ??= asError(error);
    }
  }
}

import {
  type DriverRow,
  type ExecuteResult,
  type LockedSession,
  LockTimeoutError,
  ServerLockSession,
} from '@switchyard/core/adapter';
import type { PoolClient, QueryResult } from 'pg';
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
 * advisory lock, fn's statements and its transactions all live on that one connection. A used
 * connection is closed because `fn` may have left session state behind: MikroORM's migration SQL
 * starts with `set session_replication_role = 'replica'`, which turns foreign keys off.
 */
export class PostgresLockedSession extends ServerLockSession<QueryResult> {
  readonly #client: PoolClient;
  readonly #request: LockRequest;
  /**
   * A checked-out client that loses its connection between statements emits 'error', which
   * would crash the process without a listener (the pool only listens to idle clients).
   */
  readonly #onError = (error: Error) => {
    this.markBroken(error);
  };

  private constructor(client: PoolClient, request: LockRequest) {
    super();
    this.#client = client;
    this.#request = request;
    client.on('error', this.#onError);
  }

  /**
   * Runs `fn` holding the advisory lock `request.name`, on a client from `connect` (the driver's
   * bounded wait). The session is in `open` for as long as it holds a client, so the driver can
   * discard it when the store closes meanwhile.
   */
  static async run<T>(
    connect: () => Promise<PoolClient>,
    request: LockRequest,
    fn: (session: LockedSession) => Promise<T>,
    open: Set<{ discard(reason: Error): void }>,
  ): Promise<T> {
    const session = new PostgresLockedSession(await connect(), request);
    open.add(session);
    try {
      return await session.hold(fn);
    } finally {
      open.delete(session);
    }
  }

  /** Gives the client back at once, destroyed (the store is closing). */
  discard(reason: Error): void {
    this.abandon(reason);
  }

  /** pg's `client.release` takes an Error to destroy the client. */
  protected override markBroken(reason: unknown): void {
    super.markBroken(asError(reason));
  }

  protected async run(text: string, params: readonly unknown[] = []): Promise<QueryResult> {
    try {
      // Plain (unnamed) statements: this connection's life is one migration, nothing to reuse.
      return await this.#client.query({ text, values: params as unknown[], types: switchyardTypes });
    } catch (error) {
      if (isConnectionFault(error)) this.markBroken(error);
      throw error;
    }
  }

  protected rowsOf(result: QueryResult): DriverRow[] {
    return result.rows;
  }

  protected affectedOf(result: QueryResult): ExecuteResult {
    return { affectedRows: result.rowCount ?? 0 };
  }

  protected async begin(): Promise<void> {
    await this.run('BEGIN');
  }

  /** After a failed COMMIT the transaction is already over: the ROLLBACK that follows only warns. */
  protected async commit(): Promise<void> {
    const end = await this.run('COMMIT');
    // COMMIT of a transaction an earlier failed statement aborted answers ROLLBACK, not an error.
    if (end.command === 'ROLLBACK') {
      throw new Error(
        'The transaction was rolled back, not committed: a statement inside it failed earlier.',
      );
    }
  }

  protected async releaseSavepoint(savepoint: string): Promise<void> {
    await this.run(`RELEASE SAVEPOINT ${savepoint}`);
  }

  protected async rollbackToSavepoint(savepoint: string): Promise<void> {
    await this.run(`ROLLBACK TO SAVEPOINT ${savepoint}`);
    await this.run(`RELEASE SAVEPOINT ${savepoint}`);
  }

  /** Polls with a non-blocking try, so the wait can stop at the deadline (a jitter keeps waiters apart). */
  protected async acquireLock(): Promise<void> {
    const request = this.#request;
    for (;;) {
      const { rows } = await this.run(`SELECT pg_try_advisory_lock(${KEY}) AS locked`, [request.name]);
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

  protected async releaseLock(): Promise<void> {
    await this.run(`SELECT pg_advisory_unlock(${KEY})`, [this.#request.name]);
  }

  protected releaseConnection(broken: unknown, used: boolean): void {
    this.#client.off('error', this.#onError);
    this.#client.release(broken === undefined ? used : asError(broken));
  }
}

import type { DriverRow, ExecuteResult, LockedSession } from '../adapter-api.ts';

/**
 * The `LockedSession` of a server database: one `withLock` call on a pooled connection of its own
 * from start to end, so the lock, fn's statements and its transactions all live on that one
 * connection (closed, not pooled, once fn has had it). An adapter supplies the statements and the
 * connection handling; `Result` is what its driver answers a statement with.
 */
export abstract class ServerLockSession<Result> implements LockedSession {
  #depth = 0;
  #savepoints = 0;
  #ended = false;
  #released = false;
  /**
   * Set once `fn` has had the connection. It is then closed rather than pooled: `fn` may have left
   * session state behind (MikroORM's migration SQL changes session settings), and a pooled
   * connection must not carry it.
   */
  #used = false;
  /** Why the connection cannot be trusted any more; it is destroyed, not given back. */
  #broken: unknown;

  /** Runs a statement; marks the session broken (`markBroken`) when the connection failed. */
  protected abstract run(sql: string, params?: readonly unknown[]): Promise<Result>;
  protected abstract rowsOf(result: Result): DriverRow[];
  protected abstract affectedOf(result: Result): ExecuteResult;
  /** Opens the outermost transaction. */
  protected abstract begin(): Promise<void>;
  /** Commits the outermost transaction; rejects when it did not commit. */
  protected abstract commit(): Promise<void>;
  protected abstract releaseSavepoint(savepoint: string): Promise<void>;
  /** Undoes what ran since the savepoint. */
  protected abstract rollbackToSavepoint(savepoint: string): Promise<void>;
  /** Takes the lock, or rejects (with `LockTimeoutError` when another process holds it). */
  protected abstract acquireLock(): Promise<void>;
  protected abstract releaseLock(): Promise<void>;
  /**
   * Gives the connection back to the pool, or destroys it when `broken` is set or `used` (the
   * server then ends its transaction and its lock).
   */
  protected abstract releaseConnection(broken: unknown, used: boolean): void;

  /** Runs `fn` holding the lock; the connection is given back (or destroyed) in the end. */
  protected async hold<T>(fn: (session: LockedSession) => Promise<T>): Promise<T> {
    try {
      await this.acquireLock();
      this.#used = true;
      try {
        return await fn(this);
      } finally {
        this.#ended = true;
        await this.#unlock();
      }
    } finally {
      this.#release();
    }
  }

  protected markBroken(reason: unknown): void {
    this.#broken ??= reason;
  }

  /** Gives the connection back at once, destroyed. */
  protected abandon(reason: unknown): void {
    this.markBroken(reason);
    this.#release();
  }

  #check(): void {
    if (this.#ended) throw new Error('The lock has been released; its session can no longer be used.');
    if (this.#broken !== undefined) {
      throw new Error('The connection of the lock session failed; it can no longer be used.', {
        cause: this.#broken,
      });
    }
  }

  async #unlock(): Promise<void> {
    // A transaction still open (an atomic block that outlived fn) or a broken connection: the
    // connection is destroyed instead, and the server ends the transaction and the lock with it.
    if (this.#broken !== undefined || this.#depth > 0) {
      this.markBroken(new Error('The lock callback settled inside an open transaction.'));
      return;
    }
    try {
      await this.releaseLock();
    } catch (error) {
      this.markBroken(error);
    }
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.releaseConnection(this.#broken, this.#used);
  }

  async query(sql: string, params: readonly unknown[]): Promise<DriverRow[]> {
    this.#check();
    return this.rowsOf(await this.run(sql, params));
  }

  async execute(sql: string, params: readonly unknown[]): Promise<ExecuteResult> {
    this.#check();
    return this.affectedOf(await this.run(sql, params));
  }

  /** A transaction; nested, a savepoint inside it. */
  async atomic<T>(fn: () => Promise<T>): Promise<T> {
    this.#check();
    const savepoint = this.#depth === 0 ? undefined : `sy_atomic_${++this.#savepoints}`;
    if (savepoint) await this.run(`SAVEPOINT ${savepoint}`);
    else await this.begin();
    this.#depth++;
    try {
      const result = await fn();
      this.#check();
      if (savepoint) await this.releaseSavepoint(savepoint);
      else await this.commit();
      return result;
    } catch (error) {
      await this.#rollback(savepoint);
      throw error;
    } finally {
      this.#depth--;
    }
  }

  async #rollback(savepoint: string | undefined): Promise<void> {
    if (this.#ended || this.#broken !== undefined) return;
    try {
      if (savepoint) await this.rollbackToSavepoint(savepoint);
      else await this.run('ROLLBACK');
    } catch (error) {
      // Whatever state the transaction is in, nobody may commit it: the connection goes.
      this.markBroken(error);
    }
  }
}

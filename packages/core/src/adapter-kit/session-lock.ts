import type { AcquiredLock, Driver, LockedSession, LockRequest } from '../adapter-api.ts';
import { LockLostError, LockTimeoutError } from '../errors.ts';
import type { LockDialect } from '../locks/lock-dialect.ts';

/** The lock dialect of a server that keeps its locks itself (advisory locks, `GET_LOCK`): nothing to create. */
export const serverLockStorage: LockDialect = Object.freeze({
  createStorage: () => [],
  dropStorage: () => [],
});

/** Application locks live in a namespace of their own, so `lock('switchyard:migrate')` is not the migration lock. */
const NAMESPACE = 'app:';

/**
 * `Driver.lock` of a server database, on the driver's own `withLock`: its session lock lives on a
 * pooled connection of its own, which the server ends — lock included — when the process dies. The
 * lock is held for as long as the `withLock` callback runs; `release()` ends the callback.
 *
 * While held, the connection is checked with `SELECT 1` every `ttlMs / 3`; a failed check means the
 * server has let go of the lock (or is about to), so `lost` aborts and the connection is given up.
 * Null when `withLock` times out (`LockTimeoutError`) before the callback ran.
 */
export async function takeSessionLock(
  withLock: Driver['withLock'],
  name: string,
  request: LockRequest,
): Promise<AcquiredLock | null> {
  const lock = new SessionLock(name, request.ttlMs);
  const finished = withLock(`${NAMESPACE}${name}`, request.waitMs, (session) => lock.hold(session));
  try {
    // `finished` cannot settle before the callback returns, which only release() or a loss makes it do.
    await Promise.race([lock.taken, finished]);
  } catch (error) {
    if (error instanceof LockTimeoutError) return null;
    throw error;
  }
  lock.follow(finished);
  return lock;
}

class SessionLock implements AcquiredLock {
  readonly #name: string;
  readonly #intervalMs: number;
  readonly #controller = new AbortController();
  readonly lost = this.#controller.signal;
  readonly taken: Promise<void>;
  #markTaken!: () => void;
  /** Ends the `withLock` callback, and with it the lock. */
  #end!: () => void;
  readonly #held: Promise<void>;
  #finished: Promise<unknown> | undefined;
  #session: LockedSession | undefined;
  #timer: NodeJS.Timeout | undefined;
  #released = false;

  constructor(name: string, ttlMs: number) {
    this.#name = name;
    this.#intervalMs = Math.max(1, Math.floor(ttlMs / 3));
    this.taken = new Promise((resolve) => {
      this.#markTaken = resolve;
    });
    this.#held = new Promise((resolve) => {
      this.#end = resolve;
    });
  }

  /** The `withLock` callback: holds the lock until release() or a loss. */
  hold(session: LockedSession): Promise<void> {
    this.#session = session;
    this.#markTaken();
    this.#schedule();
    return this.#held;
  }

  /** The `withLock` call, once the lock is taken: its failure means the lock is gone. */
  follow(finished: Promise<unknown>): void {
    this.#finished = finished;
    finished.catch((error: unknown) => this.#lose(error));
  }

  #schedule(): void {
    this.#timer = setTimeout(() => void this.#check(), this.#intervalMs);
    // A held lock must not keep the process alive on its own.
    this.#timer.unref();
  }

  async #check(): Promise<void> {
    if (this.#released) return;
    try {
      await this.#session?.query('SELECT 1', []);
    } catch (error) {
      this.#lose(error);
      return;
    }
    if (!this.#released) this.#schedule();
  }

  #lose(cause: unknown): void {
    if (this.#released || this.lost.aborted) return;
    clearTimeout(this.#timer);
    this.#controller.abort(
      new LockLostError(`The lock "${this.#name}" was lost: the connection holding it failed.`, { cause }),
    );
    // The callback ends and the broken connection is destroyed rather than pooled.
    this.#end();
  }

  async release(): Promise<void> {
    if (!this.#released) {
      this.#released = true;
      clearTimeout(this.#timer);
      this.#end();
    }
    // withLock gives the connection up whatever happens to the unlock statement: nothing to report.
    await this.#finished?.catch(() => undefined);
  }
}

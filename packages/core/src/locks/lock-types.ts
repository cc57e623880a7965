/** Options of `store.locks.withLock`. */
export interface LockOptions {
  /**
   * Milliseconds to wait for another holder to let go before `LockTimeoutError`; 0 tries once.
   * A non-negative integer. Default 10 000.
   */
  wait?: number;
  /**
   * Milliseconds the lock outlives a holder that died without releasing it (SQLite; the servers
   * release it as soon as the holder's connection drops, and check that connection every ttl / 3).
   * An integer of at least 1000. Default 30 000.
   */
  ttl?: number;
}

/** A lock taken with `store.locks.tryLock`. Release it, or declare it with `await using`. */
export interface HeldLock extends AsyncDisposable {
  readonly name: string;
  /**
   * Aborts, with a `LockLostError` as its reason, when the lock stops being held before it is
   * released: its connection failed, its lease could not be renewed in time, or the store was
   * closed. Another process may hold the lock from then on: work guarded by it MUST stop.
   */
  readonly signal: AbortSignal;
  /**
   * Releases the lock. Idempotent, and never rejects: where releasing fails, the database lets go
   * of the lock by itself (servers: the connection is closed; SQLite: the ttl runs out).
   */
  release(): Promise<void>;
  /** `release()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Named locks shared by every process on the database (`store.locks`): leader election,
 * schedulers, one-at-a-time jobs. PostgreSQL advisory locks, MariaDB `GET_LOCK`, and on SQLite a
 * lease row in `switchyard_locks` (created by the migration history, or by `migrate()` without one).
 *
 * Rules:
 * - Two holders of one name on one database never overlap, in any process on any host, while
 *   neither lock's `signal` has aborted.
 * - Not reentrant: taking a name this process already holds waits like any other taker (and
 *   `tryLock` returns null).
 * - A process that dies (SIGKILL included) loses its locks: at once on the servers (the connection
 *   drops), after the lock's `ttl` on SQLite (its lease is no longer renewed).
 * - Refused inside `store.transaction` (ValidationError): take the lock first and open the
 *   transaction inside it.
 * - A name is a non-empty string of at most 200 characters; bad options are refused with
 *   ValidationError before anything runs.
 * - On the servers a held lock keeps one pooled connection of its own.
 * - `store.close()` releases the locks still held and aborts their signals.
 * - An adapter declaring `locks: false` refuses every call with UnsupportedFeatureError.
 */
export interface Locks {
  /**
   * Runs `fn` holding the lock `name` and returns what it returns; the lock is released when `fn`
   * settles (`fn`'s error is rethrown). Waits up to `wait` for the lock, then throws
   * `LockTimeoutError` without running `fn`. `fn` receives the lock's `signal`.
   */
  withLock<T>(name: string, fn: (signal: AbortSignal) => Promise<T>, options?: LockOptions): Promise<T>;
  /** Takes the lock `name` if it is free right now; null when another holder has it. */
  tryLock(name: string, options?: Pick<LockOptions, 'ttl'>): Promise<HeldLock | null>;
}

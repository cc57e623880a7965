import { PoolTimeoutError } from '../errors.ts';

/** The pool settings an acquisition is bounded by, as the URL gave them. */
export interface PoolLimits {
  /** `pool_max`: named in the error, so the message says which setting to raise. */
  readonly poolMax: number;
  /** `pool_timeout`: milliseconds to wait for a free connection. */
  readonly poolTimeoutMs: number;
}

/**
 * A pooled connection from `acquire`, or a `PoolTimeoutError` once `limits.poolTimeoutMs` has
 * passed without one. The drivers' pools queue a waiter forever (pg-pool's only timeout is also
 * the one for opening a connection, mysql2's has none), so the wait is bounded here.
 *
 * Rules: a connection that arrives after the timeout is handed to `release` at once, never leaked;
 * the timer is cleared as soon as `acquire` settles; a failure of `acquire` before the timeout is
 * passed on unchanged, and one after it is dropped (the caller already has its error).
 */
export function acquireWithin<C>(
  acquire: Promise<C>,
  release: (connection: C) => void,
  limits: PoolLimits,
): Promise<C> {
  return new Promise<C>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(
        new PoolTimeoutError(
          `Waited ${limits.poolTimeoutMs} ms (pool_timeout) for a free connection: all ${limits.poolMax} of the pool (pool_max) stayed in use. ` +
            'Raise pool_max (the server must allow that many connections) or pool_timeout, or hold connections for less time: shorter transactions, and none waiting on another store call that needs a connection of its own.',
        ),
      );
    }, limits.poolTimeoutMs);
    acquire.then(
      (connection) => {
        if (timedOut) {
          release(connection);
          return;
        }
        clearTimeout(timer);
        resolve(connection);
      },
      (error: unknown) => {
        if (timedOut) return;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

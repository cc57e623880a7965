import type { AcquiredLock, Driver, LockRequest } from '../adapter-api.ts';
import {
  LockLostError,
  LockTimeoutError,
  type SwitchyardError,
  UnsupportedFeatureError,
  ValidationError,
} from '../errors.ts';
import type { HeldLock, LockOptions, Locks } from './lock-types.ts';

const DEFAULT_WAIT_MS = 10_000;
const DEFAULT_TTL_MS = 30_000;
/** Below a second a renewal every ttl / 3 would race the clock more than it guards anything. */
const MIN_TTL_MS = 1000;
/** The longest delay a timer can take (renewals are timers). */
const MAX_MS = 2_147_483_647;
const NAME_LIMIT = 200;
/** How long `store.close()` waits for the locks it releases. */
const CLOSE_RELEASE_MS = 5000;

/** What `store.locks` needs of its store. */
export interface LocksContext {
  readonly backend: string;
  /** `capabilities.locks`. */
  readonly enabled: boolean;
  readonly driver: Driver;
  /** Throws StoreClosedError once the store is closed. */
  assertOpen(): void;
  /** True inside `store.transaction`. */
  inTransaction(): boolean;
  /** A driver error as the Switchyard error for the same fault. */
  classify(error: unknown): SwitchyardError;
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || [...name].length > NAME_LIMIT) {
    throw new ValidationError(
      `locks: a lock name must be a non-empty string of at most ${NAME_LIMIT} characters.`,
    );
  }
  return name;
}

function checkMs(value: unknown, what: string, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_MS) {
    throw new ValidationError(
      `locks: ${what} must be an integer number of milliseconds from ${min} to ${MAX_MS}.`,
    );
  }
  return value;
}

function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** `store.locks`: validation and bookkeeping in core, the lock itself is the driver's (`Driver.lock`). */
export class StoreLocks implements Locks {
  readonly #context: LocksContext;
  /** Locks held through this store, released by `close()`. */
  readonly #held = new Set<StoreHeldLock>();

  constructor(context: LocksContext) {
    this.#context = context;
  }

  async withLock<T>(
    name: string,
    fn: (signal: AbortSignal) => Promise<T>,
    options: LockOptions = {},
  ): Promise<T> {
    const request = this.#request(name, options?.wait, options?.ttl);
    if (typeof fn !== 'function') throw new ValidationError('locks: withLock needs a function to run.');
    const held = await this.#take(name, request);
    if (!held) {
      throw new LockTimeoutError(
        `Waited ${request.waitMs / 1000} s for the lock "${name}"; another holder kept it.`,
      );
    }
    try {
      return await fn(held.signal);
    } finally {
      await held.release();
    }
  }

  async tryLock(name: string, options: Pick<LockOptions, 'ttl'> = {}): Promise<HeldLock | null> {
    return this.#take(name, this.#request(name, 0, options?.ttl));
  }

  /** Aborts the signal of every lock still held and releases them (the store is closing), within a bound. */
  async releaseAll(): Promise<void> {
    const held = [...this.#held];
    for (const lock of held) {
      lock.abort(new LockLostError(`The store was closed while the lock "${lock.name}" was held.`));
    }
    await settledWithin(Promise.allSettled(held.map((lock) => lock.release())), CLOSE_RELEASE_MS);
  }

  /** Every refusal comes before anything runs. */
  #request(name: unknown, wait: unknown, ttl: unknown): LockRequest {
    this.#context.assertOpen();
    if (!this.#context.enabled || !this.#context.driver.lock) {
      throw new UnsupportedFeatureError('locks', this.#context.backend);
    }
    checkName(name);
    const request = {
      waitMs: checkMs(wait, 'wait', 0, DEFAULT_WAIT_MS),
      ttlMs: checkMs(ttl, 'ttl', MIN_TTL_MS, DEFAULT_TTL_MS),
    };
    if (this.#context.inTransaction()) {
      throw new ValidationError(
        'locks: a lock cannot be taken inside a transaction; take the lock first and open the transaction inside it.',
      );
    }
    return request;
  }

  async #take(name: string, request: LockRequest): Promise<StoreHeldLock | null> {
    const { driver } = this.#context;
    let acquired: AcquiredLock | null | undefined;
    try {
      acquired = await driver.lock?.(name, request);
    } catch (error) {
      throw this.#context.classify(error);
    }
    if (!acquired) return null;
    try {
      // The store may have closed while the lock was being taken.
      this.#context.assertOpen();
    } catch (error) {
      await acquired.release();
      throw error;
    }
    const held = new StoreHeldLock(name, acquired, () => this.#held.delete(held));
    this.#held.add(held);
    return held;
  }
}

class StoreHeldLock implements HeldLock {
  readonly name: string;
  readonly #controller = new AbortController();
  readonly signal = this.#controller.signal;
  readonly #acquired: AcquiredLock;
  readonly #onRelease: () => void;
  #released: Promise<void> | undefined;

  constructor(name: string, acquired: AcquiredLock, onRelease: () => void) {
    this.name = name;
    this.#acquired = acquired;
    this.#onRelease = onRelease;
    const lost = () => this.abort(acquired.lost.reason);
    if (acquired.lost.aborted) lost();
    else acquired.lost.addEventListener('abort', lost, { once: true });
  }

  /** Aborts the signal (the lock is lost), unless the holder released it first. */
  abort(reason: unknown): void {
    if (this.#released || this.signal.aborted) return;
    this.#controller.abort(
      reason instanceof LockLostError
        ? reason
        : new LockLostError(`The lock "${this.name}" was lost.`, { cause: reason }),
    );
  }

  release(): Promise<void> {
    this.#released ??= (async () => {
      this.#onRelease();
      await this.#acquired.release();
    })();
    return this.#released;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }
}

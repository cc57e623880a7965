import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { acquireWithin } from '../src/adapter-kit/pool-acquire.ts';
import { PoolTimeoutError } from '../src/errors.ts';
import { deferred } from './fixtures/deferred.ts';

const limits = { poolMax: 2, poolTimeoutMs: 300 };

describe('acquiring a pooled connection within pool_timeout', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('no connection within pool_timeout rejects with a retryable PoolTimeoutError naming pool_max and pool_timeout', async () => {
    const acquire = deferred<string>();
    const result = acquireWithin(acquire.promise, () => undefined, limits);
    const settled = result.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(299);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const error = await settled;
    expect(error).toBeInstanceOf(PoolTimeoutError);
    expect(error).toMatchObject({ code: 'POOL_TIMEOUT', retryable: true });
    expect((error as Error).message).toMatch(/300 ms \(pool_timeout\).*all 2 .*\(pool_max\)/);
  });

  test('a connection that arrives after the timeout is released at once, not leaked', async () => {
    const acquire = deferred<string>();
    const release = vi.fn();
    const result = acquireWithin(acquire.promise, release, limits);
    result.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(300);
    await expect(result).rejects.toBeInstanceOf(PoolTimeoutError);
    expect(release).not.toHaveBeenCalled();
    acquire.resolve('late connection');
    await vi.advanceTimersByTimeAsync(0);
    expect(release).toHaveBeenCalledExactlyOnceWith('late connection');
  });

  test('a connection in time is returned, not released, and the timer is cleared', async () => {
    const acquire = deferred<string>();
    const release = vi.fn();
    const result = acquireWithin(acquire.promise, release, limits);
    acquire.resolve('connection');
    await expect(result).resolves.toBe('connection');
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(release).not.toHaveBeenCalled();
  });

  test("the pool's own failure before the timeout is passed on unchanged and the timer is cleared", async () => {
    const acquire = deferred<string>();
    const failure = new Error('connection refused');
    const result = acquireWithin(acquire.promise, () => undefined, limits);
    acquire.reject(failure);
    await expect(result).rejects.toBe(failure);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("the pool's failure after the timeout changes nothing: the caller keeps its PoolTimeoutError", async () => {
    const acquire = deferred<string>();
    const release = vi.fn();
    const result = acquireWithin(acquire.promise, release, limits);
    result.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(300);
    acquire.reject(new Error('pool ended'));
    await vi.advanceTimersByTimeAsync(0);
    await expect(result).rejects.toBeInstanceOf(PoolTimeoutError);
    expect(release).not.toHaveBeenCalled();
  });
});

import { describe, expect, test } from 'vitest';
import { ValidationError } from '../src/errors.ts';
import { defaultRetry, resolveRetry, retryDelay } from '../src/store/retry-policy.ts';

describe('retry policy', () => {
  test('undefined fields keep the defaults; false means one attempt', () => {
    expect(resolveRetry({ attempts: undefined }, defaultRetry)).toEqual(defaultRetry);
    expect(resolveRetry({ attempts: 9 }, defaultRetry).attempts).toBe(9);
    expect(resolveRetry(false, defaultRetry).attempts).toBe(1);
  });

  test('attempts below 1, fractions and negative delays are refused', () => {
    for (const bad of [{ attempts: 0 }, { attempts: 1.5 }, { baseDelayMs: -1 }, { maxDelayMs: Number.NaN }]) {
      expect(() => resolveRetry(bad, defaultRetry)).toThrow(ValidationError);
    }
  });

  test('each delay is jittered below a doubling ceiling capped by maxDelayMs', () => {
    const policy = { attempts: 10, baseDelayMs: 10, maxDelayMs: 50 };
    for (let retry = 1; retry <= 8; retry++) {
      const delay = retryDelay(policy, retry);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(50, 10 * 2 ** (retry - 1)));
    }
  });
});

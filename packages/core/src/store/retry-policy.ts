import { ValidationError } from '../errors.ts';
import type { RetryOptions } from './store-types.ts';

export interface ResolvedRetry {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const defaultRetry: ResolvedRetry = Object.freeze({ attempts: 5, baseDelayMs: 10, maxDelayMs: 1000 });

function check(value: number | undefined, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ValidationError(`retry.${name} must be an integer of at least ${min}, not ${String(value)}.`);
  }
  return value;
}

/** Merges retry options over `base`; an `undefined` field keeps the base value, a bad one is refused. */
export function resolveRetry(options: RetryOptions | false | undefined, base: ResolvedRetry): ResolvedRetry {
  if (options === false) return { ...base, attempts: 1 };
  if (options === undefined) return base;
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('retry must be an object or false.');
  }
  return {
    attempts: check(options.attempts, 'attempts', 1) ?? base.attempts,
    baseDelayMs: check(options.baseDelayMs, 'baseDelayMs', 0) ?? base.baseDelayMs,
    maxDelayMs: check(options.maxDelayMs, 'maxDelayMs', 0) ?? base.maxDelayMs,
  };
}

/** Exponential backoff with full jitter: spreads retrying replicas apart instead of in lockstep. */
export function retryDelay(policy: ResolvedRetry, retry: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.random() * ceiling;
}

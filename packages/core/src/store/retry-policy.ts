import type { RetryOptions } from './store-types.ts';

export interface ResolvedRetry {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const defaultRetry: ResolvedRetry = Object.freeze({ attempts: 5, baseDelayMs: 10, maxDelayMs: 1000 });

export function resolveRetry(options: RetryOptions | false | undefined, base: ResolvedRetry): ResolvedRetry {
  if (options === false) return { ...base, attempts: 1 };
  return { ...base, ...options };
}

/** Exponential backoff with full jitter: spreads retrying replicas apart instead of in lockstep. */
export function retryDelay(policy: ResolvedRetry, retry: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.random() * ceiling;
}

/** The q-quantile of an ascending array (nearest rank, upper; 0 for an empty array). */
export const quantile = (sorted: readonly number[], q: number): number =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);

/** A sorted copy. */
export const sorted = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

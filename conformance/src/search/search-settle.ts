/**
 * The current suite's `BackendProvider.settleSearch`, bound to its database. Suites run one after
 * another in one test file, so one slot is enough; without a settler it does nothing.
 */
let settler: (() => Promise<void>) | undefined;

export function useSearchSettler(fn: (() => Promise<void>) | undefined): void {
  settler = fn;
}

/** Waits until searches see every committed write reliably (see `BackendProvider.settleSearch`). */
export async function settleSearch(): Promise<void> {
  await settler?.();
}

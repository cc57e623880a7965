import type { AnyEntitySchema, Store } from '@switchyard/core';

/** A transaction kept open on purpose: see {@link holdTransaction}. */
export interface HeldTransaction {
  /** Resolves once the transaction has written its row and waits. */
  readonly entered: Promise<void>;
  /** Lets the transaction go on to its next statement (a count of `entity`). */
  proceed(): void;
  /** What the transaction ended with: its result, or the error it failed with. */
  readonly outcome: Promise<unknown>;
}

/**
 * Starts a transaction (without retries) that inserts `row` into `entity`, then waits for
 * `proceed()` before running one more statement: a connection in the middle of a transaction,
 * for tests that break the connection (freeze its server process, its network) at that point.
 */
export function holdTransaction(store: Store, entity: AnyEntitySchema, row: object): HeldTransaction {
  let enter!: () => void;
  const entered = new Promise<void>((resolve) => {
    enter = resolve;
  });
  let proceed!: () => void;
  const mayProceed = new Promise<void>((resolve) => {
    proceed = resolve;
  });
  const outcome = store
    .transaction(
      async (tx) => {
        await tx.repo(entity).insert(row as never);
        enter();
        await mayProceed;
        return tx.repo(entity).count();
      },
      { retry: false },
    )
    .catch((error: unknown) => error);
  return { entered, proceed, outcome };
}

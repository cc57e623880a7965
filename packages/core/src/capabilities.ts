/**
 * What an adapter can do beyond the guaranteed contract. Every flag has a default, so adding a
 * flag never breaks a third-party adapter that predates it.
 *
 * A flag set to `false` means the feature MUST be refused with `UnsupportedFeatureError` — core
 * checks the flags before it calls the adapter, so the refusal is identical everywhere.
 */
export interface Capabilities {
  /** Nested `transaction()` calls become savepoints. Default: true. */
  savepoints: boolean;
  /** `transaction(fn, { isolation })` is honoured (at least as strong as asked). Default: true. */
  isolationLevels: boolean;
  /** `get`/`find` with `{ forUpdate: true }` inside a transaction lock the rows read. Default: true. */
  forUpdate: boolean;
  /** `transaction(fn, { readOnly: true })` refuses writes in the transaction. Default: true. */
  readOnlyTransactions: boolean;
  /**
   * Full-text search (`searchable` entities, `store.search`). Default: true when the adapter has a
   * search dialect, and always false without one.
   */
  search: boolean;
  /**
   * Append-only entities (`appendOnly`), guarded by the database. Default: true when the adapter
   * has an append-only dialect, and always false without one.
   */
  appendOnly: boolean;
  /**
   * Named cross-process locks (`store.locks`). Default: true when the adapter has a lock dialect,
   * and always false without one.
   */
  locks: boolean;
}

export const defaultCapabilities: Capabilities = Object.freeze({
  savepoints: true,
  isolationLevels: true,
  forUpdate: true,
  readOnlyTransactions: true,
  search: true,
  appendOnly: true,
  locks: true,
});

export function resolveCapabilities(declared: Partial<Capabilities> | undefined): Capabilities {
  return Object.freeze({ ...defaultCapabilities, ...declared });
}

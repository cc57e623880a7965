import type { Capabilities, OpenStoreOptions, Store } from '@switchyard/core';
import type { Adapter } from '@switchyard/core/adapter';

/** What a conformance test receives. */
export interface SuiteContext {
  /** A store on this suite's own database, migrated with the conformance schema. */
  readonly store: Store;
  readonly adapter: Adapter;
  /** URL of this suite's database. */
  readonly url: string;
  /** URL of the server (empty for embedded backends). */
  readonly serverUrl: string;
  /** Package name of the adapter, importable from the adapter's own folder (child processes). */
  readonly adapterModule: string;
  /**
   * Opens another store (by default on the suite's database, with the conformance schema); closed
   * automatically after the suite.
   */
  openStore(options?: Partial<OpenStoreOptions>): Promise<Store>;
  /**
   * URL of a new, empty database (a file for embedded backends), dropped after the suite: for tests
   * that need a database no other test has touched, such as the migrations suite's.
   */
  freshDatabase(): Promise<string>;
}

export interface ConformanceTest {
  /** Capabilities the test needs; it is skipped (with the reason) when the adapter lacks one. */
  readonly needs?: readonly (keyof Capabilities)[];
  /** The test's timeout, when it needs longer than the runner's default (several OS processes). */
  readonly timeoutMs?: number;
  run(context: SuiteContext): Promise<void>;
}

export interface Suite<Name extends string = string, Tests extends string = string> {
  readonly name: Name;
  readonly tests: Readonly<Record<Tests, ConformanceTest>>;
}

/**
 * Declares a suite. Test names are rules ("equality is case-sensitive"), and `<suite>/<name>` is
 * the test's id in skips, known failures and the parity report.
 */
export function defineSuite<
  const Name extends string,
  const Tests extends Record<string, ConformanceTest | ConformanceTest['run']>,
>(name: Name, tests: Tests): Suite<Name, Extract<keyof Tests, string>> {
  const normalized = Object.fromEntries(
    Object.entries(tests).map(([k, v]) => [k, typeof v === 'function' ? { run: v } : v]),
  ) as Record<Extract<keyof Tests, string>, ConformanceTest>;
  return { name, tests: normalized };
}

/** Every id of a suite: `<suite>/<test name>`. */
export type SuiteTestId<S> = S extends Suite<infer N, infer T> ? `${N}/${T}` : never;

import { randomBytes } from 'node:crypto';
import { type Capabilities, openStore, type Store } from '@switchyard/core';
import type { Adapter } from '@switchyard/core/adapter';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { BackendProvider, TestDatabase } from './backend-provider.ts';
import { conformanceSchemaFor } from './conformance-schema.ts';
import { ParityRecorder } from './parity-report.ts';
import { isRequired, type Provisioned, provision } from './provision.ts';
import { useSearchSettler } from './search/search-settle.ts';
import type { SuiteContext } from './suite-definition.ts';
import { allSuites, type ConformanceTestId, type SuiteName } from './suites/index.ts';

export interface ConformanceOptions {
  /** The adapter under test. */
  readonly adapter: Adapter;
  /** How to reach (or start) its backend and create throwaway databases. */
  readonly provider: BackendProvider;
  /** The adapter's package name, imported by the child processes of the multi-process tests. */
  readonly adapterModule: string;
  /** Tests not run, each with the reason shown in the output and the parity report. */
  readonly skip?: Partial<Record<ConformanceTestId, string>>;
  /**
   * Known failures: run, and expected to fail. One that starts passing fails the suite, so the
   * entry is removed once the adapter is fixed.
   */
  readonly expectFailure?: Partial<Record<ConformanceTestId, string>>;
  /** Run only these suites (default: all). */
  readonly suites?: readonly SuiteName[];
}

function databaseName(suite: string): string {
  const slug = suite
    .replace(/[^a-z0-9]+/gi, '_')
    .toLowerCase()
    .slice(0, 24);
  return `sy_${slug}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

function missingCapability(
  adapter: Adapter,
  needs: readonly (keyof Capabilities)[] | undefined,
): string | undefined {
  // Search, append-only and locks are also missing without their dialect, whatever the flag says
  // (as openStore decides).
  const lacks = (c: keyof Capabilities) =>
    adapter.capabilities?.[c] === false ||
    (c === 'search' && !adapter.search) ||
    (c === 'appendOnly' && !adapter.appendOnly) ||
    (c === 'locks' && !adapter.locks);
  const missing = (needs ?? []).filter(lacks);
  return missing.length ? `the adapter declares ${missing.join(', ')} false` : undefined;
}

function errorSummary(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error);
}

/**
 * Registers every conformance suite against one adapter (call it at the top level of a vitest
 * test file). Each suite gets its own database, dropped afterwards; the outcome of every test is
 * written to the parity report.
 */
export function runConformance(options: ConformanceOptions): void {
  const { adapter, provider } = options;
  const recorder = new ParityRecorder(provider.backend, adapter.name);
  const suites = allSuites.filter((s) => !options.suites || options.suites.includes(s.name));
  const allIds = suites.flatMap((s) => Object.keys(s.tests).map((t) => `${s.name}/${t}`));
  let provisioned: Provisioned | undefined;
  let unavailable: string | undefined;

  describe(`${adapter.name} conformance`, () => {
    beforeAll(async () => {
      provisioned = await provision(provider);
      if (provisioned.status === 'unavailable') {
        if (isRequired(provider.backend)) {
          throw new Error(
            `The ${provider.backend} backend is required here (CI=true or CONFORMANCE_REQUIRE) but unavailable: ${provisioned.reason}`,
          );
        }
        unavailable = provisioned.reason;
        console.warn(`[conformance] ${provider.backend}: every test skipped — ${unavailable}`);
      } else {
        console.info(`[conformance] ${provider.backend} via ${provisioned.via}`);
      }
    });

    afterAll(async () => {
      for (const id of allIds) {
        if (!recorder.has(id)) recorder.record(id, 'fail', 'did not run (a setup step failed)');
      }
      recorder.write();
      if (provisioned?.status === 'ready') await provisioned.stop();
    });

    for (const suite of suites) {
      describe(suite.name, () => {
        let context: SuiteContext | undefined;
        let database: TestDatabase | undefined;
        const freshDatabases: TestDatabase[] = [];
        const stores: Store[] = [];

        beforeAll(async () => {
          if (provisioned?.status !== 'ready') return;
          const db = await provider.createDatabase(provisioned.serverUrl, databaseName(suite.name));
          database = db;
          const settle = provider.settleSearch?.bind(provider);
          useSearchSettler(settle && (() => settle(db.url)));
          // An adapter without search (or append-only tables) still runs every other suite: its
          // schema leaves the searchable (append-only) entity out.
          const schema = conformanceSchemaFor(adapter);
          const open = async (extra: Partial<Parameters<typeof openStore>[0]> = {}) => {
            const store = await openStore({ url: db.url, schema, adapter, ...extra });
            stores.push(store);
            return store;
          };
          const store = await open();
          await store.migrate();
          const serverUrl = provisioned.serverUrl;
          context = {
            store,
            adapter,
            url: db.url,
            serverUrl,
            adapterModule: options.adapterModule,
            openStore: open,
            freshDatabase: async () => {
              const fresh = await provider.createDatabase(serverUrl, databaseName(`${suite.name}_x`));
              freshDatabases.push(fresh);
              return fresh.url;
            },
          };
        });

        afterAll(async () => {
          for (const s of stores) await s.close();
          for (const fresh of freshDatabases) await fresh.drop();
          await database?.drop();
        });

        for (const [name, definition] of Object.entries(suite.tests)) {
          const id = `${suite.name}/${name}` as ConformanceTestId;
          const reason = options.skip?.[id] ?? missingCapability(adapter, definition.needs);
          if (reason) {
            recorder.record(id, 'skip', reason);
            test.skip(`${name} — skipped: ${reason}`, () => undefined);
            continue;
          }
          const known = options.expectFailure?.[id];
          test(
            name,
            async (ctx) => {
              if (unavailable) {
                recorder.record(id, 'skip', unavailable);
                ctx.skip();
                return;
              }
              if (!context) throw new Error('the suite database could not be prepared');
              try {
                await definition.run(context);
              } catch (error) {
                if (known) {
                  recorder.record(id, 'known-failure', known);
                  return;
                }
                recorder.record(id, 'fail', errorSummary(error));
                throw error;
              }
              if (known) {
                recorder.record(id, 'fail', 'marked as a known failure but passes');
                throw new Error(
                  `"${id}" is marked as a known failure (${known}) but passes: remove it from expectFailure.`,
                );
              }
              recorder.record(id, 'pass');
            },
            definition.timeoutMs,
          );
        }
      });
    }
  });
}

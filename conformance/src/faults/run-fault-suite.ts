import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CommitOutcomeUnknownError,
  ConnectionError,
  defineEntity,
  openStore,
  p,
  type Store,
} from '@switchyard/core';
import type { Adapter } from '@switchyard/core/adapter';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BackendProvider, TestDatabase } from '../backend-provider.ts';
import { isRequired, type Provisioned, provision } from '../provision.ts';
import type { ServerRestarter } from './server-restarter.ts';

/**
 * One acknowledged-or-not write of the fault suite. `id` is generated afresh on every attempt
 * and `key` is not unique, so a transaction applied twice shows up as two rows with one key.
 */
export const FaultWrite = defineEntity({
  name: 'FaultWrite',
  tableName: 'sy_fault_write',
  properties: {
    id: p.uuid().primary(),
    key: p.string().length(64),
    writer: p.integer(),
    seq: p.integer(),
  },
});

export interface FaultSuiteOptions {
  /** The adapter under test. */
  readonly adapter: Adapter;
  /** How to reach its server and create a throwaway database. */
  readonly provider: BackendProvider;
  /** How to restart that server on this machine. */
  readonly restart: ServerRestarter;
  /** Concurrent writers (default 4). */
  readonly writers?: number;
  /** Server restarts during the stream of writes (default 2). */
  readonly restarts?: number;
  /** How long the stream of writes lasts at least, from its start (default 6000 ms). */
  readonly durationMs?: number;
}

/** What one in-flight operation got when the server went away. */
interface Failure {
  readonly key: string;
  readonly error: unknown;
}

/**
 * The errors an operation may get while its server restarts: a retryable `ConnectionError` (what
 * `store.transaction` retries), or `CommitOutcomeUnknownError` when COMMIT was in flight.
 */
function isExpectedFault(error: unknown): boolean {
  if (error instanceof CommitOutcomeUnknownError) return true;
  return error instanceof ConnectionError && error.retryable;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${error.message.split('\n')[0]}`;
}

/** How many of each error class, e.g. `ConnectionError [CONNECTION] × 12`. */
function tally(failures: readonly Failure[]): string[] {
  const counts = new Map<string, number>();
  for (const { error } of failures) {
    const name =
      error instanceof Error ? `${error.name} [${String((error as { code?: unknown }).code)}]` : 'non-Error';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([name, count]) => `${name} × ${count}`);
}

/** Every row of the table, counted per key. */
async function rowsPerKey(store: Store): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const row of store.repo(FaultWrite).stream()) {
    counts.set(row.key, (counts.get(row.key) ?? 0) + 1);
  }
  return counts;
}

/** Resolves once `predicate` holds, polling every 50 ms; rejects after `timeoutMs`. */
async function until(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * The fault suite (issue 8): restarts the backend's real server while the store is in use, and
 * checks that the store recovers without being re-opened and that no acknowledged write is lost
 * or applied twice. It restarts servers, so it MUST NOT run next to other tests of the same
 * server; it is not part of `allSuites` and `runConformance`. Call it at the top level of a vitest
 * file that runs alone. Skipped (one visible line with the reason) when `restart.available`
 * gives a reason — also under `CI=true`, where a managed service cannot be restarted.
 */
export function runFaultSuite(options: FaultSuiteOptions): void {
  const { adapter, provider, restart } = options;
  const writerCount = options.writers ?? 4;
  const restartCount = options.restarts ?? 2;
  const durationMs = options.durationMs ?? 6000;
  let provisioned: Provisioned | undefined;
  let skipReason: string | undefined;
  let database: TestDatabase | undefined;
  let store: Store | undefined;

  describe(`${adapter.name} faults (${restart.describe})`, () => {
    beforeAll(async () => {
      provisioned = await provision(provider);
      if (provisioned.status === 'unavailable') {
        if (isRequired(provider.backend)) {
          throw new Error(
            `The ${provider.backend} backend is required here (CI=true or CONFORMANCE_REQUIRE) but unavailable: ${provisioned.reason}`,
          );
        }
        skipReason = provisioned.reason;
      } else {
        skipReason = await restart.available(provisioned.serverUrl);
      }
      if (skipReason) {
        console.warn(`[faults] ${provider.backend}: every fault test skipped — ${skipReason}`);
        return;
      }
      if (provisioned.status !== 'ready') return;
      const name = `sy_faults_${process.pid}_${randomBytes(3).toString('hex')}`;
      database = await provider.createDatabase(provisioned.serverUrl, name);
      store = await openStore({ url: database.url, schema: [FaultWrite], adapter });
      await store.migrate();
      console.info(`[faults] ${provider.backend} via ${provisioned.via}, restarted by ${restart.describe}`);
    });

    afterAll(async () => {
      await store?.close();
      await database?.drop();
      if (provisioned?.status === 'ready') await provisioned.stop();
    });

    const serverUrl = () => (provisioned?.status === 'ready' ? provisioned.serverUrl : '');

    test('every acknowledged write survives server restarts exactly once; in-flight operations get retryable connection errors', async (ctx) => {
      if (skipReason) return ctx.skip(skipReason);
      if (!store) throw new Error('the fault suite database could not be prepared');
      const s = store;
      const attempted = new Set<string>();
      const acknowledged = new Set<string>();
      const failures: Failure[] = [];
      let stop = false;
      let restarted = 0;
      /** Acknowledgements after the last restart returned: the store recovered. */
      let afterLastRestart = 0;

      const writer = async (writerId: number) => {
        for (let seq = 0; !stop; seq++) {
          const key = `w${writerId}-${seq}`;
          attempted.add(key);
          try {
            // The default retry policy: a connection error inside the transaction restarts it.
            await s.transaction(async (tx) => {
              await tx.repo(FaultWrite).insert({ key, writer: writerId, seq });
            });
            acknowledged.add(key);
            if (restarted === restartCount) afterLastRestart++;
          } catch (error) {
            failures.push({ key, error });
            // The server is away: do not spin.
            await sleep(50);
          }
        }
      };

      // Reads outside a transaction (not retried) on the same pool meanwhile.
      let reads = 0;
      const reader = async () => {
        while (!stop) {
          try {
            await s.repo(FaultWrite).count({ writer: 0 });
            reads++;
          } catch (error) {
            failures.push({ key: 'read', error });
          }
          await sleep(reads % 10 === 0 ? 50 : 5);
        }
      };

      const writers = [...Array.from({ length: writerCount }, (_, i) => writer(i)), reader()];
      const started = performance.now();
      try {
        for (let i = 1; i <= restartCount; i++) {
          const before = acknowledged.size;
          // Restarts spread over the stream, each while writes are flowing.
          const at = started + (durationMs * i) / (restartCount + 1);
          await until('the moment of the restart', () => performance.now() >= at, durationMs);
          await until('writes before the restart', () => acknowledged.size >= before + 20, 20_000);
          await restart.restart(serverUrl());
          restarted++;
        }
        // Writes flow again through the same store, to the end of the stream.
        await until('writes after the last restart', () => afterLastRestart >= 50, 20_000);
        await until('the end of the stream', () => performance.now() >= started + durationMs, durationMs);
      } finally {
        stop = true;
        await Promise.all(writers);
      }

      console.info(
        `[faults] ${provider.backend}: ${attempted.size} writes attempted, ${acknowledged.size} acknowledged, ${reads} reads, ${failures.length} operations failed${failures.length ? `: ${tally(failures).join(', ')}` : ''}`,
      );
      const unexpected = failures.filter((f) => !isExpectedFault(f.error)).map((f) => describeError(f.error));
      expect(unexpected, 'errors outside ConnectionError (retryable) / CommitOutcomeUnknownError').toEqual(
        [],
      );

      const counts = await rowsPerKey(s);
      const lost = [...acknowledged].filter((key) => counts.get(key) !== 1);
      expect(lost, 'acknowledged writes not present exactly once').toEqual([]);
      const doubled = [...counts].filter(([, n]) => n > 1).map(([key, n]) => `${key} × ${n}`);
      expect(doubled, 'writes applied more than once').toEqual([]);
      const unknown = [...counts.keys()].filter((key) => !attempted.has(key));
      expect(reads).toBeGreaterThan(0);
      expect(unknown, 'rows nobody wrote').toEqual([]);
      // A failed write is present once or absent; nothing else was acknowledged or counted.
      expect(acknowledged.size).toBeGreaterThan(0);

      // The store, never re-opened, still serves a fresh write and read.
      const fresh = await s.repo(FaultWrite).insert({ key: 'fresh', writer: -1, seq: 0 });
      expect(await s.repo(FaultWrite).get(fresh.id)).toMatchObject({ key: 'fresh' });
    }, 60_000);

    test('after a restart, a read outside a transaction succeeds without re-opening the store', async (ctx) => {
      if (skipReason) return ctx.skip(skipReason);
      if (!store) throw new Error('the fault suite database could not be prepared');
      // Every pooled connection has been used before the restart.
      const before = await Promise.all(Array.from({ length: 4 }, () => store?.repo(FaultWrite).count()));
      await restart.restart(serverUrl());
      const after = await store.repo(FaultWrite).count();
      expect(after).toBe(before[0]);
      const row = await store.repo(FaultWrite).insert({ key: 'after-restart', writer: -1, seq: 1 });
      expect(await store.repo(FaultWrite).get(row.id)).toMatchObject({ key: 'after-restart' });
    }, 60_000);
  });
}

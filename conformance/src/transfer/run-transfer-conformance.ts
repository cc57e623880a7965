import { randomBytes } from 'node:crypto';
import { type AnyEntitySchema, openStore, type Store, TransferError, transfer } from '@switchyard/core';
import type { Adapter } from '@switchyard/core/adapter';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BackendProvider, TestDatabase } from '../backend-provider.ts';
import { Sample, TenantDoc } from '../conformance-schema.ts';
import { isRequired, type Provisioned, provision } from '../provision.ts';
import { expectError } from '../suites/expect-error.ts';
import { startWorker } from '../suites/worker-process.ts';
import type { TransferWorkerInput, TransferWorkerMessage } from '../workers/transfer-worker.ts';
import { FILLER_SAMPLES, seedSource, snapshot, TENANTS, transferSchema } from './transfer-fixture.ts';

/** One backend of the transfer suite. */
export interface TransferBackend {
  readonly adapter: Adapter;
  readonly provider: BackendProvider;
  /** The adapter's package name, importable from the working directory (the kill test's child process). */
  readonly adapterModule: string;
}

export interface TransferConformanceOptions {
  /** Every ordered pair of two different backends is a direction under test. */
  readonly backends: readonly TransferBackend[];
}

/** Rows per batch: small, so every entity takes several batches and a kill lands between two. */
const BATCH = 200;
const KILL_DEADLINE_MS = 120_000;

function databaseName(purpose: string): string {
  return `sy_tx_${purpose}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

/**
 * Registers the transfer suite (call it at the top level of a vitest file that can import every
 * adapter): for each direction between the backends, a transfer of the conformance schema filled
 * with hostile values must arrive identical and verified, a transfer killed part-way must finish
 * with `resume`, and verification must name a row changed on the target afterwards.
 */
export function runTransferConformance(options: TransferConformanceOptions): void {
  const servers = new Map<TransferBackend, Provisioned>();
  describe('transfer conformance', () => {
    beforeAll(async () => {
      for (const backend of options.backends) {
        const provisioned = await provision(backend.provider);
        if (provisioned.status === 'unavailable' && isRequired(backend.provider.backend)) {
          throw new Error(
            `The ${backend.provider.backend} backend is required here (CI=true or CONFORMANCE_REQUIRE) but unavailable: ${provisioned.reason}`,
          );
        }
        servers.set(backend, provisioned);
      }
    });
    afterAll(async () => {
      for (const provisioned of servers.values())
        if (provisioned.status === 'ready') await provisioned.stop();
    });
    for (const from of options.backends) {
      for (const to of options.backends) {
        if (from !== to) describeDirection(from, to, servers);
      }
    }
  });
}

function describeDirection(
  from: TransferBackend,
  to: TransferBackend,
  servers: ReadonlyMap<TransferBackend, Provisioned>,
): void {
  const title = `${from.provider.backend} → ${to.provider.backend}`;
  const schema: AnyEntitySchema[] = transferSchema(from.adapter, to.adapter);
  const databases: TestDatabase[] = [];
  let source: TestDatabase | undefined;
  let expected: Record<string, Record<string, unknown>[]> = {};
  let unavailable: string | undefined;

  const create = async (backend: TransferBackend, purpose: string): Promise<TestDatabase> => {
    const server = servers.get(backend);
    if (server?.status !== 'ready') throw new Error(`${backend.provider.backend} is not available`);
    const database = await backend.provider.createDatabase(server.serverUrl, databaseName(purpose));
    databases.push(database);
    return database;
  };
  const run = (target: string, extra: Partial<Parameters<typeof transfer>[0]> = {}) =>
    transfer({
      from: (source as TestDatabase).url,
      to: target,
      schema,
      adapters: { from: from.adapter, to: to.adapter },
      batchSize: BATCH,
      ...extra,
    });
  const withTarget = async <T>(url: string, fn: (store: Store) => Promise<T>): Promise<T> => {
    const store = await openStore({ url, schema, adapter: to.adapter });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };

  describe(title, () => {
    beforeAll(async () => {
      const missing = [from, to].find((b) => servers.get(b)?.status !== 'ready');
      if (missing) {
        const server = servers.get(missing);
        unavailable = server?.status === 'unavailable' ? server.reason : 'not provisioned';
        return;
      }
      source = await create(from, 'src');
      const store = await openStore({ url: source.url, schema, adapter: from.adapter });
      try {
        await store.migrate();
        await seedSource(store, schema);
        expected = await snapshot(store, schema);
      } finally {
        await store.close();
      }
    });
    afterAll(async () => {
      for (const database of databases) await database.drop();
    });

    test('every entity arrives identical, hostile values included, and the copy verifies', async (ctx) => {
      if (unavailable) return ctx.skip();
      const target = await create(to, 'dst');
      const report = await run(target.url);
      const failed = report.entities.filter((e) => e.verification?.ok !== true);
      expect(failed, 'entities that did not verify').toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.totals.copied).toBe(Object.values(expected).reduce((n, rows) => n + rows.length, 0));
      if (report.audit) expect(report.audit.ok).toBe(true);
      const settle = to.provider.settleSearch?.bind(to.provider);
      if (settle) await settle(target.url);
      await withTarget(target.url, async (store) => {
        expect(await snapshot(store, schema)).toEqual(expected);
        if (schema.includes(TenantDoc)) {
          // The search index was rebuilt on the target, per tenant.
          const hits = await store.tenant(TENANTS[0]).search(TenantDoc, 'cobalt', { limit: 100 });
          expect(hits.hits).toHaveLength(10);
          expect(hits.hits.every((h) => h.item.org === TENANTS[0])).toBe(true);
        }
      });
      // The source was only read: still exactly as seeded.
      const sourceStore = await openStore({
        url: (source as TestDatabase).url,
        schema,
        adapter: from.adapter,
      });
      try {
        expect(await snapshot(sourceStore, schema)).toEqual(expected);
      } finally {
        await sourceStore.close();
      }
      // A second transfer into the now filled target is refused before any row moves.
      await expectError(run(target.url), TransferError, 'TRANSFER_REFUSED');
    });

    test('a transfer killed part-way finishes with resume: identical, nothing twice', {
      timeout: KILL_DEADLINE_MS + 60_000,
    }, async (ctx) => {
      if (unavailable) return ctx.skip();
      const target = await create(to, 'kill');
      const stopAt = Math.floor(FILLER_SAMPLES / 2);
      const worker = startWorker<TransferWorkerMessage>('transfer-worker.js', '', '', {
        from: (source as TestDatabase).url,
        to: target.url,
        fromModule: from.adapterModule,
        toModule: to.adapterModule,
        batchSize: BATCH,
        stopAt: { entity: Sample.meta.className, rows: stopAt },
      } satisfies TransferWorkerInput);
      const deadline = setTimeout(() => worker.child.kill('SIGKILL'), KILL_DEADLINE_MS);
      try {
        await worker.ready;
        worker.child.kill('SIGKILL');
        const outcome = await worker.done;
        expect(outcome.signal, outcome.stderr).toBe('SIGKILL');
        expect(outcome.result).toBeUndefined();
      } finally {
        clearTimeout(deadline);
      }
      const partial = await withTarget(target.url, (store) => store.repo(Sample).count());
      expect(partial).toBeGreaterThanOrEqual(stopAt);
      expect(partial).toBeLessThan(expected.Sample?.length ?? 0);
      await expectError(run(target.url), TransferError, 'TRANSFER_REFUSED');
      const report = await run(target.url, { mode: 'resume' });
      expect(report.ok).toBe(true);
      const sample = report.entities.find((e) => e.entity === Sample.meta.className);
      expect(sample?.copied).toBe((expected.Sample?.length ?? 0) - partial);
      const settle = to.provider.settleSearch?.bind(to.provider);
      if (settle) await settle(target.url);
      await withTarget(target.url, async (store) => {
        expect(await snapshot(store, schema)).toEqual(expected);
      });
    });

    test('verification names a row changed on the target', async (ctx) => {
      if (unavailable) return ctx.skip();
      const target = await create(to, 'alt');
      expect((await run(target.url, { verify: false })).ok).toBe(true);
      const victim = expected.Sample?.[7]?.id as string;
      await withTarget(target.url, async (store) => {
        const connection = store.orm.em.getConnection();
        await connection.execute('UPDATE sy_sample SET label = ? WHERE id = ?', ['altered', victim]);
      });
      const report = await run(target.url, { mode: 'resume' });
      expect(report.ok).toBe(false);
      const sample = report.entities.find((e) => e.entity === Sample.meta.className);
      expect(sample?.copied).toBe(0);
      expect(sample?.verification).toMatchObject({ ok: false, different: [victim], missing: [], extra: [] });
      expect(sample?.verification?.sourceRows).toBe(sample?.verification?.targetRows);
      expect(report.entities.filter((e) => e.verification?.ok === false).map((e) => e.entity)).toEqual([
        Sample.meta.className,
      ]);
    });
  });
}

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AppendOnlyError,
  type Capabilities,
  createMigration,
  defaultCapabilities,
  type IsolationLevel,
  type Store,
  UnsupportedFeatureError,
  ValidationError,
} from '@switchyard/core';
import { type Adapter, LOCK_TABLE } from '@switchyard/core/adapter';
import { expect } from 'vitest';
import { Account, Article, Ledger, Sample } from '../conformance-schema.ts';
import { defineSuite, type SuiteContext } from '../suite-definition.ts';
import { expectError } from './expect-error.ts';
import { newTag } from './suite-helpers.ts';

/**
 * The same adapter declaring different flags. The wrapper inherits everything else from the real
 * adapter (methods included, whatever their `this`), so only the declaration changes.
 */
function declaring(adapter: Adapter, capabilities: Partial<Capabilities> | undefined): Adapter {
  return Object.create(adapter, {
    capabilities: { value: capabilities, enumerable: true },
  }) as Adapter;
}

/** A store whose adapter declares `flag` false, on this suite's database. */
function storeWithout(context: SuiteContext, flag: keyof Capabilities): Promise<Store> {
  return context.openStore({
    adapter: declaring(context.adapter, { ...context.adapter.capabilities, [flag]: false }),
  });
}

async function expectUnsupported(action: Promise<unknown>, flag: keyof Capabilities): Promise<void> {
  const error = await expectError(action, UnsupportedFeatureError, 'UNSUPPORTED_FEATURE');
  expect(error.capability).toBe(flag);
}

async function countTagged(store: Store, tag: string): Promise<number> {
  return store.repo(Sample).count({ label: tag });
}

/** The same adapter without an append-only dialect at all (whatever its flags say). */
function withoutAppendOnlyDialect(adapter: Adapter): Adapter {
  return Object.create(adapter, { appendOnly: { value: undefined, enumerable: true } }) as Adapter;
}

/** Whether the adapter can guard append-only tables, as `openStore` decides it. */
const hasAppendOnly = (adapter: Adapter) =>
  Boolean(adapter.appendOnly) && (adapter.capabilities?.appendOnly ?? true);

/** The same adapter without a lock dialect (whatever its flags say). */
function withoutLockDialect(adapter: Adapter): Adapter {
  return Object.create(adapter, { locks: { value: undefined, enumerable: true } }) as Adapter;
}

const isolationLevels: IsolationLevel[] = ['read committed', 'repeatable read', 'serializable'];

/** How each flag is refused when declared false; a new flag fails to compile until it is added here. */
const refusals: Record<keyof Capabilities, (context: SuiteContext) => Promise<void>> = {
  async savepoints(context) {
    const store = await storeWithout(context, 'savepoints');
    const tag = newTag();
    let innerRuns = 0;
    await store.transaction(async (tx) => {
      await tx.repo(Sample).insert({ label: tag, int: 1 });
      const inner = async () => {
        innerRuns++;
        await store.repo(Sample).insert({ label: tag, int: 2 });
      };
      await expectUnsupported(tx.transaction(inner), 'savepoints');
      await expectUnsupported(store.transaction(inner), 'savepoints');
    });
    expect(innerRuns).toBe(0);
    expect((await store.repo(Sample).find({ label: tag })).items.map((r) => r.int)).toEqual([1]);
  },
  async isolationLevels(context) {
    const store = await storeWithout(context, 'isolationLevels');
    const tag = newTag();
    let runs = 0;
    for (const isolation of isolationLevels) {
      await expectUnsupported(
        store.transaction(
          async (tx) => {
            runs++;
            await tx.repo(Sample).insert({ label: tag });
          },
          { isolation },
        ),
        'isolationLevels',
      );
    }
    expect(runs).toBe(0);
    expect(await countTagged(context.store, tag)).toBe(0);
    // Without the option the store works.
    await store.transaction((tx) => tx.repo(Sample).insert({ label: tag }));
    expect(await countTagged(context.store, tag)).toBe(1);
  },
  async forUpdate(context) {
    const store = await storeWithout(context, 'forUpdate');
    const tag = newTag();
    const row = await store.repo(Sample).insert({ label: tag, int: 1 });
    await expectUnsupported(store.repo(Sample).get(row.id, { forUpdate: true }), 'forUpdate');
    await expectUnsupported(
      store.transaction(async (tx) => {
        await tx.repo(Sample).insert({ label: tag, int: 2 });
        await tx.repo(Sample).get(row.id, { forUpdate: true });
      }),
      'forUpdate',
    );
    await expectUnsupported(
      store.transaction(async (tx) => {
        await tx.repo(Sample).insert({ label: tag, int: 3 });
        await tx.repo(Sample).find({ label: tag }, { forUpdate: true });
      }),
      'forUpdate',
    );
    expect(await countTagged(context.store, tag)).toBe(1);
    // Features built on row locks still work without them.
    const id = crypto.randomUUID();
    await store.repo(Account).upsert({ id, email: `${id}@example.com`, name: 'a', balance: 1 });
    const upserted = await store
      .repo(Account)
      .upsert({ id, email: `${id}@example.com`, name: 'b', balance: 2 });
    expect(upserted).toMatchObject({ name: 'b', balance: 2, version: 2 });
  },
  async readOnlyTransactions(context) {
    const store = await storeWithout(context, 'readOnlyTransactions');
    const tag = newTag();
    let runs = 0;
    await expectUnsupported(
      store.transaction(
        async (tx) => {
          runs++;
          await tx.repo(Sample).insert({ label: tag });
        },
        { readOnly: true },
      ),
      'readOnlyTransactions',
    );
    expect(runs).toBe(0);
    expect(await countTagged(context.store, tag)).toBe(0);
    // readOnly: false is not a request for the feature.
    await store.transaction((tx) => tx.repo(Sample).insert({ label: tag }), { readOnly: false });
    expect(await countTagged(context.store, tag)).toBe(1);
  },
  async search(context) {
    // A schema with a searchable entity cannot open at all: its writes would need the index.
    await expectUnsupported(storeWithout(context, 'search'), 'search');
    const store = await context.openStore({
      schema: [Sample],
      adapter: declaring(context.adapter, { ...context.adapter.capabilities, search: false }),
    });
    expect(store.capabilities.search).toBe(false);
    await expectUnsupported(store.search(Article, 'anything', { tenant: 't' }), 'search');
    await expectUnsupported(store.reindex(Article), 'search');
  },
  async appendOnly(context) {
    // A schema with an append-only entity cannot open at all: nothing would guard its rows.
    const flagged = declaring(context.adapter, { ...context.adapter.capabilities, appendOnly: false });
    const bare = withoutAppendOnlyDialect(context.adapter);
    for (const adapter of [flagged, bare]) {
      await expectUnsupported(context.openStore({ schema: [Sample, Ledger], adapter }), 'appendOnly');
      // Without one the store opens, says so, and works.
      const store = await context.openStore({ schema: [Sample], adapter });
      expect(store.capabilities.appendOnly).toBe(false);
      const tag = newTag();
      const row = await store.repo(Sample).insert({ label: tag, int: 1 });
      expect((await store.repo(Sample).update(row.id, { int: 2 })).int).toBe(2);
      expect(await store.repo(Sample).delete(row.id)).toBe(true);
    }
    // Nor can a migration be generated for a dialect that has no guard (or declares it off).
    const directory = mkdtempSync(join(tmpdir(), 'switchyard-append-only-'));
    try {
      for (const adapter of [flagged, bare]) {
        await expectUnsupported(
          createMigration({ schema: [Ledger], directory, name: 'ledger', adapters: [adapter] }),
          'appendOnly',
        );
      }
      expect(readdirSync(directory)).toEqual([]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  },
  async locks(context) {
    const flagged = declaring(context.adapter, { ...context.adapter.capabilities, locks: false });
    const bare = withoutLockDialect(context.adapter);
    for (const adapter of [flagged, bare]) {
      const store = await context.openStore({ adapter });
      expect(store.capabilities.locks).toBe(false);
      let runs = 0;
      await expectUnsupported(
        store.locks.withLock('refused', async () => {
          runs++;
        }),
        'locks',
      );
      await expectUnsupported(store.locks.tryLock('refused'), 'locks');
      expect(runs).toBe(0);
      // The rest of the store works.
      expect(await countTagged(store, newTag())).toBe(0);
    }
    // A dialect without lock storage still gets its migrations, with no lock steps in them.
    const directory = mkdtempSync(join(tmpdir(), 'switchyard-locks-'));
    try {
      const created = await createMigration({ schema: [Sample], directory, name: 'init', adapters: [bare] });
      if (!created.file) throw new Error('no migration was written');
      const file = JSON.parse(readFileSync(created.file, 'utf8')) as { dialects: unknown };
      expect(JSON.stringify(file.dialects)).not.toContain(LOCK_TABLE);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  },
};

export const capabilitiesSuite = defineSuite('capabilities', {
  "store.capabilities is core's defaultCapabilities merged with the adapter's declared flags": async ({
    store,
    adapter,
    openStore,
  }) => {
    // Search, append-only and locks are the flags that also need code: without their dialect they
    // are always false.
    const search = Boolean(adapter.search) && (adapter.capabilities?.search ?? true);
    const appendOnly = hasAppendOnly(adapter);
    const locks = Boolean(adapter.locks) && (adapter.capabilities?.locks ?? true);
    expect(store.capabilities).toEqual({
      ...defaultCapabilities,
      ...adapter.capabilities,
      search,
      appendOnly,
      locks,
    });
    expect(Object.keys(store.capabilities).sort()).toEqual(Object.keys(defaultCapabilities).sort());
    expect((await store.health()).capabilities).toEqual(store.capabilities);
    // A flag the adapter leaves out takes its default; a declared one wins.
    const dialects = {
      search: Boolean(adapter.search),
      appendOnly: Boolean(adapter.appendOnly),
      locks: Boolean(adapter.locks),
    };
    const silent = await openStore({ adapter: declaring(adapter, undefined) });
    expect(silent.capabilities).toEqual({ ...defaultCapabilities, ...dialects });
    const partial = await openStore({ adapter: declaring(adapter, { forUpdate: false }) });
    expect(partial.capabilities).toEqual({ ...defaultCapabilities, forUpdate: false, ...dialects });
  },
  'every capability flag has a refusal test': async () => {
    expect(Object.keys(refusals).sort()).toEqual(Object.keys(defaultCapabilities).sort());
  },
  'savepoints declared false: a nested transaction is refused with UnsupportedFeatureError and writes nothing':
    refusals.savepoints,
  'isolationLevels declared false: an isolation option is refused with UnsupportedFeatureError and writes nothing':
    refusals.isolationLevels,
  'forUpdate declared false: a forUpdate read is refused with UnsupportedFeatureError and writes nothing':
    refusals.forUpdate,
  'readOnlyTransactions declared false: a readOnly transaction is refused with UnsupportedFeatureError and writes nothing':
    refusals.readOnlyTransactions,
  'search declared false: a searchable schema, search and reindex are refused with UnsupportedFeatureError':
    refusals.search,
  'appendOnly declared false or no append-only dialect: an append-only entity is refused at open and by createMigration with UnsupportedFeatureError':
    refusals.appendOnly,
  'locks declared false or no lock dialect: withLock and tryLock are refused with UnsupportedFeatureError, and migrations carry no lock storage':
    refusals.locks,
  'savepoints declared true: a nested transaction rolls back alone': {
    needs: ['savepoints'],
    run: async ({ store }) => {
      const tag = newTag();
      await store.transaction(async (tx) => {
        await tx.repo(Sample).insert({ label: tag, int: 1 });
        await tx
          .transaction(async (inner) => {
            await inner.repo(Sample).insert({ label: tag, int: 2 });
            throw new Error('inner');
          })
          .catch(() => undefined);
      });
      expect((await store.repo(Sample).find({ label: tag })).items.map((r) => r.int)).toEqual([1]);
    },
  },
  'isolationLevels declared true: every isolation level runs and commits': {
    needs: ['isolationLevels'],
    run: async ({ store }) => {
      const tag = newTag();
      for (const isolation of isolationLevels) {
        const got = await store.transaction(
          async (tx) => {
            const row = await tx.repo(Sample).insert({ label: tag });
            return tx.repo(Sample).get(row.id);
          },
          { isolation },
        );
        expect(got?.label, isolation).toBe(tag);
      }
      expect(await countTagged(store, tag)).toBe(isolationLevels.length);
    },
  },
  'forUpdate declared true: get and find with forUpdate return the rows inside a transaction': {
    needs: ['forUpdate'],
    run: async ({ store }) => {
      const tag = newTag();
      const row = await store.repo(Sample).insert({ label: tag, int: 1 });
      await store.transaction(async (tx) => {
        expect(await tx.repo(Sample).get(row.id, { forUpdate: true })).toEqual(row);
        expect((await tx.repo(Sample).find({ label: tag }, { forUpdate: true })).items).toEqual([row]);
        await tx.repo(Sample).update(row.id, { int: 2 });
      });
      expect((await store.repo(Sample).get(row.id))?.int).toBe(2);
    },
  },
  'appendOnly declared true: an append-only entity opens, takes inserts and refuses updates with AppendOnlyError':
    {
      needs: ['appendOnly'],
      run: async ({ store }) => {
        expect(store.capabilities.appendOnly).toBe(true);
        const row = await store.repo(Ledger).insert({ account: newTag(), amount: 1, createdAt: new Date(0) });
        expect(await store.repo(Ledger).get(row.id)).toEqual(row);
        await expectError(store.repo(Ledger).update(row.id, { amount: 2 }), AppendOnlyError, 'APPEND_ONLY');
        expect(await store.repo(Ledger).get(row.id)).toEqual(row);
      },
    },
  'readOnlyTransactions declared true: a readOnly transaction reads and refuses writes': {
    needs: ['readOnlyTransactions'],
    run: async ({ store }) => {
      const tag = newTag();
      const row = await store.repo(Sample).insert({ label: tag });
      expect(await store.transaction((tx) => tx.repo(Sample).get(row.id), { readOnly: true })).toEqual(row);
      await expectError(
        store.transaction((tx) => tx.repo(Sample).insert({ label: tag }), { readOnly: true }),
        ValidationError,
      );
      expect(await countTagged(store, tag)).toBe(1);
    },
  },
});

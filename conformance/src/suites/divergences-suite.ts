import { type Store, TransactionAbortedError, UniqueConstraintError } from '@switchyard/core';
import { expect } from 'vitest';
import { Account, Sample } from '../conformance-schema.ts';
import { defineSuite } from '../suite-definition.ts';
import { expectError } from './expect-error.ts';

/**
 * One test for every divergence plain MikroORM showed between the three backends (issue #2,
 * "Why"). Each passes only when the backend behaves like the others.
 */
const tag = () => crypto.randomUUID().slice(0, 8);

async function labelled(store: Store, prefix: string, labels: readonly string[]) {
  await store.repo(Sample).insertMany(labels.map((l) => ({ label: `${prefix}${l}` })));
}

/** Eight concurrent read-modify-write transactions; returns the final balance. */
async function concurrentIncrements(store: Store, options: { forUpdate: boolean; serializable: boolean }) {
  const account = await store
    .repo(Account)
    .insert({ email: `${crypto.randomUUID()}@example.com`, name: 'counter', balance: 0 });
  await Promise.all(
    Array.from({ length: 8 }, () =>
      store.transaction(
        async (tx) => {
          const current = await tx.repo(Account).get(account.id, { forUpdate: options.forUpdate });
          await new Promise((resolve) => setTimeout(resolve, 5));
          await tx.repo(Account).update(account.id, { balance: (current?.balance ?? 0) + 1 });
        },
        {
          retry: { attempts: 50, baseDelayMs: 5, maxDelayMs: 50 },
          ...(options.serializable ? { isolation: 'serializable' } : {}),
        },
      ),
    ),
  );
  return (await store.repo(Account).get(account.id))?.balance;
}

export const divergencesSuite = defineSuite('divergences', {
  'a bigint of 2^53+1 reads back exactly (SQLite rounded it)': async ({ store }) => {
    const big = 2n ** 53n + 1n;
    const row = await store.repo(Sample).insert({ big });
    expect((await store.repo(Sample).get(row.id))?.big).toBe(big);
    expect((await store.repo(Sample).find({ id: row.id, big })).items).toHaveLength(1);
  },
  'a datetime keeps its milliseconds (MariaDB dropped them)': async ({ store }) => {
    const at = new Date('2025-03-04T05:06:07.891Z');
    const row = await store.repo(Sample).insert({ at });
    expect((await store.repo(Sample).get(row.id))?.at?.toISOString()).toBe('2025-03-04T05:06:07.891Z');
  },
  "equality is case-sensitive: label = 'HELLO' does not match 'hello' (MariaDB matched it)": async ({
    store,
  }) => {
    const p = tag();
    await labelled(store, p, ['hello', 'Hello', 'HELLO']);
    const found = await store.repo(Sample).find({ label: `${p}HELLO` });
    expect(found.items.map((r) => r.label)).toEqual([`${p}HELLO`]);
  },
  "a prefix match is case-sensitive: 'hel%' does not match 'Hello' (only PostgreSQL was case-sensitive)":
    async ({ store }) => {
      const p = tag();
      await labelled(store, p, ['hello', 'Hello', 'HELP']);
      const found = await store.repo(Sample).find({ label: { startsWith: `${p}hel` } });
      expect(found.items.map((r) => r.label)).toEqual([`${p}hello`]);
    },
  "ordering by a string is binary: 'Hello' sorts before 'hello' (MariaDB put hello first)": async ({
    store,
  }) => {
    const p = tag();
    await labelled(store, p, ['hello', 'Hello', 'hellO', 'HELLO']);
    const found = await store.repo(Sample).find({ label: { startsWith: p } }, { orderBy: { label: 'asc' } });
    expect(found.items.map((r) => r.label?.slice(p.length))).toEqual(['HELLO', 'Hello', 'hellO', 'hello']);
  },
  'a JSON `in` filter on a string path matches (MariaDB returned nothing)': async ({ store }) => {
    const p = tag();
    await store.repo(Sample).insertMany([
      { label: p, doc: { status: 'open' } },
      { label: p, doc: { status: 'closed' } },
      { label: p, doc: { status: 'held' } },
    ]);
    const found = await store.repo(Sample).find({ label: p, doc: { path: 'status', in: ['open', 'held'] } });
    expect(found.items.map((r) => (r.doc as { status: string }).status).sort()).toEqual(['held', 'open']);
  },
  'ordering by a numeric JSON field is numeric: 2 before 10 (PostgreSQL and MariaDB sorted text)': async ({
    store,
  }) => {
    const p = tag();
    await store.repo(Sample).insertMany([10, 2, 33, -1, 2.5].map((rank) => ({ label: p, doc: { rank } })));
    const found = await store.repo(Sample).find({ label: p }, { orderBy: [{ field: 'doc', path: 'rank' }] });
    expect(found.items.map((r) => (r.doc as { rank: number }).rank)).toEqual([-1, 2, 2.5, 10, 33]);
  },
  'a serializable transaction is honoured: concurrent increments lose nothing (SQLite ignored isolation)': {
    needs: ['isolationLevels'],
    run: async ({ store }) => {
      expect(await concurrentIncrements(store, { forUpdate: false, serializable: true })).toBe(8);
    },
  },
  'forUpdate locks the row read: concurrent increments lose nothing (SQLite dropped FOR UPDATE)': {
    needs: ['forUpdate'],
    run: async ({ store }) => {
      expect(await concurrentIncrements(store, { forUpdate: true, serializable: false })).toBe(8);
    },
  },
  'a failed statement aborts the whole transaction: a swallowed error never commits (PostgreSQL aborted, SQLite and MariaDB went on)':
    async ({ store }) => {
      const email = `${crypto.randomUUID()}@example.com`;
      const before = await store.repo(Account).insert({ email, name: 'taken', balance: 0 });
      const label = tag();
      const error = await expectError(
        store.transaction(async (tx) => {
          await tx.repo(Sample).insert({ label });
          await tx
            .repo(Account)
            .insert({ email, name: 'duplicate', balance: 0 })
            .catch(() => undefined);
          await tx.repo(Sample).insert({ label });
        }),
        TransactionAbortedError,
        'TRANSACTION_ABORTED',
      );
      expect(error.cause).toBeInstanceOf(UniqueConstraintError);
      expect(await store.repo(Sample).count({ label })).toBe(0);
      expect((await store.repo(Account).get(before.id))?.name).toBe('taken');
    },
  'a failure caught around a nested transaction lets the outer transaction go on and commit': {
    needs: ['savepoints'],
    run: async ({ store }) => {
      const email = `${crypto.randomUUID()}@example.com`;
      await store.repo(Account).insert({ email, name: 'taken', balance: 0 });
      const label = tag();
      await store.transaction(async (tx) => {
        await tx.repo(Sample).insert({ label });
        await expectError(
          tx.transaction((inner) => inner.repo(Account).insert({ email, name: 'duplicate', balance: 0 })),
          UniqueConstraintError,
        );
        await tx.repo(Sample).insert({ label });
      });
      expect(await store.repo(Sample).count({ label })).toBe(2);
    },
  },
});

import {
  defineEntity,
  NotFoundError,
  p,
  type Row,
  SchemaError,
  type Store,
  searchable,
  TenantScopeError,
  tenantScoped,
  UniqueConstraintError,
  ValidationError,
} from '@switchyard/core';
import { expect } from 'vitest';
import { Memo, TenantDoc } from '../conformance-schema.ts';
import { settleSearch } from '../search/search-settle.ts';
import { prng } from '../seeded-random.ts';
import { defineSuite } from '../suite-definition.ts';
import { expectError } from './expect-error.ts';
import { newTag } from './suite-helpers.ts';

/**
 * Tenancy (`tenantScoped` entities, `store.tenant(id)`): a tenant-scoped entity is reachable only
 * through a tenant, every statement its repository runs is confined to that tenant, and no write
 * puts a row into another tenant. Each test uses tenants of its own (`newTag()`), so tests sharing
 * the suite's database never see each other's rows.
 */

type MemoRow = Row<typeof Memo>;
type DocRow = Row<typeof TenantDoc>;

/** Two fresh tenants. */
const tenants = (): [string, string] => {
  const tag = newTag();
  return [`${tag}-a`, `${tag}-b`];
};

async function seedMemos(store: Store, org: string, count: number): Promise<MemoRow[]> {
  return store
    .tenant(org)
    .repo(Memo)
    .insertMany(Array.from({ length: count }, (_, i) => ({ title: `${org} memo ${i}`, n: i })));
}

/** Every row of the tenant, read through the tenant's stream, sorted by id. */
async function allOf<R extends { id: string }>(rows: AsyncIterable<R>): Promise<R[]> {
  const out: R[] = [];
  for await (const row of rows) out.push(row);
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const WORDS = ['amber', 'basalt', 'cobalt', 'dune', 'ember', 'fjord'] as const;
/** Mixed operations of the randomised test, both tenants together. */
const OPERATIONS = 4000;

export const tenancySuite = defineSuite('tenancy', {
  'a tenant-scoped entity is refused without a tenant, never read as "all tenants"': async ({ store }) => {
    const [a] = tenants();
    await seedMemos(store, a, 2);
    await expectError(async () => store.repo(Memo), TenantScopeError, 'TENANT_SCOPE');
    await expectError(
      store.transaction(async (tx) => tx.repo(Memo).count()),
      TenantScopeError,
      'TENANT_SCOPE',
    );
    expect(await store.tenant(a).repo(Memo).count()).toBe(2);
  },

  'a tenant must be a non-empty string, an integer or a bigint, and fit the tenant property': async ({
    store,
  }) => {
    for (const bad of ['', null, undefined, 1.5, {}, ['a'], true]) {
      await expectError(async () => store.tenant(bad as never), TenantScopeError, 'TENANT_SCOPE');
    }
    // org is p.string().length(40): a longer tenant is refused on first use, before any statement.
    await expectError(async () => store.tenant('x'.repeat(41)).repo(Memo), TenantScopeError, 'TENANT_SCOPE');
    // A tenant error is a validation error: the input was refused before anything ran.
    await expectError(async () => store.tenant(''), ValidationError);
  },

  'a tenant declaration on a missing, nullable, key or non-comparable property is a SchemaError naming it':
    async ({ openStore }) => {
      const define = <const Name extends string>(name: Name) =>
        defineEntity({
          name,
          tableName: name.toLowerCase(),
          properties: {
            id: p.uuid().primary(),
            org: p.string().length(40),
            maybe: p.string().length(40).nullable(),
            doc: p.json(),
          },
        });
      const Missing = tenantScoped(define('SyTenantMissing'), { property: 'nope' as 'org' });
      const Nullable = tenantScoped(define('SyTenantNullable'), { property: 'maybe' });
      const Json = tenantScoped(define('SyTenantJson'), { property: 'doc' });
      const Key = tenantScoped(define('SyTenantKey'), { property: 'id' });
      const error = await expectError(
        openStore({ schema: [Missing, Nullable, Json, Key] }),
        SchemaError,
        'SCHEMA_INVALID',
      );
      for (const where of [
        'SyTenantMissing.nope',
        'SyTenantNullable.maybe',
        'SyTenantJson.doc',
        'SyTenantKey.id',
      ]) {
        expect(error.message).toContain(where);
      }
    },

  'an integer or bigint tenant property scopes the same way': async ({ openStore }) => {
    const Counter = tenantScoped(
      defineEntity({
        name: 'SyTenantCounter',
        tableName: 'sy_tenant_counter',
        properties: { id: p.uuid().primary(), org: p.bigint(), n: p.integer() },
      }),
      { property: 'org' },
    );
    const store = await openStore({ schema: [Counter] });
    await store.migrate();
    try {
      const big = 2n ** 62n + 7n;
      const row = await store.tenant(big).repo(Counter).insert({ n: 1 });
      expect(row.org).toBe(big);
      await store.tenant(7).repo(Counter).insert({ n: 2 });
      expect(await store.tenant(big).repo(Counter).count()).toBe(1);
      expect((await store.tenant(7n).repo(Counter).find()).items.map((r) => r.n)).toEqual([2]);
      expect(await store.tenant(8).repo(Counter).get(row.id)).toBeNull();
      await expectError(async () => store.tenant('seven').repo(Counter), TenantScopeError);
    } finally {
      await store.dropSchema();
    }
  },

  'an insert gets the scope tenant, and one naming another tenant writes nothing': async ({ store }) => {
    const [a, b] = tenants();
    const memos = store.tenant(a).repo(Memo);
    const row = await memos.insert({ title: 'filled', n: 1 });
    expect(row.org).toBe(a);
    expect(await memos.get(row.id)).toEqual(row);
    expect((await memos.insert({ org: a, title: 'same tenant', n: 2 })).org).toBe(a);
    await expectError(memos.insert({ org: b, title: 'elsewhere', n: 3 }), TenantScopeError, 'TENANT_SCOPE');
    await expectError(
      memos.insertMany([
        { title: 'first', n: 4 },
        { org: b, title: 'second', n: 5 },
      ]),
      TenantScopeError,
    );
    await expectError(memos.bulkInsert([{ org: b, title: 'bulk', n: 6 }]), TenantScopeError, 'TENANT_SCOPE');
    expect(await memos.count()).toBe(2);
    expect(await store.tenant(b).repo(Memo).count()).toBe(0);
  },

  'reads never return another tenant’s rows, whatever the filter': async ({ store }) => {
    const [a, b] = tenants();
    const own = await seedMemos(store, a, 3);
    const other = await seedMemos(store, b, 4);
    const memos = store.tenant(a).repo(Memo);
    const foreign = other[0] as MemoRow;
    expect(await memos.get(foreign.id)).toBeNull();
    expect(await memos.getMany([foreign.id, (own[0] as MemoRow).id])).toEqual([null, own[0]]);
    expect((await memos.find({ org: b })).items).toEqual([]);
    expect((await memos.find({ id: foreign.id })).items).toEqual([]);
    expect(await memos.count({ org: b })).toBe(0);
    expect(await memos.count({ $or: [{ org: b }, { n: { gte: 0 } }] })).toBe(3);
    expect((await memos.find({}, { orderBy: { n: 'asc' } })).items).toEqual(own);
    expect(await allOf(memos.stream({}, { batchSize: 2 }))).toEqual(
      [...own].sort((x, y) => (x.id < y.id ? -1 : 1)),
    );
    const firstPage = await memos.find({}, { orderBy: { n: 'asc' }, limit: 2 });
    const secondPage = await memos.find(
      {},
      { orderBy: { n: 'asc' }, limit: 2, cursor: firstPage.nextCursor },
    );
    expect([...firstPage.items, ...secondPage.items]).toEqual(own);
    expect(secondPage.nextCursor).toBeNull();
  },

  'updates and deletes of another tenant’s row miss, and change nothing': async ({ store }) => {
    const [a, b] = tenants();
    const [foreign] = await seedMemos(store, b, 1);
    if (!foreign) throw new Error('seed failed');
    const memos = store.tenant(a).repo(Memo);
    await expectError(memos.update(foreign.id, { title: 'taken' }), NotFoundError);
    await expectError(
      memos.update(foreign.id, { title: 'taken' }, { expectedVersion: foreign.version }),
      NotFoundError,
    );
    expect(await memos.delete(foreign.id)).toBe(false);
    await expectError(memos.delete(foreign.id, { expectedVersion: foreign.version }), NotFoundError);
    expect(await memos.deleteMany({ id: foreign.id })).toBe(0);
    expect(await memos.deleteMany({ $and: [] })).toBe(0);
    expect(await store.tenant(b).repo(Memo).get(foreign.id)).toEqual(foreign);
  },

  'a patch cannot move a row to another tenant': async ({ store }) => {
    const [a, b] = tenants();
    const [row] = await seedMemos(store, a, 1);
    if (!row) throw new Error('seed failed');
    const memos = store.tenant(a).repo(Memo);
    await expectError(memos.update(row.id, { org: b, title: 'moved' }), TenantScopeError, 'TENANT_SCOPE');
    expect(await memos.get(row.id)).toEqual(row);
    const same = await memos.update(row.id, { org: a, title: 'kept' });
    expect(same).toMatchObject({ org: a, title: 'kept', version: row.version + 1 });
    await expectError(memos.upsert({ id: row.id, org: b, title: 'moved', n: 0 }), TenantScopeError);
    expect(await store.tenant(b).repo(Memo).count()).toBe(0);
  },

  'an upsert never overwrites another tenant’s row with the same key': async ({ store }) => {
    const [a, b] = tenants();
    const [foreign] = await seedMemos(store, b, 1);
    if (!foreign) throw new Error('seed failed');
    const memos = store.tenant(a).repo(Memo);
    await expectError(memos.upsert({ id: foreign.id, title: 'overwrite', n: 99 }), UniqueConstraintError);
    expect(await store.tenant(b).repo(Memo).get(foreign.id)).toEqual(foreign);
    expect(await memos.count()).toBe(0);
    const created = await memos.upsert({ id: crypto.randomUUID(), title: 'own', n: 1 });
    expect(created.org).toBe(a);
    expect((await memos.upsert({ id: created.id, title: 'own again', n: 2 })).title).toBe('own again');
  },

  'a tenant transaction confines every repository, nested ones included': async ({ store }) => {
    const [a, b] = tenants();
    const [foreign] = await seedMemos(store, b, 1);
    if (!foreign) throw new Error('seed failed');
    const seen = await store.tenant(a).transaction(async (tx) => {
      await tx.repo(Memo).insert({ title: 'in tx', n: 1 });
      const nested = await tx.transaction(async (inner) => {
        expect(await inner.repo(Memo).get(foreign.id)).toBeNull();
        return inner.repo(Memo).count();
      });
      // The same transaction seen by another tenant, explicitly.
      const other = await tx.tenant(b).repo(Memo).count();
      return { nested, other };
    });
    expect(seen).toEqual({ nested: 1, other: 1 });
    const rolledBack = store.tenant(a).transaction(async (tx) => {
      await tx.repo(Memo).insert({ title: 'rolled back', n: 2 });
      await tx.repo(Memo).insert({ org: b, title: 'refused', n: 3 });
    });
    await expectError(rolledBack, TenantScopeError);
    expect(await store.tenant(a).repo(Memo).count()).toBe(1);
    expect(await store.tenant(b).repo(Memo).count()).toBe(1);
  },

  'search is confined to the scope tenant and refused without one': {
    needs: ['search'],
    async run({ store }) {
      const [a, b] = tenants();
      await store.tenant(a).repo(TenantDoc).insert({ title: 'shared amber word', n: 1 });
      const foreign = await store.tenant(b).repo(TenantDoc).insert({ title: 'shared amber word', n: 1 });
      await settleSearch();
      const hits = (await store.tenant(a).search(TenantDoc, 'amber')).hits;
      expect(hits.map((h) => h.item.org)).toEqual([a]);
      expect((await store.search(TenantDoc, 'amber', { tenant: b })).hits.map((h) => h.item.id)).toEqual([
        foreign.id,
      ]);
      await expectError(store.search(TenantDoc, 'amber'), TenantScopeError, 'TENANT_SCOPE');
      await expectError(store.tenant(a).search(TenantDoc, 'amber', { tenant: b }), TenantScopeError);
    },
  },

  'a search declaration of a tenant-scoped entity may only name its tenant property': {
    needs: ['search'],
    async run({ openStore }) {
      const define = <const Name extends string>(name: Name) =>
        defineEntity({
          name,
          tableName: name.toLowerCase(),
          properties: { id: p.uuid().primary(), org: p.string().length(40), other: p.string().length(40) },
        });
      const Other = tenantScoped(
        searchable(define('SyTenantSearchOther'), { fields: ['org'], tenant: 'other' }),
        {
          property: 'org',
        },
      );
      const error = await expectError(openStore({ schema: [Other] }), SchemaError, 'SCHEMA_INVALID');
      expect(error.message).toContain('SyTenantSearchOther');
      const Same = tenantScoped(
        searchable(define('SyTenantSearchSame'), { fields: ['other'], tenant: 'org' }),
        {
          property: 'org',
        },
      );
      const store = await openStore({ schema: [Same] });
      await store.close();
    },
  },

  'two tenants, thousands of random operations: no row ever crosses': {
    needs: ['search'],
    timeoutMs: 240_000,
    async run({ store }) {
      const seed = Number(process.env.SWITCHYARD_TENANCY_SEED ?? Date.now() % 2 ** 31);
      const rnd = prng(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
      const orgs = tenants();
      /** The expected rows of both tenants, by id. */
      const model = new Map<string, DocRow>();
      const ownRows = (org: string) => [...model.values()].filter((r) => r.org === org);
      const byId = (rows: readonly DocRow[]) => [...rows].sort((x, y) => (x.id < y.id ? -1 : 1));
      const title = () => Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(WORDS)).join(' ');
      const anyId = () => (model.size === 0 || rnd() < 0.05 ? crypto.randomUUID() : pick([...model.keys()]));
      const filter = () => (rnd() < 0.5 ? { n: { gte: Math.floor(rnd() * 20) } } : {});
      const matches = (row: DocRow, where: { n?: { gte: number } }) =>
        where.n === undefined || row.n >= where.n.gte;
      const context = (op: number, what: string) => `seed ${seed}, operation ${op}: ${what}`;
      /** How often each kind of operation ran: every kind must have run often enough to count. */
      const ran = new Map<string, number>();
      const tally = (kind: string) => ran.set(kind, (ran.get(kind) ?? 0) + 1);

      for (let op = 0; op < OPERATIONS; op++) {
        const org = pick(orgs);
        const other = org === orgs[0] ? orgs[1] : orgs[0];
        const docs = store.tenant(org).repo(TenantDoc);
        const roll = rnd();
        if (roll < 0.2 || model.size < 10) {
          tally('insert');
          const inserted =
            rnd() < 0.8
              ? [await docs.insert({ title: title(), n: Math.floor(rnd() * 20) })]
              : await docs.insertMany(
                  Array.from({ length: 2 + Math.floor(rnd() * 5) }, () => ({
                    title: title(),
                    n: Math.floor(rnd() * 20),
                  })),
                );
          for (const row of inserted) {
            expect(row.org, context(op, 'insert')).toBe(org);
            model.set(row.id, row);
          }
        } else if (roll < 0.3) {
          tally('get');
          const id = anyId();
          const expected = model.get(id);
          expect(await docs.get(id), context(op, 'get')).toEqual(expected?.org === org ? expected : null);
        } else if (roll < 0.35) {
          tally('getMany');
          const ids = Array.from({ length: 1 + Math.floor(rnd() * 6) }, anyId);
          const expected = ids.map((id) => {
            const row = model.get(id);
            return row?.org === org ? row : null;
          });
          expect(await docs.getMany(ids), context(op, 'getMany')).toEqual(expected);
        } else if (roll < 0.45) {
          tally('find');
          const where = rnd() < 0.15 ? { org: other } : filter();
          const limit = 1 + Math.floor(rnd() * 40);
          const found: DocRow[] = [];
          let cursor: string | null = null;
          do {
            const page: Awaited<ReturnType<typeof docs.find>> = await docs.find(where, {
              orderBy: { n: 'desc' },
              limit,
              cursor,
            });
            found.push(...page.items);
            cursor = page.nextCursor;
          } while (cursor);
          const expected = 'org' in where ? [] : ownRows(org).filter((r) => matches(r, where));
          expect(byId(found), context(op, `find ${JSON.stringify(where)}`)).toEqual(byId(expected));
        } else if (roll < 0.52) {
          tally('count');
          const where = rnd() < 0.15 ? { org: other } : filter();
          const expected = 'org' in where ? 0 : ownRows(org).filter((r) => matches(r, where)).length;
          expect(await docs.count(where), context(op, `count ${JSON.stringify(where)}`)).toBe(expected);
        } else if (roll < 0.56) {
          tally('stream');
          const where = filter();
          const streamed = await allOf(docs.stream(where, { batchSize: 1 + Math.floor(rnd() * 50) }));
          expect(streamed, context(op, 'stream')).toEqual(
            byId(ownRows(org).filter((r) => matches(r, where))),
          );
        } else if (roll < 0.7) {
          tally('update');
          const id = anyId();
          const before = model.get(id);
          const patch = { title: title(), n: Math.floor(rnd() * 20) };
          if (before?.org === org) {
            const moveAttempt = rnd() < 0.1;
            if (moveAttempt) {
              await expectError(docs.update(id, { ...patch, org: other }), TenantScopeError);
            } else {
              const updated = await docs.update(id, patch, { expectedVersion: before.version });
              expect(updated, context(op, 'update own')).toEqual({
                ...before,
                ...patch,
                version: before.version + 1,
              });
              model.set(id, updated);
            }
          } else {
            await expectError(docs.update(id, patch), NotFoundError);
          }
        } else if (roll < 0.75) {
          tally('upsert');
          const id = anyId();
          const before = model.get(id);
          const data = { id, title: title(), n: Math.floor(rnd() * 20) };
          if (before && before.org !== org) {
            await expectError(docs.upsert(data), UniqueConstraintError);
          } else {
            const row = await docs.upsert(data);
            expect(row, context(op, 'upsert')).toMatchObject({ ...data, org });
            model.set(id, row);
          }
        } else if (roll < 0.83) {
          tally('delete');
          const id = anyId();
          const own = model.get(id)?.org === org;
          expect(await docs.delete(id), context(op, 'delete')).toBe(own);
          if (own) model.delete(id);
        } else if (roll < 0.86) {
          tally('deleteMany');
          const n = Math.floor(rnd() * 20);
          const doomed = ownRows(org).filter((r) => r.n === n);
          expect(await docs.deleteMany({ n }), context(op, `deleteMany n=${n}`)).toBe(doomed.length);
          for (const row of doomed) model.delete(row.id);
        } else {
          const word = pick(WORDS);
          tally('search');
          const hits = (await store.tenant(org).search(TenantDoc, word, { limit: 1000 })).hits;
          for (const hit of hits) {
            const expected = model.get(hit.item.id);
            // A search may lag a just-committed write on some backends; it never crosses tenants.
            expect(hit.item.org, context(op, `search ${word}`)).toBe(org);
            expect(expected?.org, context(op, `search ${word}: a hit that is not the tenant's row`)).toBe(
              org,
            );
            expect(expected?.title.split(' '), context(op, `search ${word}`)).toContain(word);
          }
        }
      }

      for (const kind of [
        'insert',
        'get',
        'getMany',
        'find',
        'count',
        'stream',
        'update',
        'upsert',
        'delete',
        'deleteMany',
        'search',
      ]) {
        expect(ran.get(kind) ?? 0, `seed ${seed}: ${kind} ran too rarely to count`).toBeGreaterThanOrEqual(
          30,
        );
      }
      await settleSearch();
      for (const org of orgs) {
        expect(ownRows(org).length, `seed ${seed}: rows of ${org} in the end`).toBeGreaterThan(0);
        const docs = store.tenant(org).repo(TenantDoc);
        expect(await allOf(docs.stream()), `seed ${seed}: the tenant's rows in the end`).toEqual(
          byId(ownRows(org)),
        );
        for (const word of WORDS) {
          const hits = (await store.tenant(org).search(TenantDoc, word, { limit: 1000 })).hits;
          const expected = ownRows(org).filter((r) => r.title.split(' ').includes(word));
          expect(byId(hits.map((h) => h.item)), `seed ${seed}: search "${word}" in the end`).toEqual(
            byId(expected),
          );
        }
      }
    },
  },
});

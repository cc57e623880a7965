import {
  NotFoundError,
  UniqueConstraintError,
  ValidationError,
  VersionConflictError,
} from '@switchyard/core';
import { expect } from 'vitest';
import { Account, Post, Sample } from '../conformance-schema.ts';
import { defineSuite } from '../suite-definition.ts';
import { expectError } from './expect-error.ts';
import { newTag } from './suite-helpers.ts';

const newAccount = (email = `${crypto.randomUUID()}@example.com`) => ({ email, name: 'Ada', balance: 0 });

export const crudSuite = defineSuite('crud', {
  'insert returns exactly the row that get reads back': async ({ store }) => {
    const repo = store.repo(Sample);
    const row = await repo.insert({ label: 'one', int: 1, flag: true, doc: { a: [1, 'x'] } });
    expect(await repo.get(row.id)).toEqual(row);
    expect(row.body).toBeNull();
  },
  'insert generates a lower-case UUID primary key when none is given': async ({ store }) => {
    const row = await store.repo(Sample).insert({});
    expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  },
  'an upper-case UUID is stored and found in canonical lower case': async ({ store }) => {
    const id = crypto.randomUUID().toUpperCase();
    const row = await store.repo(Sample).insert({ id });
    expect(row.id).toBe(id.toLowerCase());
    expect(await store.repo(Sample).get(id)).toEqual(row);
  },
  'get returns null for a missing id': async ({ store }) => {
    expect(await store.repo(Sample).get(crypto.randomUUID())).toBeNull();
  },
  'getMany returns rows aligned with the ids and null where none exists': async ({ store }) => {
    const repo = store.repo(Sample);
    const a = await repo.insert({ label: 'a' });
    const b = await repo.insert({ label: 'b' });
    const missing = crypto.randomUUID();
    expect(await repo.getMany([b.id, missing, a.id, b.id])).toEqual([b, null, a, b]);
    expect(await repo.getMany([])).toEqual([]);
  },
  'a versioned row starts at version 1 and every update adds exactly 1': async ({ store }) => {
    const repo = store.repo(Account);
    const row = await repo.insert(newAccount());
    expect(row.version).toBe(1);
    const updated = await repo.update(row.id, { name: 'Grace' });
    expect(updated).toEqual({ ...row, name: 'Grace', version: 2 });
    expect((await repo.update(row.id, { balance: 5 }, { expectedVersion: 2 })).version).toBe(3);
  },
  'update changes only the given properties': async ({ store }) => {
    const repo = store.repo(Sample);
    const row = await repo.insert({ label: 'keep', int: 1, body: 'old' });
    const updated = await repo.update(row.id, { body: 'new', int: null });
    expect(updated).toEqual({ ...row, body: 'new', int: null });
  },
  'updates of the same and of different patch shapes each write their own values': async ({ store }) => {
    const repo = store.repo(Account);
    const a = await repo.insert(newAccount());
    const b = await repo.insert(newAccount());
    // The same properties in another order, with and without an expected version, then each
    // shape again: every call must bind its own values to its own columns.
    await repo.update(a.id, { name: 'A1', balance: 1 });
    await repo.update(b.id, { balance: 2, name: 'B1' });
    await repo.update(a.id, { name: 'A2', balance: 3 }, { expectedVersion: 2 });
    await repo.update(b.id, { balance: 4, name: 'B2' }, { expectedVersion: 2 });
    await repo.update(a.id, { name: 'A3', balance: 5 });
    await repo.update(b.id, { balance: 6, name: 'B3' });
    await expectError(
      repo.update(a.id, { name: 'stale', balance: 9 }, { expectedVersion: 1 }),
      VersionConflictError,
    );
    expect(await repo.get(a.id)).toEqual({ ...a, name: 'A3', balance: 5, version: 4 });
    expect(await repo.get(b.id)).toEqual({ ...b, name: 'B3', balance: 6, version: 4 });
  },
  'update of a missing row throws NotFoundError': async ({ store }) => {
    await expectError(
      store.repo(Sample).update(crypto.randomUUID(), { label: 'x' }),
      NotFoundError,
      'NOT_FOUND',
    );
  },
  'update with a stale expectedVersion throws VersionConflictError and changes nothing': async ({
    store,
  }) => {
    const repo = store.repo(Account);
    const row = await repo.insert(newAccount());
    await repo.update(row.id, { balance: 1 });
    const error = await expectError(
      repo.update(row.id, { balance: 99 }, { expectedVersion: 1 }),
      VersionConflictError,
      'VERSION_CONFLICT',
    );
    expect(error.expectedVersion).toBe(1);
    expect(error.actualVersion).toBe(2);
    expect((await repo.get(row.id))?.balance).toBe(1);
  },
  'the primary key and the version cannot be set by update': async ({ store }) => {
    const repo = store.repo(Account);
    const row = await repo.insert(newAccount());
    await expectError(repo.update(row.id, { id: crypto.randomUUID() } as never), ValidationError);
    await expectError(repo.update(row.id, { version: 7 }), ValidationError);
  },
  'an unknown property is refused with ValidationError and nothing is written': async ({ store }) => {
    const repo = store.repo(Sample);
    const before = await repo.count();
    await expectError(repo.insert({ label: 'x', nope: 1 } as never), ValidationError);
    expect(await repo.count()).toBe(before);
  },
  'delete returns true for an existing row and false afterwards': async ({ store }) => {
    const repo = store.repo(Sample);
    const row = await repo.insert({});
    expect(await repo.delete(row.id)).toBe(true);
    expect(await repo.delete(row.id)).toBe(false);
    expect(await repo.get(row.id)).toBeNull();
  },
  'delete with a stale expectedVersion throws VersionConflictError and keeps the row': async ({ store }) => {
    const repo = store.repo(Account);
    const row = await repo.insert(newAccount());
    await repo.update(row.id, { balance: 1 });
    await expectError(repo.delete(row.id, { expectedVersion: 1 }), VersionConflictError);
    expect(await repo.get(row.id)).not.toBeNull();
    expect(await repo.delete(row.id, { expectedVersion: 2 })).toBe(true);
  },
  'deleteMany deletes the matching rows and returns their number': async ({ store }) => {
    const repo = store.repo(Sample);
    const tag = crypto.randomUUID().slice(0, 8);
    await repo.insertMany([{ label: tag }, { label: tag }, { label: `${tag}x` }]);
    expect(await repo.deleteMany({ label: tag })).toBe(2);
    expect(await repo.count({ label: { startsWith: tag } })).toBe(1);
  },
  'deleteMany with an empty filter is refused': async ({ store }) => {
    await expectError(store.repo(Sample).deleteMany({}), ValidationError);
  },
  'upsert inserts a new row, then updates it in place': async ({ store }) => {
    const repo = store.repo(Account);
    const id = crypto.randomUUID();
    const email = `${id}@example.com`;
    const inserted = await repo.upsert({ id, email, name: 'first', balance: 1 });
    expect(inserted.version).toBe(1);
    const updated = await repo.upsert({ id, email, name: 'second', balance: 2 });
    expect(updated).toEqual({ id, email, name: 'second', balance: 2, version: 2 });
    expect(await repo.count({ id })).toBe(1);
  },
  'upsert of an existing row changes only the properties given': async ({ store }) => {
    const repo = store.repo(Sample);
    const tag = newTag();
    const row = await repo.insert({ label: tag, int: 1, body: 'keep', flag: true, doc: { kept: true } });
    const upserted = await repo.upsert({ id: row.id, label: tag, int: 2 });
    expect(upserted).toEqual({ ...row, int: 2 });
    expect(await repo.get(row.id)).toEqual({ ...row, int: 2 });
    expect(await repo.count({ label: tag })).toBe(1);
  },
  'insertMany writes every row and returns them in input order': async ({ store }) => {
    const repo = store.repo(Sample);
    const tag = crypto.randomUUID().slice(0, 8);
    const input = Array.from({ length: 2500 }, (_, i) => ({ label: tag, int: i }));
    const rows = await repo.insertMany(input);
    expect(rows.map((r) => r.int)).toEqual(input.map((r) => r.int));
    expect(await repo.count({ label: tag })).toBe(2500);
  },
  'insertMany is atomic: one invalid row writes nothing': async ({ store }) => {
    const repo = store.repo(Sample);
    const tag = crypto.randomUUID().slice(0, 8);
    await expectError(repo.insertMany([{ label: tag }, { label: tag, int: 2 ** 40 }]), ValidationError);
    expect(await repo.count({ label: tag })).toBe(0);
  },
  'insertMany is atomic: a duplicate key in the batch writes nothing': async ({ store }) => {
    const repo = store.repo(Account);
    const email = `${crypto.randomUUID()}@example.com`;
    await expectError(repo.insertMany([newAccount(email), newAccount(email)]), UniqueConstraintError);
    expect(await repo.count({ email })).toBe(0);
  },
  'count counts every row, or the matching ones': async ({ store }) => {
    const repo = store.repo(Sample);
    const tag = crypto.randomUUID().slice(0, 8);
    await repo.insertMany([{ label: tag, int: 1 }, { label: tag, int: 2 }, { label: tag }]);
    expect(await repo.count({ label: tag })).toBe(3);
    expect(await repo.count({ label: tag, int: { gte: 2 } })).toBe(1);
    expect(await repo.count()).toBeGreaterThanOrEqual(3);
  },
  'in with up to 10,000 values works; more than 10,000 values are refused with ValidationError': async ({
    store,
  }) => {
    const repo = store.repo(Sample);
    const tag = newTag();
    await repo.insertMany([0, 5_000, 9_999, 10_000].map((int) => ({ label: tag, int })));
    const limit = Array.from({ length: 10_000 }, (_, i) => i);
    const found = await repo.find({ label: tag, int: { in: limit } }, { orderBy: { int: 'asc' } });
    expect(found.items.map((r) => r.int)).toEqual([0, 5_000, 9_999]);
    expect(await repo.count({ label: tag, int: { in: limit } })).toBe(3);
    expect(await repo.count({ label: tag, int: { nin: limit } })).toBe(1);
    expect(await repo.count({ label: tag, id: { in: found.items.map((r) => r.id) } })).toBe(3);
    const tooMany = [...limit, 10_000];
    await expectError(repo.find({ label: tag, int: { in: tooMany } }), ValidationError, 'VALIDATION');
    await expectError(repo.count({ label: tag, int: { in: tooMany } }), ValidationError, 'VALIDATION');
    await expectError(repo.deleteMany({ label: tag, int: { in: tooMany } }), ValidationError, 'VALIDATION');
    expect(await repo.count({ label: tag })).toBe(4);
  },
  'stream yields every matching row once, in order, batch by batch': async ({ store }) => {
    const repo = store.repo(Sample);
    const tag = crypto.randomUUID().slice(0, 8);
    await repo.insertMany(Array.from({ length: 257 }, (_, i) => ({ label: tag, int: 1000 - i })));
    const seen: number[] = [];
    for await (const row of repo.stream({ label: tag }, { orderBy: { int: 'asc' }, batchSize: 50 })) {
      seen.push(row.int as number);
    }
    expect(seen).toEqual(Array.from({ length: 257 }, (_, i) => 744 + i));
  },
  'a reference is a plain primary key value': async ({ store }) => {
    const account = await store.repo(Account).insert(newAccount());
    const post = await store
      .repo(Post)
      .insert({ account: account.id, title: 't', seq: 1, createdAt: new Date() });
    expect(post.account).toBe(account.id);
    expect((await store.repo(Post).find({ account: account.id })).items).toEqual([post]);
  },
});

/**
 * `Driver.bulkLoad` on SQLite: one prepared single-row INSERT in one write transaction. Every
 * value must land exactly as the same row inserted through the repository, all rows or none, and
 * the load must take the driver's gate and the file's write lock as `begin()` does.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BulkItem, bulkColumns, bulkKinds, bulkSampleRows } from '@switchyard/conformance';
import { BusyError, openStore, type Store, UniqueConstraintError } from '@switchyard/core';
import type { Driver } from '@switchyard/core/adapter';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sqliteAdapter } from '../src/sqlite-adapter.ts';
import { insertRowStatement } from '../src/sqlite-bulk-load.ts';

const sampleRows = () => bulkSampleRows('Lorem ipsum 😀 ключ 鍵 e\u0301\n'.repeat(40_000));

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

test('the statement inserts one row, its names quoted as every statement quotes them', () => {
  expect(insertRowStatement({ table: 'odd "name"', columns: ['Mixed Case', 'id'], rows: [] })).toBe(
    'INSERT INTO "odd ""name""" ("Mixed Case", "id") VALUES (?, ?)',
  );
});

describe('bulkLoad on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bulk-load-'));
  const file = join(dir, 'bulk.sqlite');
  const context = { url: `sqlite:${file}`, options: { busyTimeoutMs: 200 } };
  let store: Store;
  let driver: Driver;

  const load = (rows: unknown[][]) => driver.bulkLoad?.({ table: 'sy_sample', columns: bulkColumns, rows });
  /** The row as bulkLoad takes it: each value as the repository would bind it. */
  const encode = (row: Record<string, unknown>) =>
    bulkKinds.map(([key, kind]) => {
      const value = row[key] ?? null;
      return value === null ? null : sqliteAdapter.codec.encode(kind, value);
    });
  const rejection = async (promise: Promise<unknown> | undefined) =>
    (promise ?? Promise.resolve()).then(
      () => expect.fail('the load succeeded'),
      (error: unknown) => error,
    );
  const countOf = async (ids: readonly string[]) => store.repo(BulkItem).count({ id: { in: [...ids] } });
  const newRows = (count: number, label: string) =>
    Array.from({ length: count }, (_, i) => encode({ id: randomUUID(), label: `${label} ${i}` }));

  beforeAll(async () => {
    store = await openStore({ url: context.url, adapterOptions: context.options, schema: [BulkItem] });
    await store.migrate();
    driver = await sqliteAdapter.createDriver(store.orm, context);
  });

  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every portable kind lands exactly as the same row inserted through the repository', async () => {
    const repo = store.repo(BulkItem);
    const inserted = await repo.insertMany(sampleRows());
    const loaded = inserted.map((row) => ({ ...row, id: randomUUID() }));
    await load(loaded.map(encode));
    for (const [i, row] of loaded.entries()) {
      expect(await repo.get(row.id)).toEqual(row);
      const viaInsert = await repo.get(inserted[i]?.id as string);
      expect(await repo.get(row.id)).toEqual({ ...viaInsert, id: row.id });
      // The JSON text as stored, key order included.
      expect(JSON.stringify((await repo.get(row.id))?.doc)).toBe(JSON.stringify(viaInsert?.doc));
    }
    // Numeric-looking text stays text (TEXT affinity, as an INSERT binds it).
    expect((await repo.find({ id: { in: loaded.map((r) => r.id) }, label: '1.10' })).items).toHaveLength(1);
  });

  test('a row of nulls lands as NULL in every column', async () => {
    const id = randomUUID();
    await load([[id, ...bulkColumns.slice(1).map(() => null)]]);
    expect(await store.repo(BulkItem).get(id)).toEqual({
      id,
      ...Object.fromEntries(bulkColumns.slice(1).map((c) => [c, null])),
    });
  });

  test('a batch whose last row repeats a primary key keeps no row and is a UniqueConstraintError, as an INSERT is', async () => {
    const existing = await store.repo(BulkItem).insert({ label: 'existing' });
    const rows = newRows(1000, 'atomic');
    rows.push(encode({ id: existing.id, label: 'duplicate' }));
    const error = await rejection(load(rows));
    expect(sqliteAdapter.classifyError(error, context)).toBeInstanceOf(UniqueConstraintError);
    await expect(store.repo(BulkItem).insert({ id: existing.id })).rejects.toBeInstanceOf(
      UniqueConstraintError,
    );
    expect(await countOf(rows.map((r) => r[0] as string))).toBe(1);
    expect(await store.repo(BulkItem).get(existing.id)).toEqual(existing);
    // Rolled back and the gate given back: the next load opens a transaction of its own.
    const next = newRows(3, 'after');
    await load(next);
    expect(await countOf(next.map((r) => r[0] as string))).toBe(3);
  });

  test('an empty batch is a no-op: no statement runs, even for a table that does not exist', async () => {
    await expect(driver.bulkLoad?.({ table: 'no_such_table', columns: ['x'], rows: [] })).resolves.toBe(
      undefined,
    );
  });

  test('a load waits for the open transaction of its driver and is not part of it', async () => {
    const tx = await driver.begin({ isolation: undefined, readOnly: false });
    const rows = newRows(10, 'gated');
    let settled = false;
    const loading = load(rows)?.finally(() => {
      settled = true;
    });
    await tick();
    await tick();
    expect(settled).toBe(false);
    const inTx = randomUUID();
    await tx.execute('INSERT INTO sy_sample (id) VALUES (?)', [inTx]);
    await tx.rollback();
    await loading;
    expect(await countOf(rows.map((r) => r[0] as string))).toBe(10);
    expect(await countOf([inTx])).toBe(0);
  });

  test('a load that cannot get the write lock within the busy timeout is a BusyError, keeps nothing and frees the driver', async () => {
    const other = new Database(file);
    try {
      other.exec('BEGIN IMMEDIATE');
      const rows = newRows(5, 'busy');
      const error = await rejection(load(rows));
      expect(sqliteAdapter.classifyError(error, context)).toBeInstanceOf(BusyError);
      other.exec('ROLLBACK');
      expect(await countOf(rows.map((r) => r[0] as string))).toBe(0);
      await load(rows);
      expect(await countOf(rows.map((r) => r[0] as string))).toBe(5);
    } finally {
      other.close();
    }
  });

  test('50,000 rows load in one call', async () => {
    const rows = Array.from({ length: 50_000 }, (_, i) =>
      encode({ id: randomUUID(), label: `row ${i}`, int: i, doc: { i } }),
    );
    await load(rows);
    const ids = rows.map((r) => r[0] as string);
    expect(await store.repo(BulkItem).count({ label: { startsWith: 'row ' } })).toBe(50_000);
    const [first, last] = await store.repo(BulkItem).getMany([ids[0] as string, ids.at(-1) as string]);
    expect(first).toMatchObject({ label: 'row 0', int: 0, doc: { i: 0 } });
    expect(last).toMatchObject({ label: 'row 49999', int: 49_999, doc: { i: 49_999 } });
  });
});

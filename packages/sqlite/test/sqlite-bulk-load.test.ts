/**
 * `Driver.bulkLoad` on SQLite: one prepared single-row INSERT in one write transaction. Every
 * value must land exactly as the same row inserted through the repository, all rows or none, and
 * the load must take the driver's gate and the file's write lock as `begin()` does.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BusyError,
  defineEntity,
  type InsertInput,
  openStore,
  type PortableKind,
  p,
  type Store,
  UniqueConstraintError,
} from '@switchyard/core';
import type { Driver } from '@switchyard/core/adapter';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sqliteAdapter } from '../src/sqlite-adapter.ts';
import { insertRowStatement } from '../src/sqlite-bulk-load.ts';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const Item = defineEntity({
  name: 'BulkItem',
  tableName: 'bulk_item',
  properties: {
    id: p.uuid().primary(),
    label: p.string().length(64).nullable(),
    body: p.text().nullable(),
    int: p.integer().nullable(),
    big: p.bigint().nullable(),
    real: p.double().nullable(),
    money: p.decimal().precision(18).scale(4).nullable(),
    flag: p.boolean().nullable(),
    at: p.datetime().nullable(),
    doc: p.json<Json>().nullable(),
  },
});

/** Property (= column) → portable kind, in the order rows are loaded. */
const kinds: readonly (readonly [string, PortableKind])[] = [
  ['id', 'uuid'],
  ['label', 'string'],
  ['body', 'text'],
  ['int', 'integer'],
  ['big', 'bigint'],
  ['real', 'float'],
  ['money', 'decimal'],
  ['flag', 'boolean'],
  ['at', 'datetime'],
  ['doc', 'json'],
];
const columns = kinds.map(([column]) => column);

const strings = [
  'tab\there',
  'new\nline',
  'cr\rlf\r\n',
  'back\\slash',
  '\\N',
  '',
  '   ',
  'quote\' "double" `tick`',
  '😀👍🏽👨‍👩‍👧‍👦🏳️‍🌈',
  '𝄞𠜎\u{10FFFF}',
  'e\u0301 A\u030A',
  '\u202Eabc\u202C \u200F!',
  '\t\n\r\u000B\u001F\u007F',
  '\uFFFD\uFFFE\uFFFF',
  '123',
  '1.10',
];

const values: Record<string, readonly unknown[]> = {
  label: strings,
  body: [...strings, 'Lorem ipsum 😀 ключ 鍵 e\u0301\n'.repeat(40_000)],
  int: [2 ** 31 - 1, -(2 ** 31), 0, -0, -1, 65_536],
  big: [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, -(2n ** 53n + 1n), 0n],
  real: [5e-324, -5e-324, Number.MAX_VALUE, -1e308, 0.1, Math.PI, 1 / 3, -0, 1e21, 2 ** 53 + 2],
  money: ['99999999999999.9999', '-99999999999999.9999', '-0.0001', '0', '12.5'],
  flag: [true, false],
  at: [
    '0001-01-01T00:00:00.000Z',
    '0001-01-01T00:00:00.001Z',
    '9999-12-31T23:59:59.999Z',
    '2024-02-29T23:59:59.999Z',
    '1970-01-01T00:00:00.000Z',
  ].map((iso) => new Date(iso)),
  doc: [
    { b: 1, a: [2, { 'back\\slash': 'tab\there', 'new\nline': '\\N' }], ключ: '😀', '': null },
    [1e300, -1e-300, 5e-324, 0.1, 2 ** 53, 'two', null, true, [[[]]], {}],
    'a string',
    '123',
    42,
    false,
    { z: { y: { x: { w: 'deep' } } }, a: 'first?' },
  ],
};

/** Row `i` takes each column's `i`-th value, cycling, so a handful of rows covers every value. */
function sampleRows(): InsertInput<typeof Item>[] {
  const count = Math.max(...Object.values(values).map((list) => list.length));
  return Array.from({ length: count }, (_, i) =>
    Object.fromEntries(Object.entries(values).map(([key, list]) => [key, list[i % list.length]])),
  ) as InsertInput<typeof Item>[];
}

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

  const load = (rows: unknown[][]) => driver.bulkLoad?.({ table: 'bulk_item', columns, rows });
  /** The row as bulkLoad takes it: each value as the repository would bind it. */
  const encode = (row: Record<string, unknown>) =>
    kinds.map(([key, kind]) => {
      const value = row[key] ?? null;
      return value === null ? null : sqliteAdapter.codec.encode(kind, value);
    });
  const rejection = async (promise: Promise<unknown> | undefined) =>
    (promise ?? Promise.resolve()).then(
      () => expect.fail('the load succeeded'),
      (error: unknown) => error,
    );
  const countOf = async (ids: readonly string[]) => store.repo(Item).count({ id: { in: [...ids] } });
  const newRows = (count: number, label: string) =>
    Array.from({ length: count }, (_, i) => encode({ id: randomUUID(), label: `${label} ${i}` }));

  beforeAll(async () => {
    store = await openStore({ url: context.url, adapterOptions: context.options, schema: [Item] });
    await store.migrate();
    driver = await sqliteAdapter.createDriver(store.orm, context);
  });

  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every portable kind lands exactly as the same row inserted through the repository', async () => {
    const repo = store.repo(Item);
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
    await load([[id, ...columns.slice(1).map(() => null)]]);
    expect(await store.repo(Item).get(id)).toEqual({
      id,
      ...Object.fromEntries(columns.slice(1).map((c) => [c, null])),
    });
  });

  test('a batch whose last row repeats a primary key keeps no row and is a UniqueConstraintError, as an INSERT is', async () => {
    const existing = await store.repo(Item).insert({ label: 'existing' });
    const rows = newRows(1000, 'atomic');
    rows.push(encode({ id: existing.id, label: 'duplicate' }));
    const error = await rejection(load(rows));
    expect(sqliteAdapter.classifyError(error, context)).toBeInstanceOf(UniqueConstraintError);
    await expect(store.repo(Item).insert({ id: existing.id })).rejects.toBeInstanceOf(UniqueConstraintError);
    expect(await countOf(rows.map((r) => r[0] as string))).toBe(1);
    expect(await store.repo(Item).get(existing.id)).toEqual(existing);
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
    await tx.execute('INSERT INTO bulk_item (id) VALUES (?)', [inTx]);
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
    expect(await store.repo(Item).count({ label: { startsWith: 'row ' } })).toBe(50_000);
    const [first, last] = await store.repo(Item).getMany([ids[0] as string, ids.at(-1) as string]);
    expect(first).toMatchObject({ label: 'row 0', int: 0, doc: { i: 0 } });
    expect(last).toMatchObject({ label: 'row 49999', int: 49_999, doc: { i: 49_999 } });
  });
});

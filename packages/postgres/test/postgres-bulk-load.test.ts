/**
 * `Driver.bulkLoad` on PostgreSQL (COPY FROM STDIN), against a live server (CONFORMANCE_POSTGRES_URL;
 * skipped without it), and the COPY text it sends. Every value must land exactly as the same row
 * inserted through the repository, all rows or none.
 */
import { randomUUID } from 'node:crypto';
import {
  defineEntity,
  type InsertInput,
  openStore,
  type PortableKind,
  p,
  type Store,
  UniqueConstraintError,
  ValidationError,
} from '@switchyard/core';
import type { Driver } from '@switchyard/core/adapter';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postgresAdapter } from '../src/postgres-adapter.ts';
import { COPY_CHUNK_CHARS, copyChunks, copyField, copyStatement } from '../src/postgres-bulk-load.ts';
import { postgresProvider } from '../src/testing.ts';

const serverUrl = process.env.CONFORMANCE_POSTGRES_URL;

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

/** Text that COPY's format reads specially, next to the hostile strings of the types suite. */
const strings = [
  'tab\there',
  'new\nline',
  'cr\rlf\r\n',
  'back\\slash',
  '\\N',
  '\\.',
  'ends in a backslash\\',
  '\\\\N \\t \\x41 \\101',
  '',
  '   ',
  'quote\' "double" `tick`',
  '😀👍🏽👨‍👩‍👧‍👦🏳️‍🌈',
  '𝄞𠜎\u{10FFFF}',
  'e\u0301 A\u030A',
  '\u202Eabc\u202C \u200F!',
  '\t\n\r\u000B\u001F\u007F',
  '\uFFFD\uFFFE\uFFFF',
  'a,b;c|d',
];

const long = 'line\twith tab \\ and backslash 😀\n'.repeat(Math.ceil((3 * COPY_CHUNK_CHARS) / 32));

const values: Record<string, readonly unknown[]> = {
  label: strings,
  body: [...strings, long],
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
    '\\N',
    'a string with \t and \n',
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

describe('COPY text', () => {
  test('a field is the text node-postgres binds, with backslash, tab, newline and carriage return escaped', () => {
    expect(copyField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyField('\\N')).toBe('\\\\N');
    expect(copyField('😀 "quoted" \'single\'')).toBe('😀 "quoted" \'single\'');
    expect(copyField(-0)).toBe('0');
    expect(copyField(5e-324)).toBe('5e-324');
    expect(copyField(1e21)).toBe('1e+21');
    expect(copyField(true)).toBe('true');
    expect(copyField(false)).toBe('false');
  });

  test('null and undefined are \\N, the empty string is an empty field', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField(undefined)).toBe('\\N');
    expect(copyField('')).toBe('');
  });

  test('binary values are refused rather than sent as text', () => {
    expect(() => copyField(Buffer.from('x'))).toThrow(TypeError);
  });

  test('the table and columns are quoted as every statement quotes them', () => {
    expect(copyStatement({ table: 'odd "name"', columns: ['Mixed Case', 'id'], rows: [] })).toBe(
      'COPY "odd ""name""" ("Mixed Case", "id") FROM STDIN',
    );
  });

  test('50,000 rows are sent in bounded chunks, each rendered only when the stream asks for it', () => {
    let read = 0;
    const rows = Array.from({ length: 50_000 }, (_, i) => [randomUUID(), `row ${i}`, i]);
    const counted = new Proxy(rows, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) read++;
        return Reflect.get(target, key, receiver);
      },
    });
    const chunks = copyChunks(counted);
    const first = chunks.next();
    expect(first.done).toBe(false);
    expect(read).toBeLessThan(rows.length / 10);
    const rest = [...chunks];
    const longestLine = 60;
    for (const chunk of [first.value as string, ...rest]) {
      expect(chunk.length).toBeLessThan(COPY_CHUNK_CHARS + longestLine);
    }
    expect([first.value, ...rest].join('').split('\n')).toHaveLength(rows.length + 1);
  });
});

describe.skipIf(!serverUrl)('bulkLoad on PostgreSQL', () => {
  let url: string;
  let drop: () => Promise<void>;
  let store: Store;
  let driver: Driver;
  let context: { url: string; options: Record<string, unknown> };

  const load = (rows: unknown[][]) => driver.bulkLoad?.({ table: 'bulk_item', columns, rows });
  /** The row as bulkLoad takes it: each value as the repository would bind it. */
  const encode = (row: Record<string, unknown>) =>
    kinds.map(([key, kind]) => {
      const value = row[key] ?? null;
      return value === null ? null : postgresAdapter.codec.encode(kind, value);
    });
  const rejection = async (promise: Promise<unknown> | undefined) =>
    (promise ?? Promise.resolve()).then(
      () => expect.fail('the load succeeded'),
      (error: unknown) => error,
    );
  const countOf = async (ids: readonly string[]) => store.repo(Item).count({ id: { in: [...ids] } });

  beforeAll(async () => {
    ({ url, drop } = await postgresProvider.createDatabase(
      serverUrl as string,
      `sy_bulk_load_${randomUUID().slice(0, 8)}`,
    ));
    // Two connections: loads that kept their clients would soon leave every later statement waiting.
    url = `${url}?pool_max=2`;
    context = { url, options: {} };
    store = await openStore({ url, schema: [Item], adapter: postgresAdapter });
    await store.migrate();
    driver = await postgresAdapter.createDriver(store.orm, context);
  });

  afterAll(async () => {
    await store?.close();
    await drop?.();
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
      // jsonb's own key order, the same for both.
      expect(JSON.stringify((await repo.get(row.id))?.doc)).toBe(JSON.stringify(viaInsert?.doc));
    }
    // The COPY-special text really is the text, not NULL or an escape sequence.
    expect((await repo.find({ id: { in: loaded.map((r) => r.id) }, label: '\\N' })).items).toHaveLength(1);
    expect((await repo.find({ id: { in: loaded.map((r) => r.id) }, body: long })).items).toHaveLength(1);
  });

  test('a row of nulls lands as NULL in every column', async () => {
    const id = randomUUID();
    await load([[id, ...columns.slice(1).map(() => null)]]);
    const row = await store.repo(Item).get(id);
    expect(row).toEqual({ id, ...Object.fromEntries(columns.slice(1).map((c) => [c, null])) });
    expect(await store.repo(Item).count({ id, label: { isNull: true }, doc: { isNull: true } })).toBe(1);
  });

  test('a batch whose last row repeats a primary key keeps no row and is a UniqueConstraintError, as an INSERT is', async () => {
    const existing = await store.repo(Item).insert({ label: 'existing' });
    const rows = Array.from({ length: 1000 }, (_, i) => encode({ id: randomUUID(), label: `r${i}` }));
    rows.push(encode({ id: existing.id, label: 'duplicate' }));
    const error = await rejection(load(rows));
    expect(postgresAdapter.classifyError(error, context)).toBeInstanceOf(UniqueConstraintError);
    const insertError = await rejection(store.repo(Item).insert({ id: existing.id }));
    expect(insertError).toBeInstanceOf(UniqueConstraintError);
    expect(await countOf(rows.map((r) => r[0] as string))).toBe(1);
    expect(await store.repo(Item).get(existing.id)).toEqual(existing);
  });

  test('a duplicate among 50,000 rows keeps no row, and every failed load gives its connection back', async () => {
    const rows = Array.from({ length: 50_000 }, (_, i) => encode({ id: randomUUID(), body: `row ${i}` }));
    rows[1] = rows[0] as unknown[];
    // More failures than the pool has connections: one that kept its client would wait forever.
    for (let attempt = 0; attempt < 3; attempt++) {
      const error = await rejection(load(rows));
      expect(postgresAdapter.classifyError(error, context)).toBeInstanceOf(UniqueConstraintError);
    }
    expect(await countOf(rows.slice(0, 1000).map((r) => r[0] as string))).toBe(0);
  });

  test('a value the column refuses rejects the whole load with the error an INSERT gives', async () => {
    const ids = [randomUUID(), randomUUID()];
    const outOfRange = encode({ id: ids[1] });
    outOfRange[columns.indexOf('int')] = 2 ** 31;
    const error = await rejection(load([encode({ id: ids[0] }), outOfRange]));
    const insertError = await rejection(
      driver.execute('INSERT INTO bulk_item (id, "int") VALUES ($1, $2)', [ids[1], 2 ** 31]),
    );
    expect((error as { code?: string }).code).toBe('22003');
    expect((error as { code?: string }).code).toBe((insertError as { code?: string }).code);
    expect(postgresAdapter.classifyError(error, context)).toBeInstanceOf(ValidationError);
    expect(await countOf(ids)).toBe(0);
  });

  test('an empty batch is a no-op: no statement runs, even for a table that does not exist', async () => {
    await expect(driver.bulkLoad?.({ table: 'no_such_table', columns: ['x'], rows: [] })).resolves.toBe(
      undefined,
    );
  });

  test('50,000 rows load in one call', async () => {
    const rows = Array.from({ length: 50_000 }, (_, i) =>
      encode({ id: randomUUID(), label: `row ${i}`, int: i, doc: { i, tab: '\t' } }),
    );
    await load(rows);
    const ids = rows.map((r) => r[0] as string);
    expect(await store.repo(Item).count({ label: { startsWith: 'row ' } })).toBe(50_000);
    const [first, last] = await store.repo(Item).getMany([ids[0] as string, ids.at(-1) as string]);
    expect(first).toMatchObject({ label: 'row 0', int: 0, doc: { i: 0, tab: '\t' } });
    expect(last).toMatchObject({ label: 'row 49999', int: 49_999, doc: { i: 49_999, tab: '\t' } });
  });
});

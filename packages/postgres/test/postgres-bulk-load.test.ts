/**
 * `Driver.bulkLoad` on PostgreSQL (COPY FROM STDIN), against a live server (CONFORMANCE_POSTGRES_URL;
 * skipped without it), and the COPY text it sends. Every value must land exactly as the same row
 * inserted through the repository, all rows or none.
 */
import { randomUUID } from 'node:crypto';
import { BulkItem, bulkColumns, bulkKinds, bulkSampleRows } from '@switchyard/conformance';
import { openStore, type Store, UniqueConstraintError, ValidationError } from '@switchyard/core';
import type { Driver } from '@switchyard/core/adapter';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postgresAdapter } from '../src/postgres-adapter.ts';
import { COPY_CHUNK_CHARS, copyChunks, copyField, copyStatement } from '../src/postgres-bulk-load.ts';
import { postgresProvider } from '../src/testing.ts';

const serverUrl = process.env.CONFORMANCE_POSTGRES_URL;

/** Longer than three COPY chunks: the text crosses chunk boundaries. */
const long = 'line\twith tab \\ and backslash 😀\n'.repeat(Math.ceil((3 * COPY_CHUNK_CHARS) / 32));
const sampleRows = () => bulkSampleRows(long);

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

  test('the table and bulkColumns are quoted as every statement quotes them', () => {
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

  const load = (rows: unknown[][]) => driver.bulkLoad?.({ table: 'sy_sample', columns: bulkColumns, rows });
  /** The row as bulkLoad takes it: each value as the repository would bind it. */
  const encode = (row: Record<string, unknown>) =>
    bulkKinds.map(([key, kind]) => {
      const value = row[key] ?? null;
      return value === null ? null : postgresAdapter.codec.encode(kind, value);
    });
  const rejection = async (promise: Promise<unknown> | undefined) =>
    (promise ?? Promise.resolve()).then(
      () => expect.fail('the load succeeded'),
      (error: unknown) => error,
    );
  const countOf = async (ids: readonly string[]) => store.repo(BulkItem).count({ id: { in: [...ids] } });

  beforeAll(async () => {
    ({ url, drop } = await postgresProvider.createDatabase(
      serverUrl as string,
      `sy_bulk_load_${randomUUID().slice(0, 8)}`,
    ));
    // Two connections: loads that kept their clients would soon leave every later statement waiting.
    url = `${url}?pool_max=2`;
    context = { url, options: {} };
    store = await openStore({ url, schema: [BulkItem], adapter: postgresAdapter });
    await store.migrate();
    driver = await postgresAdapter.createDriver(store.orm, context);
  });

  afterAll(async () => {
    await store?.close();
    await drop?.();
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
      // jsonb's own key order, the same for both.
      expect(JSON.stringify((await repo.get(row.id))?.doc)).toBe(JSON.stringify(viaInsert?.doc));
    }
    // The COPY-special text really is the text, not NULL or an escape sequence.
    expect((await repo.find({ id: { in: loaded.map((r) => r.id) }, label: '\\N' })).items).toHaveLength(1);
    expect((await repo.find({ id: { in: loaded.map((r) => r.id) }, body: long })).items).toHaveLength(1);
  });

  test('a row of nulls lands as NULL in every column', async () => {
    const id = randomUUID();
    await load([[id, ...bulkColumns.slice(1).map(() => null)]]);
    const row = await store.repo(BulkItem).get(id);
    expect(row).toEqual({ id, ...Object.fromEntries(bulkColumns.slice(1).map((c) => [c, null])) });
    expect(await store.repo(BulkItem).count({ id, label: { isNull: true }, doc: { isNull: true } })).toBe(1);
  });

  test('a batch whose last row repeats a primary key keeps no row and is a UniqueConstraintError, as an INSERT is', async () => {
    const existing = await store.repo(BulkItem).insert({ label: 'existing' });
    const rows = Array.from({ length: 1000 }, (_, i) => encode({ id: randomUUID(), label: `r${i}` }));
    rows.push(encode({ id: existing.id, label: 'duplicate' }));
    const error = await rejection(load(rows));
    expect(postgresAdapter.classifyError(error, context)).toBeInstanceOf(UniqueConstraintError);
    const insertError = await rejection(store.repo(BulkItem).insert({ id: existing.id }));
    expect(insertError).toBeInstanceOf(UniqueConstraintError);
    expect(await countOf(rows.map((r) => r[0] as string))).toBe(1);
    expect(await store.repo(BulkItem).get(existing.id)).toEqual(existing);
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
    outOfRange[bulkColumns.indexOf('int')] = 2 ** 31;
    const error = await rejection(load([encode({ id: ids[0] }), outOfRange]));
    const insertError = await rejection(
      driver.execute('INSERT INTO sy_sample (id, "int") VALUES ($1, $2)', [ids[1], 2 ** 31]),
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
    expect(await store.repo(BulkItem).count({ label: { startsWith: 'row ' } })).toBe(50_000);
    const [first, last] = await store.repo(BulkItem).getMany([ids[0] as string, ids.at(-1) as string]);
    expect(first).toMatchObject({ label: 'row 0', int: 0, doc: { i: 0, tab: '\t' } });
    expect(last).toMatchObject({ label: 'row 49999', int: 49_999, doc: { i: 49_999, tab: '\t' } });
  });
});

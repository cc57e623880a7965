import { type InsertInput, type OrderBy, type Store, ValidationError, type Where } from '@switchyard/core';
import { expect } from 'vitest';
import { Sample } from '../conformance-schema.ts';
import { defineSuite } from '../suite-definition.ts';
import { expectError } from './expect-error.ts';
import {
  type AnySortSpec,
  compareBigints,
  compareCodePoints,
  compareDates,
  compareDecimals,
  compareNumbers,
  ids,
  newTag,
  type SampleRow,
  shuffled,
  sortRows,
} from './suite-helpers.ts';

type SampleInput = InsertInput<typeof Sample>;
type SampleWhere = Where<SampleRow>;

/** Reads every page of `where` in `orderBy` with `limit`; every page but the last is full. */
async function pageThrough(store: Store, where: SampleWhere, orderBy: OrderBy<SampleRow>, limit: number) {
  const repo = store.repo(Sample);
  const items: SampleRow[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: { items: SampleRow[]; nextCursor: string | null } = await repo.find(where, {
      orderBy,
      limit,
      cursor,
    });
    sizes.push(page.items.length);
    items.push(...page.items);
    if (page.nextCursor === null) break;
    expect(page.items).toHaveLength(limit);
    expect(typeof page.nextCursor).toBe('string');
    cursor = page.nextCursor;
    if (sizes.length > 10_000) throw new Error('pagination does not end');
  }
  return { items, sizes };
}

/**
 * Inserts `rows` shuffled, tagged in `tagField`, then pages through them with several limits and
 * checks each walk against the order computed in JS: every row exactly once, in order.
 */
async function expectPagesCoverEveryRow(
  store: Store,
  rows: readonly SampleInput[],
  orderBy: OrderBy<SampleRow>,
  specs: readonly AnySortSpec<SampleRow>[],
  options: { tagField?: 'label' | 'body'; limits?: readonly number[] } = {},
) {
  const tagField = options.tagField ?? 'body';
  const tag = newTag();
  const inserted = await store
    .repo(Sample)
    .insertMany(shuffled(rows).map((r) => ({ ...r, [tagField]: tag })));
  const expected = ids(sortRows(inserted, specs));
  const where: SampleWhere = { [tagField]: tag };
  const whole = await store.repo(Sample).find(where, { orderBy });
  expect(ids(whole.items)).toEqual(expected);
  expect(whole.nextCursor).toBeNull();
  for (const limit of options.limits ?? [1, 3, 7, rows.length, rows.length + 1]) {
    const { items, sizes } = await pageThrough(store, where, orderBy, limit);
    expect(ids(items), `limit ${limit}`).toEqual(expected);
    expect(new Set(ids(items)).size).toBe(items.length);
    expect(sizes.length).toBe(Math.max(1, Math.ceil(rows.length / limit)));
  }
}

const pick = <T>(pool: readonly T[], n: number): T[] =>
  Array.from({ length: n }, (_, i) => pool[i % pool.length] as T);

/** Re-encodes a cursor with its sort values replaced (cursors are base64url JSON: `{ s, v }`). */
function tamper(cursor: string, values: (v: unknown[]) => unknown[]): string {
  const payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v: unknown[] };
  return Buffer.from(JSON.stringify({ ...payload, v: values(payload.v) })).toString('base64url');
}

export const paginationSuite = defineSuite('pagination', {
  'keyset pages cover every row exactly once, in order: string ascending, with ties across pages': async ({
    store,
  }) => {
    const labels = ['b', 'a', 'B', 'é', '😀', '～', 'a ', '', '中', '%', '_', "'"];
    await expectPagesCoverEveryRow(
      store,
      pick(labels, 41).map((label) => ({ label })),
      { label: 'asc' },
      [{ value: (r) => r.label, compare: compareCodePoints }],
    );
  },
  'keyset pages cover every row exactly once, in order: integer descending': async ({ store }) => {
    const ints = [-(2 ** 31), 2 ** 31 - 1, 0, -1, 1, 7, 7, 10, 9, 100];
    await expectPagesCoverEveryRow(
      store,
      pick(ints, 37).map((int) => ({ int })),
      { int: 'desc' },
      [{ value: (r) => r.int, compare: compareNumbers, direction: 'desc' }],
    );
  },
  'keyset pages cover every row exactly once, in order: datetime ascending and descending, milliseconds apart':
    async ({ store }) => {
      const iso = [
        '0001-01-01T00:00:00.000Z',
        '9999-12-31T23:59:59.999Z',
        '2024-02-29T23:59:59.998Z',
        '2024-02-29T23:59:59.999Z',
        '2024-03-01T00:00:00.000Z',
        '1969-12-31T23:59:59.999Z',
        '1970-01-01T00:00:00.000Z',
      ];
      const rows = pick(iso, 30).map((s) => ({ at: new Date(s) }));
      for (const direction of ['asc', 'desc'] as const) {
        await expectPagesCoverEveryRow(store, rows, { at: direction }, [
          { value: (r) => r.at, compare: compareDates, direction },
        ]);
      }
    },
  'keyset pages cover every row exactly once, in order: decimal ascending and descending': async ({
    store,
  }) => {
    const values = [
      '-10.5',
      '-2',
      '0',
      '9.75',
      '10.25',
      '-0.0001',
      '0.0001',
      '99999999999999.9999',
      '1.05',
      '1.5',
    ];
    const rows = pick(values, 33).map((money) => ({ money }));
    for (const direction of ['asc', 'desc'] as const) {
      await expectPagesCoverEveryRow(store, rows, { money: direction }, [
        { value: (r) => r.money, compare: compareDecimals, direction },
      ]);
    }
  },
  'keyset pages cover every row exactly once, in order: bigint beyond 2^53': async ({ store }) => {
    const values = [
      2n ** 53n,
      2n ** 53n + 1n,
      2n ** 53n + 2n,
      2n ** 63n - 1n,
      -(2n ** 63n),
      -(2n ** 53n) - 1n,
      0n,
    ];
    const rows = pick(values, 21).map((big) => ({ big }));
    for (const direction of ['asc', 'desc'] as const) {
      await expectPagesCoverEveryRow(store, rows, { big: direction }, [
        { value: (r) => r.big, compare: compareBigints, direction },
      ]);
    }
  },
  'keyset pages cover every row exactly once, in order: double and uuid': async ({ store }) => {
    const values = [0.1, 0.1 + 0.2, 0.3, 5e-324, -5e-324, 1e308, -1e308, Math.PI, 0];
    await expectPagesCoverEveryRow(
      store,
      pick(values, 27).map((real) => ({ real })),
      { real: 'asc' },
      [{ value: (r) => r.real, compare: compareNumbers }],
    );
    await expectPagesCoverEveryRow(
      store,
      Array.from({ length: 23 }, () => ({})),
      { id: 'desc' },
      [{ value: (r) => r.id, compare: compareCodePoints, direction: 'desc' }],
    );
  },
  'keyset pages cover every row exactly once, in order: numeric and string JSON paths': async ({ store }) => {
    const docs = [
      { n: 10 },
      { n: 2 },
      { n: -1.5 },
      { n: 0.25 },
      { n: 1e300 },
      { n: 2 },
      { n: '5' },
      { m: 1 },
      null,
    ];
    const numeric = (r: SampleRow) => {
      const n = (r.doc as { n?: unknown } | null)?.n;
      return typeof n === 'number' ? n : null;
    };
    const rows = pick(docs, 31).map((doc) => ({ doc }));
    for (const direction of ['asc', 'desc'] as const) {
      await expectPagesCoverEveryRow(
        store,
        rows,
        [{ field: 'doc', path: 'n', direction }],
        [{ value: numeric, compare: compareNumbers, direction }],
      );
    }
    const strings = [{ s: 'b' }, { s: 'a' }, { s: 'B' }, { s: '😀' }, { s: '' }, { s: 1 }, {}, { s: '10' }];
    const text = (r: SampleRow) => {
      const s = (r.doc as { s?: unknown } | null)?.s;
      return typeof s === 'string' ? s : null;
    };
    await expectPagesCoverEveryRow(
      store,
      pick(strings, 25).map((doc) => ({ doc })),
      [{ field: 'doc', path: ['s'], as: 'string', direction: 'desc' }],
      [{ value: text, compare: compareCodePoints, direction: 'desc' }],
    );
  },
  'keyset pages cover every row exactly once with several keys in mixed directions': async ({ store }) => {
    const rows: SampleInput[] = [];
    for (const label of ['b', 'a', null]) {
      for (const int of [3, null, 1]) {
        for (const at of [new Date(5), null]) rows.push({ label, int, at });
      }
    }
    await expectPagesCoverEveryRow(
      store,
      [...rows, ...rows],
      [
        { field: 'label', direction: 'asc' },
        { field: 'int', direction: 'desc' },
        { field: 'at', direction: 'asc' },
      ],
      [
        { value: (r) => r.label, compare: compareCodePoints },
        { value: (r) => r.int, compare: compareNumbers, direction: 'desc' },
        { value: (r) => r.at, compare: compareDates },
      ],
      { limits: [1, 2, 5, 7, 36] },
    );
  },
  'pagination over a nullable key covers every row exactly once, NULL rows included, ascending and descending':
    async ({ store }) => {
      const rows: SampleInput[] = Array.from({ length: 25 }, (_, i) =>
        i % 2 === 0
          ? {}
          : {
              label: `v${i % 5}`,
              int: i % 5,
              at: new Date(Date.UTC(2024, 0, 1 + (i % 5))),
              money: `${i % 5}.5`,
            },
      );
      const fields = {
        label: { value: (r: SampleRow) => r.label, compare: compareCodePoints },
        int: { value: (r: SampleRow) => r.int, compare: compareNumbers },
        at: { value: (r: SampleRow) => r.at, compare: compareDates },
        money: { value: (r: SampleRow) => r.money, compare: compareDecimals },
      };
      for (const [field, spec] of Object.entries(fields)) {
        for (const direction of ['asc', 'desc'] as const) {
          await expectPagesCoverEveryRow(store, rows, { [field]: direction }, [{ ...spec, direction }], {
            limits: [1, 4, 12, 13, 26],
          });
        }
      }
    },
  'the last page has nextCursor null, also when it is exactly full': async ({ store }) => {
    const tag = newTag();
    await store.repo(Sample).insertMany(Array.from({ length: 12 }, (_, i) => ({ label: tag, int: i })));
    const sizes = async (limit: number) =>
      (await pageThrough(store, { label: tag }, { int: 'asc' }, limit)).sizes;
    expect(await sizes(4)).toEqual([4, 4, 4]);
    expect(await sizes(5)).toEqual([5, 5, 2]);
    expect(await sizes(12)).toEqual([12]);
    expect(await sizes(13)).toEqual([12]);
    expect(await sizes(1)).toEqual(Array.from({ length: 12 }, () => 1));
    const empty = await store.repo(Sample).find({ label: newTag() }, { limit: 10 });
    expect(empty).toEqual({ items: [], nextCursor: null });
  },
  'limit 0 returns no items': async ({ store }) => {
    const tag = newTag();
    await store.repo(Sample).insertMany([{ label: tag }, { label: tag }]);
    const page = await store.repo(Sample).find({ label: tag }, { limit: 0 });
    expect(page.items).toEqual([]);
    expect(page.nextCursor).toBeNull();
  },
  'a negative, fractional or non-numeric limit is refused with ValidationError': async ({ store }) => {
    for (const limit of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10']) {
      await expectError(store.repo(Sample).find({}, { limit: limit as never }), ValidationError);
    }
  },
  'a cursor used with a different orderBy is refused with ValidationError': async ({ store }) => {
    const repo = store.repo(Sample);
    const tag = newTag();
    await repo.insertMany(Array.from({ length: 5 }, (_, i) => ({ label: tag, int: i, doc: { n: i } })));
    const { nextCursor } = await repo.find({ label: tag }, { orderBy: { int: 'asc' }, limit: 2 });
    expect(nextCursor).not.toBeNull();
    const cursor = nextCursor as string;
    const others: (OrderBy<SampleRow> | undefined)[] = [
      { int: 'desc' },
      { label: 'asc' },
      { int: 'asc', label: 'asc' },
      { label: 'asc', int: 'asc' },
      undefined,
      { id: 'asc' },
      [{ field: 'doc', path: 'int' }],
    ];
    for (const orderBy of others) {
      await expectError(repo.find({ label: tag }, { orderBy, limit: 2, cursor }), ValidationError);
    }
    const json = (await repo.find({ label: tag }, { orderBy: [{ field: 'doc', path: 'n' }], limit: 2 }))
      .nextCursor as string;
    await expectError(
      repo.find(
        { label: tag },
        { orderBy: [{ field: 'doc', path: 'n', as: 'string' }], limit: 2, cursor: json },
      ),
      ValidationError,
    );
    await expectError(
      repo.find({ label: tag }, { orderBy: [{ field: 'doc', path: 'm' }], limit: 2, cursor: json }),
      ValidationError,
    );
    // The same ordering written as a list of terms is the same ordering.
    const next = await repo.find({ label: tag }, { orderBy: [{ field: 'int' }], limit: 2, cursor });
    expect(next.items.map((r) => r.int)).toEqual([2, 3]);
  },
  'a garbage cursor is refused with ValidationError': async ({ store }) => {
    const repo = store.repo(Sample);
    const garbage = [
      'garbage',
      'not a cursor!',
      '%%%',
      Buffer.from('{}').toString('base64url'),
      Buffer.from('null').toString('base64url'),
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('{"s":"id:asc"}').toString('base64url'),
      Buffer.from('{"s":"id:asc","v":[]}').toString('base64url'),
      Buffer.from('{"s":"id:asc","v":"x"}').toString('base64url'),
      '\u0000',
    ];
    for (const cursor of garbage) {
      await expectError(repo.find({}, { limit: 5, cursor }), ValidationError);
    }
    await expectError(repo.find({}, { limit: 5, cursor: 42 as never }), ValidationError);
  },
  'a tampered cursor value of the wrong type is refused with ValidationError': async ({ store }) => {
    const repo = store.repo(Sample);
    const tag = newTag();
    await repo.insertMany(
      Array.from({ length: 4 }, (_, i) => ({
        label: tag,
        int: i,
        big: BigInt(i),
        money: `${i}`,
        at: new Date(i),
        flag: i % 2 === 0,
        real: i / 2,
        doc: { n: i, s: `s${i}` },
      })),
    );
    const cursorFor = async (orderBy: OrderBy<SampleRow>) =>
      (await repo.find({ label: tag }, { orderBy, limit: 1 })).nextCursor as string;
    const cases: [OrderBy<SampleRow>, unknown[]][] = [
      [{ id: 'asc' }, ['not-a-uuid']],
      [{ id: 'asc' }, [42]],
      [{ int: 'asc' }, ['1; DROP TABLE sy_sample', crypto.randomUUID()]],
      [{ int: 'asc' }, [2 ** 40, crypto.randomUUID()]],
      [{ big: 'asc' }, ['1.5', crypto.randomUUID()]],
      [{ big: 'asc' }, ['99999999999999999999', crypto.randomUUID()]],
      [{ money: 'asc' }, ['ten', crypto.randomUUID()]],
      [{ at: 'asc' }, ['2024-01-01', crypto.randomUUID()]],
      [{ at: 'asc' }, [1e20, crypto.randomUUID()]],
      [{ flag: 'asc' }, ['yes', crypto.randomUUID()]],
      [{ real: 'asc' }, ['NaN', crypto.randomUUID()]],
      [{ label: 'asc' }, [5, crypto.randomUUID()]],
      [{ label: 'asc' }, ['a\u0000', crypto.randomUUID()]],
      [[{ field: 'doc', path: 'n' }], ['not a number', crypto.randomUUID()]],
      [[{ field: 'doc', path: 's', as: 'string' }], [7, crypto.randomUUID()]],
      [{ int: 'asc' }, [1, { id: 1 }]],
    ];
    for (const [orderBy, values] of cases) {
      const cursor = tamper(await cursorFor(orderBy), () => values);
      await expectError(repo.find({ label: tag }, { orderBy, limit: 1, cursor }), ValidationError);
    }
  },
  'pagination stays stable under concurrent inserts: every original row appears exactly once': async ({
    store,
    openStore,
  }) => {
    const repo = store.repo(Sample);
    const other = await openStore();
    const tag = newTag();
    const originals = await repo.insertMany(
      shuffled(Array.from({ length: 30 }, (_, i) => ({ label: tag, int: (i + 1) * 10 }))),
    );
    const orderBy = { int: 'asc' } as const;
    const order = (rows: SampleRow[]) => sortRows(rows, [{ value: (r) => r.int, compare: compareNumbers }]);
    const seen: SampleRow[] = [];
    const page1 = await repo.find({ label: tag }, { orderBy, limit: 10 });
    seen.push(...page1.items);
    expect(page1.items.map((r) => r.int)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);

    // Another store inserts rows before and after the cursor and keeps its transaction open
    // while page 2 is read; then commits, and inserts more outside any transaction.
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let signalInserted = () => {};
    const inserted = new Promise<void>((resolve) => {
      signalInserted = resolve;
    });
    const late: SampleRow[] = [];
    const writer = other.transaction(async (tx) => {
      late.push(
        ...(await tx.repo(Sample).insertMany([5, 55, 100, 105, 1000].map((int) => ({ label: tag, int })))),
      );
      signalInserted();
      await gate;
    });
    try {
      await Promise.race([
        inserted,
        writer.then(() => {
          throw new Error('the writing transaction ended before it inserted');
        }),
      ]);
      const page2 = await repo.find({ label: tag }, { orderBy, limit: 10, cursor: page1.nextCursor });
      seen.push(...page2.items);
      expect(page2.items.map((r) => r.int)).toEqual([110, 120, 130, 140, 150, 160, 170, 180, 190, 200]);
      release();
      await writer;
      late.push(...(await other.repo(Sample).insertMany([1, 150, 2000].map((int) => ({ label: tag, int })))));
      let cursor = page2.nextCursor;
      while (cursor) {
        const page = await repo.find({ label: tag }, { orderBy, limit: 10, cursor });
        seen.push(...page.items);
        cursor = page.nextCursor;
      }
    } finally {
      release();
      await writer.catch(() => undefined);
    }

    const seenIds = ids(seen);
    expect(new Set(seenIds).size, 'no row is returned twice').toBe(seenIds.length);
    for (const row of originals) expect(seenIds.filter((id) => id === row.id)).toHaveLength(1);
    // Keyset pages only move forward: what was read is in order.
    expect(seenIds).toEqual(ids(order(seen)));
    // A row that became visible behind the cursor is never returned; one ahead of it always is.
    const lateSeen = seen.filter((r) => late.some((l) => l.id === r.id)).map((r) => r.int);
    expect(lateSeen).toEqual([1000, 2000]);
  },
  'pagination stays stable under concurrent inserts in descending string order': async ({
    store,
    openStore,
  }) => {
    const repo = store.repo(Sample);
    const other = await openStore();
    const tag = newTag();
    const labels = ['m', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x'];
    const originals = await repo.insertMany(shuffled(labels).map((label) => ({ body: tag, label })));
    const orderBy = { label: 'desc' } as const;
    const page1 = await repo.find({ body: tag }, { orderBy, limit: 4 });
    expect(page1.items.map((r) => r.label)).toEqual(['x', 'w', 'v', 'u']);
    await other
      .repo(Sample)
      .insertMany(['z', 'y', 'uu', 'tt', 'a', 'U', '😀'].map((label) => ({ body: tag, label })));
    const seen = [...page1.items];
    let cursor = page1.nextCursor;
    while (cursor) {
      const page = await repo.find({ body: tag }, { orderBy, limit: 4, cursor });
      seen.push(...page.items);
      cursor = page.nextCursor;
    }
    const seenIds = ids(seen);
    expect(new Set(seenIds).size).toBe(seenIds.length);
    for (const row of originals) expect(seenIds).toContain(row.id);
    const got = seen.map((r) => r.label);
    expect(got).not.toContain('z');
    expect(got).not.toContain('y');
    expect(got).not.toContain('😀');
    expect(got).not.toContain('uu');
    expect(got.slice(4)).toEqual(
      ['t', 's', 'r', 'q', 'p', 'o', 'n', 'm', 'tt', 'a', 'U'].sort(compareCodePoints).reverse(),
    );
  },
  'a cursor stays valid when the row it points after is deleted or changed': async ({ store, openStore }) => {
    const repo = store.repo(Sample);
    const other = (await openStore()).repo(Sample);
    const tag = newTag();
    await repo.insertMany(shuffled(Array.from({ length: 10 }, (_, i) => ({ label: tag, int: i }))));
    const page1 = await repo.find({ label: tag }, { orderBy: { int: 'asc' }, limit: 4 });
    const [, , , last] = page1.items;
    await other.delete((last as SampleRow).id);
    const moved = (await repo.find({ label: tag, int: 7 })).items[0] as SampleRow;
    await other.update(moved.id, { int: -7 });
    const rest = await repo.find(
      { label: tag },
      { orderBy: { int: 'asc' }, cursor: page1.nextCursor, limit: 100 },
    );
    expect(rest.items.map((r) => r.int)).toEqual([4, 5, 6, 8, 9]);
    expect(rest.nextCursor).toBeNull();
  },
  'find without limit returns every row and nextCursor null': async ({ store }) => {
    const repo = store.repo(Sample);
    const tag = newTag();
    await repo.insertMany(Array.from({ length: 1500 }, (_, i) => ({ label: tag, int: i })));
    const all = await repo.find({ label: tag });
    expect(all.items).toHaveLength(1500);
    expect(all.nextCursor).toBeNull();
    const ordered = await repo.find({ label: tag }, { orderBy: { int: 'desc' } });
    expect(ordered.items.map((r) => r.int)).toEqual(Array.from({ length: 1500 }, (_, i) => 1499 - i));
    expect(ordered.nextCursor).toBeNull();
  },
  'a cursor with null means the first page': async ({ store }) => {
    const repo = store.repo(Sample);
    const tag = newTag();
    await repo.insertMany(Array.from({ length: 3 }, (_, i) => ({ label: tag, int: i })));
    const page = await repo.find({ label: tag }, { orderBy: { int: 'asc' }, limit: 2, cursor: null });
    expect(page.items.map((r) => r.int)).toEqual([0, 1]);
  },
});

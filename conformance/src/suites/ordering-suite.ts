import { type InsertInput, type OrderBy, type Store, ValidationError } from '@switchyard/core';
import { expect } from 'vitest';
import { type JsonValue, Sample } from '../conformance-schema.ts';
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

/**
 * Inserts `rows` (in a shuffled order) tagged in `tagField`; `find(orderBy)` returns this seed's
 * rows in the order the backend gives.
 */
async function seed(store: Store, rows: readonly SampleInput[], tagField: 'label' | 'body' = 'body') {
  const repo = store.repo(Sample);
  const tag = newTag();
  const inserted = await repo.insertMany(shuffled(rows).map((r) => ({ ...r, [tagField]: tag })));
  const find = async (orderBy: OrderBy<SampleRow>) => {
    const page = await repo.find({ [tagField]: tag }, { orderBy });
    expect(page.nextCursor).toBeNull();
    expect(page.items).toHaveLength(inserted.length);
    return page.items;
  };
  return { rows: inserted, find };
}

const codePointOrder = [
  'A',
  'B',
  'Z',
  'a',
  'b',
  'é',
  'ß',
  '中',
  '😀',
  '～',
  'a ',
  'a\t',
  'aa',
  '',
  ' ',
  'e\u0301',
  'É',
  'Hello',
  'hello',
  'HELLO',
  '_',
  '-',
  '0',
  '10',
  '9',
  '\u007F',
  '\u00A0',
  '𝄞',
  '\uFFFD',
  'Ω',
  'я',
  'Я',
];

export const orderingSuite = defineSuite('ordering', {
  'strings sort by code point ascending: A < B < a < b < ß < é < 中 < 😀': async ({ store }) => {
    const { find } = await seed(
      store,
      codePointOrder.map((label) => ({ label })),
    );
    const labels = (await find({ label: 'asc' })).map((r) => r.label);
    expect(labels).toEqual([...codePointOrder].sort(compareCodePoints));
    // The fixed points of the rule, whatever else is in the list.
    const index = (s: string) => labels.indexOf(s);
    for (const [lo, hi] of [
      ['A', 'B'],
      ['B', 'a'],
      ['a', 'b'],
      ['b', 'ß'],
      ['ß', 'é'],
      ['é', '中'],
      ['中', '～'],
      ['～', '😀'],
      ['a', 'a '],
      ['', ' '],
    ] as const) {
      expect(index(lo)).toBeLessThan(index(hi));
    }
  },
  'strings sort by code point descending': async ({ store }) => {
    const { find } = await seed(
      store,
      codePointOrder.map((label) => ({ label })),
    );
    const labels = (await find({ label: 'desc' })).map((r) => r.label);
    expect(labels).toEqual([...codePointOrder].sort(compareCodePoints).reverse());
  },
  'text sorts by code point like a string': async ({ store }) => {
    const { find } = await seed(
      store,
      codePointOrder.map((body) => ({ body })),
      'label',
    );
    expect((await find({ body: 'asc' })).map((r) => r.body)).toEqual(
      [...codePointOrder].sort(compareCodePoints),
    );
  },
  'NULLs sort last ascending and first descending, on every type': async ({ store }) => {
    const { rows, find } = await seed(store, [
      { label: 'b', int: 2, big: 2n, real: 2.5, money: '2', flag: true, at: new Date(2000), doc: { n: 2 } },
      {
        label: 'a',
        int: -1,
        big: -1n,
        real: -1.5,
        money: '-1',
        flag: false,
        at: new Date(-1000),
        doc: { n: -1 },
      },
      {},
      {},
      { label: 'c', int: 3, big: 3n, real: 3.5, money: '3', flag: true, at: new Date(3000), doc: { n: 3 } },
    ]);
    const specs: Record<string, (r: SampleRow) => unknown> = {
      label: (r) => r.label,
      int: (r) => r.int,
      big: (r) => r.big,
      real: (r) => r.real,
      money: (r) => r.money,
      flag: (r) => r.flag,
      at: (r) => r.at,
    };
    const compare = (a: unknown, b: unknown): number => {
      if (typeof a === 'string' && typeof b === 'string') {
        return /^-?\d/.test(a) ? compareDecimals(a, b) : compareCodePoints(a, b);
      }
      if (a instanceof Date && b instanceof Date) return compareDates(a, b);
      // numbers, bigints and booleans
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    };
    for (const [field, value] of Object.entries(specs)) {
      for (const direction of ['asc', 'desc'] as const) {
        const got = await find({ [field]: direction });
        const expected = sortRows(rows, [{ value, compare, direction }]);
        expect(ids(got), `${field} ${direction}`).toEqual(ids(expected));
        const nulls = got.map((r) => value(r) === null);
        expect(nulls, `${field} ${direction}`).toEqual(
          direction === 'asc' ? [false, false, false, true, true] : [true, true, false, false, false],
        );
      }
    }
    for (const direction of ['asc', 'desc'] as const) {
      const got = await find([{ field: 'doc', path: 'n', direction }]);
      expect(got.map((r) => (r.doc as { n?: number } | null)?.n ?? null)).toEqual(
        direction === 'asc' ? [-1, 2, 3, null, null] : [null, null, 3, 2, -1],
      );
    }
  },
  'ordering by a numeric JSON path is numeric; a missing path, a string or null there sorts as NULL': async ({
    store,
  }) => {
    const numbers = [10, 2, -1.5, 0.25, -10, 1e300, 0, 100, -1e-300, 2 ** 53, 9, 1e-7];
    const others: (JsonValue | null)[] = [
      { n: '5' },
      { n: null },
      { n: true },
      { m: 1 },
      null,
      { n: [1] },
      { n: {} },
      7,
    ];
    const { rows, find } = await seed(store, [
      ...numbers.map((n) => ({ doc: { n } })),
      ...others.map((doc) => ({ doc })),
    ]);
    const value = (r: SampleRow) => {
      const n = (r.doc as { n?: unknown } | null)?.n;
      return typeof n === 'number' ? n : null;
    };
    for (const direction of ['asc', 'desc'] as const) {
      const got = await find([{ field: 'doc', path: 'n', direction }]);
      expect(ids(got), direction).toEqual(
        ids(sortRows(rows, [{ value, compare: compareNumbers, direction }])),
      );
      const sortedNumbers = [...numbers].sort(compareNumbers);
      const expectedValues =
        direction === 'asc'
          ? [...sortedNumbers, ...others.map(() => null)]
          : [...others.map(() => null), ...sortedNumbers.reverse()];
      expect(got.map(value), direction).toEqual(expectedValues);
    }
    // `as: 'number'` is the default.
    expect(ids(await find([{ field: 'doc', path: 'n', as: 'number' }]))).toEqual(
      ids(await find([{ field: 'doc', path: ['n'] }])),
    );
  },
  'ordering by a string JSON path with as: "string" is code-point order; other types sort as NULL': async ({
    store,
  }) => {
    const strings = ['b', 'a', 'B', 'é', '😀', '～', '10', '2', '', 'a ', '中'];
    const others: (JsonValue | null)[] = [{ s: 5 }, { s: null }, { t: 'x' }, null, { s: false }];
    const { rows, find } = await seed(store, [
      ...strings.map((s) => ({ doc: { deep: { s } } })),
      ...others.map((doc) => ({ doc: { deep: doc } })),
    ]);
    const value = (r: SampleRow) => {
      const s = (r.doc as { deep: { s?: unknown } | null }).deep?.s;
      return typeof s === 'string' ? s : null;
    };
    for (const direction of ['asc', 'desc'] as const) {
      const got = await find([{ field: 'doc', path: 'deep.s', as: 'string', direction }]);
      expect(ids(got), direction).toEqual(
        ids(sortRows(rows, [{ value, compare: compareCodePoints, direction }])),
      );
    }
    const asc = (await find([{ field: 'doc', path: ['deep', 's'], as: 'string' }])).map(value);
    expect(asc).toEqual([...[...strings].sort(compareCodePoints), ...others.map(() => null)]);
  },
  'decimals sort numerically: -10.5 < -2 < 0 < 9.75 < 10.25': async ({ store }) => {
    const values = [
      '-10.5',
      '-2',
      '0',
      '9.75',
      '10.25',
      '-0.0001',
      '0.0001',
      '99999999999999.9999',
      '-99999999999999.9999',
      '100',
      '-100.5',
      '-100.25',
      '1.5',
      '1.05',
      '-1.05',
      '-1.5',
    ];
    const { find } = await seed(
      store,
      values.map((money) => ({ money })),
    );
    const sorted = [...values].sort(compareDecimals);
    const canonical = (v: string) => {
      const [int = '0', frac = ''] = v.replace('-', '').split('.');
      return `${v.startsWith('-') ? '-' : ''}${int}.${frac.padEnd(4, '0')}`;
    };
    expect((await find({ money: 'asc' })).map((r) => r.money)).toEqual(sorted.map(canonical));
    expect((await find({ money: 'desc' })).map((r) => r.money)).toEqual(sorted.reverse().map(canonical));
  },
  'bigints sort numerically across the 64-bit range': async ({ store }) => {
    const values = [
      -(2n ** 63n),
      -(2n ** 53n) - 1n,
      -(2n ** 53n),
      -1n,
      0n,
      1n,
      9n,
      10n,
      2n ** 53n,
      2n ** 53n + 1n,
      2n ** 62n,
      2n ** 63n - 2n,
      2n ** 63n - 1n,
    ];
    const { find } = await seed(
      store,
      values.map((big) => ({ big })),
    );
    const sorted = [...values].sort(compareBigints);
    expect((await find({ big: 'asc' })).map((r) => r.big)).toEqual(sorted);
    expect((await find({ big: 'desc' })).map((r) => r.big)).toEqual([...sorted].reverse());
  },
  'integers and doubles sort numerically': async ({ store }) => {
    const ints = [-(2 ** 31), -10, -9, -1, 0, 1, 9, 10, 100, 2 ** 31 - 1];
    const reals = [-1e308, -0.5, -5e-324, 0, 5e-324, 0.1, 0.30000000000000004, 0.3, 1e308, Math.PI];
    const a = await seed(
      store,
      ints.map((int) => ({ int })),
    );
    expect((await a.find({ int: 'asc' })).map((r) => r.int)).toEqual([...ints].sort(compareNumbers));
    expect((await a.find({ int: 'desc' })).map((r) => r.int)).toEqual(
      [...ints].sort(compareNumbers).reverse(),
    );
    const b = await seed(
      store,
      reals.map((real) => ({ real })),
    );
    expect((await b.find({ real: 'asc' })).map((r) => r.real)).toEqual([...reals].sort(compareNumbers));
    expect((await b.find({ real: 'desc' })).map((r) => r.real)).toEqual(
      [...reals].sort(compareNumbers).reverse(),
    );
  },
  'datetimes sort chronologically, from year 1 to year 9999': async ({ store }) => {
    const iso = [
      '0001-01-01T00:00:00.000Z',
      '0001-01-01T00:00:00.001Z',
      '0099-12-31T23:59:59.999Z',
      '1969-12-31T23:59:59.999Z',
      '1970-01-01T00:00:00.000Z',
      '2024-02-29T23:59:59.998Z',
      '2024-02-29T23:59:59.999Z',
      '2024-03-01T00:00:00.000Z',
      '2038-01-19T03:14:08.000Z',
      '9999-12-31T23:59:59.999Z',
    ];
    const { find } = await seed(
      store,
      iso.map((s) => ({ at: new Date(s) })),
    );
    expect((await find({ at: 'asc' })).map((r) => r.at?.toISOString())).toEqual(iso);
    expect((await find({ at: 'desc' })).map((r) => r.at?.toISOString())).toEqual([...iso].reverse());
  },
  'booleans sort false before true': async ({ store }) => {
    const { find } = await seed(store, [{ flag: true }, { flag: false }, { flag: null }, { flag: true }]);
    expect((await find({ flag: 'asc' })).map((r) => r.flag)).toEqual([false, true, true, null]);
    expect((await find({ flag: 'desc' })).map((r) => r.flag)).toEqual([null, true, true, false]);
  },
  'multiple keys: ties on the first key are broken by the second, each in its own direction': async ({
    store,
  }) => {
    const input: SampleInput[] = [];
    for (const label of ['b', 'a', null, 'B']) {
      for (const int of [3, null, 1, 2]) input.push({ label, int, money: String(int ?? 0) });
    }
    const { rows, find } = await seed(store, input);
    const labelSpec = { value: (r: SampleRow) => r.label, compare: compareCodePoints };
    const intSpec = { value: (r: SampleRow) => r.int, compare: compareNumbers };
    const cases: [OrderBy<SampleRow>, AnySortSpec<SampleRow>[]][] = [
      [{ label: 'asc', int: 'desc' }, [labelSpec, { ...intSpec, direction: 'desc' }]],
      [{ int: 'asc', label: 'desc' }, [intSpec, { ...labelSpec, direction: 'desc' }]],
      [
        [
          { field: 'label', direction: 'desc' },
          { field: 'int', direction: 'desc' },
        ],
        [
          { ...labelSpec, direction: 'desc' },
          { ...intSpec, direction: 'desc' },
        ],
      ],
      [
        [{ field: 'label' }, { field: 'int' }],
        [labelSpec, intSpec],
      ],
    ];
    for (const [orderBy, specs] of cases) {
      expect(ids(await find(orderBy)), JSON.stringify(orderBy)).toEqual(ids(sortRows(rows, specs)));
    }
  },
  'ties are broken by primary key, so the order is total and the same on every query': async ({ store }) => {
    const { rows, find } = await seed(
      store,
      Array.from({ length: 40 }, (_, i) => ({ label: i % 3 === 0 ? null : 'same', int: i % 2 })),
    );
    const byId = ids(rows).sort(compareCodePoints);
    const first = ids(await find({ label: 'asc' }));
    expect(first).toEqual(
      ids(sortRows(rows, [{ value: (r: SampleRow) => r.label, compare: compareCodePoints }])),
    );
    for (let i = 0; i < 3; i++) expect(ids(await find({ label: 'asc' }))).toEqual(first);
    // Equal keys are ordered by primary key in the direction of the last key: a descending order
    // is the ascending one read backwards, which one index can serve.
    const desc = await find({ label: 'desc' });
    const idsWith = (label: string | null) =>
      ids(rows.filter((r) => r.label === label)).sort(compareCodePoints);
    expect(ids(desc)).toEqual([...idsWith(null).reverse(), ...idsWith('same').reverse()]);
    expect(ids(desc)).toEqual([...first].reverse());
    expect(ids(await find({ int: 'desc', label: 'asc' }))).toEqual(
      ids(
        sortRows(rows, [
          { value: (r: SampleRow) => r.int, compare: compareNumbers, direction: 'desc' },
          { value: (r: SampleRow) => r.label, compare: compareCodePoints },
        ]),
      ),
    );
    expect(ids(await find({}))).toEqual(byId);
    expect(ids(await find({ id: 'desc' }))).toEqual([...byId].reverse());
  },
  'an unknown property, a bad direction or a JSON ordering without a path is refused with ValidationError':
    async ({ store }) => {
      const repo = store.repo(Sample);
      const refused: unknown[] = [
        { nope: 'asc' },
        { label: 'up' },
        { label: 'ASC' },
        [{ field: 'nope' }],
        [{ field: 'doc' }],
        { doc: 'asc' },
        [{ field: 'label', path: 'a' }],
        [{ field: 'doc', path: 'a..b' }],
        [{ field: 'doc', path: ['a', -1] }],
        [{ field: 'doc', path: 'a', as: 'text' }],
        [{ field: 'doc', path: 'a', direction: 'down' }],
      ];
      for (const orderBy of refused) {
        await expectError(repo.find({}, { orderBy: orderBy as never }), ValidationError);
      }
    },
});

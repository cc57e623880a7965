import {
  type InsertInput,
  NotNullError,
  type Patch,
  UniqueConstraintError,
  ValidationError,
} from '@switchyard/core';
import fc from 'fast-check';
import { expect } from 'vitest';
import { Account, type JsonValue, Sample } from '../conformance-schema.ts';
import { hostileStrings } from '../hostile-values.ts';
import type { SuiteContext } from '../suite-definition.ts';
import { defineSuite } from '../suite-definition.ts';
import { expectError } from './expect-error.ts';
import { compareCodePoints, ids, newTag, type SampleRow } from './suite-helpers.ts';

type SampleInput = InsertInput<typeof Sample>;

/** Inserts `data`, checks the returned row equals what `get` reads back, and returns it. */
async function roundTrip({ store }: SuiteContext, data: SampleInput): Promise<SampleRow> {
  const repo = store.repo(Sample);
  const inserted = await repo.insert(data);
  const read = await repo.get(inserted.id);
  expect(read).toEqual(inserted);
  return read as SampleRow;
}

/** Refuses `data` on insert, in a batch and as an update of an existing row; nothing is written. */
async function expectRefused({ store }: SuiteContext, data: SampleInput): Promise<void> {
  const repo = store.repo(Sample);
  const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
  await expectError(repo.insert({ ...data, id: a }), ValidationError);
  await expectError(repo.insertMany([{ id: b }, { ...data, id: a }]), ValidationError);
  expect(await repo.count({ id: { in: [a, b] } })).toBe(0);
  const row = await repo.insert({ id: b, label: 'before' });
  await expectError(repo.update(row.id, data as Patch<typeof Sample>), ValidationError);
  expect(await repo.get(row.id)).toEqual(row);
}

export const typesSuite = defineSuite('types', {
  'a uuid is stored in canonical lower case, whatever case it was given in': async (ctx) => {
    const upper = crypto.randomUUID().toUpperCase();
    const row = await roundTrip(ctx, { id: upper });
    expect(row.id).toBe(upper.toLowerCase());
    expect(await ctx.store.repo(Sample).get(upper)).toEqual(row);
    expect((await ctx.store.repo(Sample).find({ id: upper })).items).toEqual([row]);
  },
  'a value that is not a uuid is refused as a uuid with ValidationError': async ({ store }) => {
    const repo = store.repo(Sample);
    for (const id of [
      '',
      'not-a-uuid',
      '{00000000-0000-0000-0000-000000000000}',
      '00000000000000000000000000000000',
    ]) {
      await expectError(repo.insert({ id }), ValidationError);
    }
    await expectError(repo.get('not-a-uuid'), ValidationError);
  },
  'ordering by a uuid is the code-point order of its canonical string': async ({ store }) => {
    const repo = store.repo(Sample);
    const tag = newTag();
    // Version-1 shaped ids: a backend that stores uuids "index-friendly" (time fields swapped)
    // would order these by their last group instead of their first.
    const special = [
      '00000000-0000-1000-8000-ffffffffffff',
      'ffffffff-0000-1000-8000-000000000000',
      '10000000-0000-1000-8000-000000000001',
      '00000001-0000-1000-8000-000000000000',
      '9fffffff-ffff-4fff-bfff-ffffffffffff',
      'A0000000-0000-4000-8000-000000000000',
      'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaa9',
      'AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA',
    ];
    const input = [...special, ...Array.from({ length: 24 }, () => crypto.randomUUID())];
    await repo.insertMany(input.map((id) => ({ id, label: tag })));
    const expected = input.map((id) => id.toLowerCase()).sort(compareCodePoints);
    expect(ids((await repo.find({ label: tag }, { orderBy: { id: 'asc' } })).items)).toEqual(expected);
    expect(ids((await repo.find({ label: tag }, { orderBy: { id: 'desc' } })).items)).toEqual(
      [...expected].reverse(),
    );
    expect(ids((await repo.find({ label: tag })).items)).toEqual(expected);
  },

  'strings round-trip every Unicode character exactly: emoji, 4-byte characters, combining marks, RTL text':
    async (ctx) => {
      for (const value of hostileStrings) {
        const row = await roundTrip(ctx, { label: value, body: value });
        expect(row.label).toBe(value);
        expect(row.body).toBe(value);
        // Stored exactly: found by an exact equality on the very same code points.
        const found = await ctx.store.repo(Sample).find({ id: row.id, label: value, body: value });
        expect(found.items).toHaveLength(1);
      }
    },
  'strings are not Unicode-normalised: a precomposed and a decomposed é are different values': async ({
    store,
  }) => {
    const repo = store.repo(Sample);
    const tag = newTag();
    const composed = await repo.insert({ label: '\u00e9', body: tag });
    const decomposed = await repo.insert({ label: 'e\u0301', body: tag });
    expect(composed.label).toHaveLength(1);
    expect(decomposed.label).toHaveLength(2);
    expect(ids((await repo.find({ body: tag, label: '\u00e9' })).items)).toEqual([composed.id]);
    expect(ids((await repo.find({ body: tag, label: 'e\u0301' })).items)).toEqual([decomposed.id]);
  },
  'the empty string is a value, distinct from NULL': async (ctx) => {
    const row = await roundTrip(ctx, { label: '', body: '' });
    expect(row.label).toBe('');
    expect(row.body).toBe('');
    expect(await ctx.store.repo(Sample).count({ id: row.id, label: { isNull: true } })).toBe(0);
    expect(await ctx.store.repo(Sample).count({ id: row.id, label: '' })).toBe(1);
  },
  'trailing and leading spaces are preserved': async (ctx) => {
    for (const value of ['a ', 'a   ', ' a', '   ', ' ', 'a\u00a0', 'a\t']) {
      const row = await roundTrip(ctx, { label: value, body: value });
      expect(row.label).toBe(value);
      expect(row.body).toBe(value);
    }
  },
  'a unique string is case-sensitive and binary: values differing in case, trailing spaces or normalisation are distinct':
    async ({ store }) => {
      const repo = store.repo(Account);
      const base = `${crypto.randomUUID()}@example.com`;
      const variants = [base, base.toUpperCase(), `${base} `, `${base}\t`, `é${base}`, `e\u0301${base}`];
      for (const email of variants) await repo.insert({ email, name: 'n', balance: 0 });
      expect(await repo.count({ email: { in: variants } })).toBe(variants.length);
      for (const email of variants) {
        await expectError(repo.insert({ email, name: 'dup', balance: 0 }), UniqueConstraintError);
      }
    },
  'a string of exactly the maximum length is accepted, counted in code points (32 emoji = 64 UTF-16 units)':
    async (ctx) => {
      const values = [
        'a'.repeat(32),
        '😀'.repeat(32),
        `${'𝄞'.repeat(31)}x`,
        'e\u0301'.repeat(16),
        'é'.repeat(32),
        '中'.repeat(32),
        ' '.repeat(32),
      ];
      expect('😀'.repeat(32)).toHaveLength(64);
      for (const value of values) {
        const row = await roundTrip(ctx, { label: value });
        expect(row.label).toBe(value);
        expect([...(row.label as string)]).toHaveLength(32);
      }
    },
  'a string one character over the maximum length is refused with ValidationError': async (ctx) => {
    for (const value of [
      'a'.repeat(33),
      '😀'.repeat(33),
      'é'.repeat(33),
      `${'a'.repeat(32)} `,
      '中'.repeat(1000),
    ]) {
      await expectRefused(ctx, { label: value });
    }
  },
  'a NUL character (U+0000) is refused with ValidationError in strings, texts, JSON strings and JSON keys':
    async (ctx) => {
      await expectRefused(ctx, { label: 'a\u0000b' });
      await expectRefused(ctx, { label: '\u0000' });
      await expectRefused(ctx, { body: 'text\u0000' });
      await expectRefused(ctx, { doc: 'a\u0000' });
      await expectRefused(ctx, { doc: { key: 'value\u0000' } });
      await expectRefused(ctx, { doc: { 'key\u0000': 'value' } });
      await expectRefused(ctx, { doc: { nested: [{ deep: ['\u0000'] }] } });
      await expectRefused(ctx, { doc: [{ '\u0000': 1 }] });
    },
  'a lone surrogate (not well-formed Unicode) is refused with ValidationError in strings, texts and JSON':
    async (ctx) => {
      await expectRefused(ctx, { label: 'a\uD800b' });
      await expectRefused(ctx, { body: '\uDC00' });
      await expectRefused(ctx, { doc: { key: 'x\uD83D' } });
      await expectRefused(ctx, { doc: { '\uDE00': 1 } });
    },
  'a value of another type is refused as a string with ValidationError': async (ctx) => {
    await expectRefused(ctx, { label: 5 as never });
    await expectRefused(ctx, { body: { text: 'x' } as never });
  },
  'a text of 1 MB round-trips exactly': async (ctx) => {
    const unit = 'Lorem ipsum 😀 ключ 鍵 e\u0301\n';
    const body = unit.repeat(Math.ceil(1_048_576 / unit.length)).slice(0, 1_048_576 - 1);
    expect(Buffer.byteLength(body, 'utf8')).toBeGreaterThan(1_048_576);
    const row = await roundTrip(ctx, { body });
    expect(row.body?.length).toBe(body.length);
    expect(row.body === body).toBe(true);
  },

  'an integer round-trips from -2^31 to 2^31-1': async (ctx) => {
    for (const value of [-(2 ** 31), 2 ** 31 - 1, 0, -1, 1, 65_536]) {
      const row = await roundTrip(ctx, { int: value });
      expect(row.int).toBe(value);
    }
    const negativeZero = await roundTrip(ctx, { int: -0 });
    expect(Object.is(negativeZero.int, 0)).toBe(true);
  },
  'an integer outside the 32-bit range, fractional or not a number is refused with ValidationError': async (
    ctx,
  ) => {
    for (const value of [2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expectRefused(ctx, { int: value });
    }
    await expectRefused(ctx, { int: '1' as never });
    await expectRefused(ctx, { int: 1n as never });
  },

  'a bigint round-trips exactly as a JS bigint across the 64-bit range (2^63-1, -2^63, ±(2^53+1))': async (
    ctx,
  ) => {
    const values = [
      2n ** 63n - 1n,
      -(2n ** 63n),
      2n ** 53n + 1n,
      -(2n ** 53n + 1n),
      2n ** 53n,
      0n,
      -1n,
      2n ** 62n + 7n,
    ];
    for (const value of values) {
      const row = await roundTrip(ctx, { big: value });
      expect(typeof row.big).toBe('bigint');
      expect(row.big).toBe(value);
    }
  },
  'a bigint given as a safe integer or a string of digits reads back as a bigint': async (ctx) => {
    const fromNumber = await roundTrip(ctx, { big: 42 as never });
    expect(fromNumber.big).toBe(42n);
    const fromString = await roundTrip(ctx, { big: '-9223372036854775808' as never });
    expect(fromString.big).toBe(-(2n ** 63n));
  },
  'a bigint outside the 64-bit range, or an unsafe number, is refused with ValidationError': async (ctx) => {
    for (const value of [2n ** 63n, -(2n ** 63n) - 1n, 2n ** 64n]) await expectRefused(ctx, { big: value });
    for (const value of [2 ** 53, 1.5, '9223372036854775808', '1e3', '0x10', ' 1']) {
      await expectRefused(ctx, { big: value as never });
    }
  },
  'a bigint filter on 2^53+1 does not match 2^53 (no rounding through doubles)': async ({ store }) => {
    const repo = store.repo(Sample);
    const tag = newTag();
    const [low, high, top] = await repo.insertMany([
      { label: tag, big: 2n ** 53n },
      { label: tag, big: 2n ** 53n + 1n },
      { label: tag, big: 2n ** 63n - 1n },
    ]);
    expect(ids((await repo.find({ label: tag, big: 2n ** 53n + 1n })).items)).toEqual([high?.id]);
    expect(ids((await repo.find({ label: tag, big: 2n ** 53n })).items)).toEqual([low?.id]);
    expect(ids((await repo.find({ label: tag, big: 2n ** 63n - 2n })).items)).toEqual([]);
    expect(ids((await repo.find({ label: tag, big: 2n ** 63n - 1n })).items)).toEqual([top?.id]);
  },

  'a double round-trips exactly (IEEE 754): 0.1, -1.5, 1e308, 5e-324, 2^53+2, π': async (ctx) => {
    const values = [
      0.1,
      -1.5,
      1e308,
      -1e308,
      5e-324,
      -5e-324,
      2 ** 53 + 2,
      Math.PI,
      1 / 3,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      2.2250738585072014e-308,
      Number.EPSILON,
      123456789.12345679,
      0,
    ];
    for (const value of values) {
      const row = await roundTrip(ctx, { real: value });
      expect(Object.is(row.real, value)).toBe(true);
    }
  },
  'any finite double round-trips exactly: n / 7 for n up to 1000, and 300 random doubles': async ({
    store,
  }) => {
    // Short decimal forms of up to 17 characters (632 / 7 = 90.28571428571429) are where a
    // digit-by-digit parser loses the last bit.
    const random = fc.sample(fc.double({ noNaN: true, noDefaultInfinity: true }), { numRuns: 300, seed: 7 });
    const values = [...Array.from({ length: 1000 }, (_, n) => n / 7), ...random];
    const tag = newTag();
    const rows = await store.repo(Sample).insertMany(values.map((real) => ({ label: tag, real })));
    const read = await store.repo(Sample).getMany(rows.map((r) => r.id));
    const wrong = values.filter((v, i) => !Object.is(read[i]?.real, Object.is(v, -0) ? 0 : v));
    expect(wrong, 'doubles that did not read back exactly').toEqual([]);
  },
  'a double -0 reads back as 0': async (ctx) => {
    const row = await roundTrip(ctx, { real: -0 });
    expect(Object.is(row.real, 0)).toBe(true);
  },
  'a non-finite double (NaN, Infinity, -Infinity) is refused with ValidationError': async (ctx) => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      await expectRefused(ctx, { real: value });
    }
    await expectRefused(ctx, { real: '1.5' as never });
  },

  'a decimal round-trips exactly as its canonical string with the declared scale': async (ctx) => {
    const cases: [string | number, string][] = [
      ['12345678901234.5678', '12345678901234.5678'],
      ['-0.0001', '-0.0001'],
      ['0', '0.0000'],
      ['1.5', '1.5000'],
      ['99999999999999.9999', '99999999999999.9999'],
      ['-99999999999999.9999', '-99999999999999.9999'],
      ['-0', '0.0000'],
      ['-0.0000', '0.0000'],
      ['+7', '7.0000'],
      ['007.50', '7.5000'],
      ['.5', '0.5000'],
      ['10.', '10.0000'],
      ['1.50000000', '1.5000'],
      [2.25, '2.2500'],
      ['0.1', '0.1000'],
    ];
    for (const [input, canonical] of cases) {
      const row = await roundTrip(ctx, { money: input as string });
      expect(row.money).toBe(canonical);
    }
  },
  'a decimal with too many integer or fraction digits, or not a decimal, is refused with ValidationError':
    async (ctx) => {
      for (const value of [
        '100000000000000',
        '-100000000000000.0',
        '123456789012345.5',
        '0.00001',
        '1.23456',
        '99999999999999.99999',
        'abc',
        '',
        '.',
        '1.2.3',
        '1e5',
        '1,5',
        ' 1',
        '0x1F',
        'NaN',
        'Infinity',
      ]) {
        await expectRefused(ctx, { money: value });
      }
      await expectRefused(ctx, { money: Number.NaN as never });
      await expectRefused(ctx, { money: 1e21 as never });
    },

  'a boolean round-trips as true and false': async (ctx) => {
    expect((await roundTrip(ctx, { flag: true })).flag).toBe(true);
    expect((await roundTrip(ctx, { flag: false })).flag).toBe(false);
    for (const value of [1, 0, 'true', 'false']) await expectRefused(ctx, { flag: value as never });
  },

  'a datetime round-trips exactly with millisecond precision, in UTC': async (ctx) => {
    const values = [
      '2024-02-29T23:59:59.999Z',
      '2024-06-30T12:34:56.001Z',
      '2024-01-01T00:00:00.000Z',
      '1970-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '1899-12-31T23:59:59.500Z',
      '1582-10-10T10:10:10.010Z',
      '0099-06-15T12:00:00.123Z',
      '2038-01-19T03:14:08.001Z',
      '2106-02-07T06:28:16.999Z',
    ];
    for (const iso of values) {
      const row = await roundTrip(ctx, { at: new Date(iso) });
      expect(row.at).toBeInstanceOf(Date);
      expect(row.at?.toISOString()).toBe(iso);
    }
  },
  'a datetime round-trips at the edges: year 1 and year 9999': async (ctx) => {
    for (const iso of [
      '0001-01-01T00:00:00.000Z',
      '0001-01-01T00:00:00.001Z',
      '9999-12-31T23:59:59.999Z',
      '9999-12-31T23:59:59.998Z',
    ]) {
      const row = await roundTrip(ctx, { at: new Date(iso) });
      expect(row.at?.toISOString()).toBe(iso);
    }
  },
  'a datetime outside the years 1 to 9999 or an invalid Date is refused with ValidationError': async (
    ctx,
  ) => {
    for (const iso of [
      '0000-12-31T23:59:59.999Z',
      '+010000-01-01T00:00:00.000Z',
      '-000001-06-01T00:00:00.000Z',
    ]) {
      await expectRefused(ctx, { at: new Date(iso) });
    }
    await expectRefused(ctx, { at: new Date(Number.NaN) });
    await expectRefused(ctx, { at: new Date('not a date') });
    await expectRefused(ctx, { at: '2024-01-01T00:00:00.000Z' as never });
    await expectRefused(ctx, { at: 1_700_000_000_000 as never });
  },

  'JSON round-trips nested objects and arrays with unicode keys, large and tiny numbers, booleans and null':
    async (ctx) => {
      const doc: JsonValue = {
        ключ: 'значение',
        鍵: { 値: ['一', '二', { 深い: true }] },
        '🔑': '🔒😀👨‍👩‍👧‍👦',
        'a.b': { 'c.d': 1 },
        'with "quotes"': "and 'apostrophes'",
        'back\\slash': '\\',
        '': 'empty key',
        ' ': 'space key',
        $: '$.path',
        '[0]': 'brackets',
        'new\nline': 'tab\there',
        '0': 'digit key',
        numbers: [
          1e300,
          -1e300,
          2 ** 53,
          -(2 ** 53),
          -1e-300,
          5e-324,
          0.1,
          -0.5,
          0,
          1,
          -1,
          123456789012,
          Math.PI,
        ],
        booleans: [true, false],
        nothing: null,
        nested: [[[[]]], [{}], [[1, [2, [3, [4]]]]], { a: { b: { c: { d: { e: null } } } } }],
        emptyObject: {},
        emptyArray: [],
        strings: ['', ' ', 'emoji 😀', 'e\u0301', 'שלום', '\u202E', '\uFFFF', '"', '\\"', '</script>'],
      };
      const row = await roundTrip(ctx, { doc });
      expect(row.doc).toEqual(doc);
    },
  'JSON round-trips top-level scalars and arrays': async (ctx) => {
    const values: JsonValue[] = [
      'a string',
      '',
      '😀',
      42,
      -1.5,
      0,
      1e300,
      true,
      false,
      [],
      {},
      [1, 'two', null, true],
      'null',
      '{"not":"parsed"}',
    ];
    for (const value of values) {
      const row = await roundTrip(ctx, { doc: value });
      expect(row.doc).toEqual(value);
    }
  },
  'a JSON null stored in a nullable JSON property reads back as null': async (ctx) => {
    const row = await roundTrip(ctx, { doc: null });
    expect(row.doc).toBeNull();
    expect(await ctx.store.repo(Sample).count({ id: row.id, doc: { isNull: true } })).toBe(1);
  },
  'a value that is not JSON (a bigint, a non-finite number) is refused with ValidationError': async (ctx) => {
    await expectRefused(ctx, { doc: { n: 1n } as never });
    await expectRefused(ctx, { doc: { n: Number.NaN } });
    await expectRefused(ctx, { doc: [Number.POSITIVE_INFINITY] });
  },

  'every nullable property round-trips null, on insert and on update': async (ctx) => {
    const empty = await roundTrip(ctx, {});
    const nulls = {
      label: null,
      body: null,
      int: null,
      big: null,
      real: null,
      money: null,
      flag: null,
      at: null,
      doc: null,
    };
    expect(empty).toEqual({ id: empty.id, ...nulls });
    const explicit = await roundTrip(ctx, nulls);
    expect(explicit).toEqual({ id: explicit.id, ...nulls });
    const full = await roundTrip(ctx, {
      label: 'x',
      body: 'y',
      int: 0,
      big: 0n,
      real: 0,
      money: '0',
      flag: false,
      at: new Date(0),
      doc: 0,
    });
    const cleared = await ctx.store.repo(Sample).update(full.id, nulls);
    expect(cleared).toEqual({ id: full.id, ...nulls });
    expect(await ctx.store.repo(Sample).get(full.id)).toEqual(cleared);
  },
  'zero and false are values, distinct from NULL': async ({ store }) => {
    const repo = store.repo(Sample);
    const row = await repo.insert({
      int: 0,
      big: 0n,
      real: 0,
      money: '0',
      flag: false,
      doc: 0,
      label: '',
      at: new Date(0),
    });
    for (const field of ['int', 'big', 'real', 'money', 'flag', 'doc', 'label', 'at'] as const) {
      expect(await repo.count({ id: row.id, [field]: { isNull: false } })).toBe(1);
    }
  },
  'a required property given null is refused with NotNullError': async ({ store }) => {
    await expectError(
      store
        .repo(Account)
        .insert({ email: `${crypto.randomUUID()}@example.com`, name: null as never, balance: 0 }),
      NotNullError,
    );
  },
});

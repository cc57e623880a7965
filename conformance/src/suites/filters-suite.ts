import { type InsertInput, type Store, ValidationError, type Where } from '@switchyard/core';
import { expect } from 'vitest';
import { type JsonValue, Sample } from '../conformance-schema.ts';
import { defineSuite } from '../suite-definition.ts';
import { expectError } from './expect-error.ts';
import { compareCodePoints, newTag, type SampleRow } from './suite-helpers.ts';

type SampleInput = InsertInput<typeof Sample>;
type SampleWhere = Where<SampleRow>;

/**
 * Inserts `rows`, each carrying a fresh tag in `tagField`, and returns `match(where, pick)`: the
 * rows of this seed matching `where`, in input order, projected by `pick`. `count` must agree.
 */
async function seed(store: Store, rows: readonly SampleInput[], tagField: 'label' | 'body' = 'body') {
  const repo = store.repo(Sample);
  const tag = newTag();
  const inserted = await repo.insertMany(rows.map((r) => ({ ...r, [tagField]: tag })));
  const position = new Map(inserted.map((r, i) => [r.id, i]));
  const scoped = (where: SampleWhere): SampleWhere => ({ $and: [{ [tagField]: tag }, where] });
  async function match<V>(where: SampleWhere, pick: (row: SampleRow) => V): Promise<V[]> {
    const { items, nextCursor } = await repo.find(scoped(where));
    expect(nextCursor).toBeNull();
    expect(await repo.count(scoped(where))).toBe(items.length);
    return items.sort((a, b) => (position.get(a.id) as number) - (position.get(b.id) as number)).map(pick);
  }
  return { tag, rows: inserted, match };
}

/** Seeds one row per label (tagged in `body`); `labels(where)` lists the matching labels. */
async function seedLabels(store: Store, labels: readonly (string | null)[]) {
  const { match } = await seed(
    store,
    labels.map((label) => ({ label })),
  );
  return (where: SampleWhere) => match(where, (r) => r.label);
}

/** Seeds one row per document (tagged in `body`); `docs(where)` lists the matching documents. */
async function seedDocs(store: Store, docs: readonly (JsonValue | null)[]) {
  const { match } = await seed(
    store,
    docs.map((doc) => ({ doc })),
  );
  return (where: SampleWhere['doc']) => match({ doc: where }, (r) => r.doc);
}

export const filtersSuite = defineSuite('filters', {
  'equality is case-sensitive: "HELLO" does not match "hello"': async ({ store }) => {
    const labels = await seedLabels(store, ['hello', 'HELLO', 'Hello', 'hellO', 'héllo']);
    expect(await labels({ label: 'hello' })).toEqual(['hello']);
    expect(await labels({ label: { eq: 'HELLO' } })).toEqual(['HELLO']);
    expect(await labels({ label: { ne: 'hello' } })).toEqual(['HELLO', 'Hello', 'hellO', 'héllo']);
    expect(await labels({ label: 'HeLLo' })).toEqual([]);
  },
  'in and nin are case-sensitive': async ({ store }) => {
    const labels = await seedLabels(store, ['hello', 'HELLO', 'world', 'WORLD', 'Ärger', 'ärger']);
    expect(await labels({ label: { in: ['hello', 'WORLD', 'ärger'] } })).toEqual(['hello', 'WORLD', 'ärger']);
    expect(await labels({ label: { nin: ['hello', 'WORLD', 'ärger'] } })).toEqual([
      'HELLO',
      'world',
      'Ärger',
    ]);
  },
  'equality distinguishes trailing spaces: "a" does not match "a "': async ({ store }) => {
    const labels = await seedLabels(store, ['a', 'a ', 'a  ', ' a', 'A', 'a\t']);
    expect(await labels({ label: 'a' })).toEqual(['a']);
    expect(await labels({ label: 'a ' })).toEqual(['a ']);
    expect(await labels({ label: { in: ['a  ', ' a'] } })).toEqual(['a  ', ' a']);
    expect(await labels({ label: { ne: 'a' } })).toEqual(['a ', 'a  ', ' a', 'A', 'a\t']);
    expect(await labels({ label: { nin: ['a', 'a '] } })).toEqual(['a  ', ' a', 'A', 'a\t']);
    expect(await labels({ label: { gt: 'a' } })).toEqual(['a ', 'a  ', 'a\t']);
    expect(await labels({ label: { lte: 'a' } })).toEqual(['a', ' a', 'A']);
  },
  'startsWith, contains and endsWith are case-sensitive': async ({ store }) => {
    const labels = await seedLabels(store, ['Hello World', 'hello world', 'HELLO WORLD', 'Ärger', 'ärger']);
    expect(await labels({ label: { startsWith: 'Hello' } })).toEqual(['Hello World']);
    expect(await labels({ label: { startsWith: 'hello' } })).toEqual(['hello world']);
    expect(await labels({ label: { contains: 'o W' } })).toEqual(['Hello World']);
    expect(await labels({ label: { contains: 'LO WO' } })).toEqual(['HELLO WORLD']);
    expect(await labels({ label: { endsWith: 'WORLD' } })).toEqual(['HELLO WORLD']);
    expect(await labels({ label: { endsWith: 'World' } })).toEqual(['Hello World']);
    expect(await labels({ label: { startsWith: 'Ä' } })).toEqual(['Ärger']);
    expect(await labels({ label: { startsWith: '' } })).toHaveLength(5);
  },
  'the characters % _ \\ * ? [ in startsWith, contains and endsWith match literally': async ({ store }) => {
    const labels = await seedLabels(store, [
      '100%',
      '100x',
      '1000',
      'a_b',
      'axb',
      'a\\b',
      'a\\\\b',
      'a*b',
      'a?b',
      'a[b]',
      'a%b',
      'ab',
    ]);
    expect(await labels({ label: { contains: '%' } })).toEqual(['100%', 'a%b']);
    expect(await labels({ label: { startsWith: '100%' } })).toEqual(['100%']);
    expect(await labels({ label: { endsWith: '0%' } })).toEqual(['100%']);
    expect(await labels({ label: { startsWith: '100' } })).toEqual(['100%', '100x', '1000']);
    expect(await labels({ label: { contains: '_' } })).toEqual(['a_b']);
    expect(await labels({ label: { startsWith: 'a_' } })).toEqual(['a_b']);
    expect(await labels({ label: { endsWith: '_b' } })).toEqual(['a_b']);
    expect(await labels({ label: { contains: '\\' } })).toEqual(['a\\b', 'a\\\\b']);
    expect(await labels({ label: { contains: '\\\\' } })).toEqual(['a\\\\b']);
    expect(await labels({ label: { endsWith: '\\b' } })).toEqual(['a\\b', 'a\\\\b']);
    expect(await labels({ label: { startsWith: 'a\\' } })).toEqual(['a\\b', 'a\\\\b']);
    expect(await labels({ label: { contains: '*' } })).toEqual(['a*b']);
    expect(await labels({ label: { contains: '?' } })).toEqual(['a?b']);
    expect(await labels({ label: { contains: '[b]' } })).toEqual(['a[b]']);
    expect(await labels({ label: { startsWith: 'a[' } })).toEqual(['a[b]']);
  },
  'like takes % and _ as wildcards (one code point each) and \\ as the escape character': async ({
    store,
  }) => {
    const labels = await seedLabels(store, [
      'a_b',
      'axb',
      'aXb',
      'a%b',
      'abc',
      'ab',
      'ABC',
      'a\\b',
      '100%',
      '1000',
      'a😀b',
      'ae\u0301b',
      'a[xX]b',
    ]);
    expect(await labels({ label: { like: 'a_b' } })).toEqual(['a_b', 'axb', 'aXb', 'a%b', 'a\\b', 'a😀b']);
    expect(await labels({ label: { like: 'a_c' } })).toEqual(['abc']);
    expect(await labels({ label: { like: 'a\\_b' } })).toEqual(['a_b']);
    expect(await labels({ label: { like: 'a\\%b' } })).toEqual(['a%b']);
    expect(await labels({ label: { like: '100\\%' } })).toEqual(['100%']);
    expect(await labels({ label: { like: '100%' } })).toEqual(['100%', '1000']);
    expect(await labels({ label: { like: 'A%' } })).toEqual(['ABC']);
    expect(await labels({ label: { like: '%\\\\%' } })).toEqual(['a\\b']);
    expect(await labels({ label: { like: 'a__b' } })).toEqual(['ae\u0301b']);
    expect(await labels({ label: { like: 'a[xX]b' } })).toEqual(['a[xX]b']);
    expect(await labels({ label: { like: 'a%' } })).toEqual([
      'a_b',
      'axb',
      'aXb',
      'a%b',
      'abc',
      'ab',
      'a\\b',
      'a😀b',
      'ae\u0301b',
      'a[xX]b',
    ]);
    expect(await labels({ label: { like: '%' } })).toHaveLength(13);
    // An escaped ordinary character is that character.
    expect(await labels({ label: { like: 'a\\bc' } })).toEqual(['abc']);
  },
  'a like pattern ending in a lone escape character is refused with ValidationError': async ({ store }) => {
    await expectError(store.repo(Sample).find({ label: { like: 'abc\\' } }), ValidationError);
    await expectError(store.repo(Sample).count({ label: { like: '\\' } }), ValidationError);
  },
  'ieq, istartsWith, icontains and iendsWith fold ASCII case, and keep % and _ literal': async ({
    store,
  }) => {
    const labels = await seedLabels(store, [
      'Hello',
      'HELLO',
      'hello',
      'Help',
      'Yellow',
      '50% OFF',
      '50 off',
      'x_y',
    ]);
    expect(await labels({ label: { ieq: 'hello' } })).toEqual(['Hello', 'HELLO', 'hello']);
    expect(await labels({ label: { ieq: 'HELLO' } })).toEqual(['Hello', 'HELLO', 'hello']);
    expect(await labels({ label: { ieq: 'hell' } })).toEqual([]);
    expect(await labels({ label: { istartsWith: 'HEL' } })).toEqual(['Hello', 'HELLO', 'hello', 'Help']);
    expect(await labels({ label: { icontains: 'ELL' } })).toEqual(['Hello', 'HELLO', 'hello', 'Yellow']);
    expect(await labels({ label: { iendsWith: 'LO' } })).toEqual(['Hello', 'HELLO', 'hello']);
    expect(await labels({ label: { icontains: '% o' } })).toEqual(['50% OFF']);
    expect(await labels({ label: { icontains: '_' } })).toEqual(['x_y']);
    expect(await labels({ label: { istartsWith: '50%' } })).toEqual(['50% OFF']);
  },
  'ieq, istartsWith, icontains and iendsWith fold Latin-1 case: ÄÖÜ matches äöü, É matches é': async ({
    store,
  }) => {
    const labels = await seedLabels(store, [
      'ÄÖÜ',
      'äöü',
      'Äöü',
      'AOU',
      'aou',
      'É',
      'é',
      'e',
      'E',
      'ÿ',
      'Ÿ',
      'Ñandú',
    ]);
    expect(await labels({ label: { ieq: 'äöü' } })).toEqual(['ÄÖÜ', 'äöü', 'Äöü']);
    expect(await labels({ label: { ieq: 'ÄÖÜ' } })).toEqual(['ÄÖÜ', 'äöü', 'Äöü']);
    expect(await labels({ label: { ieq: 'É' } })).toEqual(['É', 'é']);
    expect(await labels({ label: { ieq: 'e' } })).toEqual(['e', 'E']);
    expect(await labels({ label: { ieq: 'ÿ' } })).toEqual(['ÿ', 'Ÿ']);
    expect(await labels({ label: { istartsWith: 'ä' } })).toEqual(['ÄÖÜ', 'äöü', 'Äöü']);
    expect(await labels({ label: { iendsWith: 'Ü' } })).toEqual(['ÄÖÜ', 'äöü', 'Äöü']);
    expect(await labels({ label: { icontains: 'ö' } })).toEqual(['ÄÖÜ', 'äöü', 'Äöü']);
    expect(await labels({ label: { icontains: 'ÑANDÚ' } })).toEqual(['Ñandú']);
  },
  'ieq, istartsWith, icontains and iendsWith fold Greek case: ΑΒΓ matches αβγ': async ({ store }) => {
    const labels = await seedLabels(store, ['ΑΒΓ', 'αβγ', 'ΑβΓ', 'ABΓ', 'ΣΟΦΙΑ', 'σοφια', 'Σοφία', 'ΩΜΕΓΑ']);
    expect(await labels({ label: { ieq: 'αβγ' } })).toEqual(['ΑΒΓ', 'αβγ', 'ΑβΓ']);
    expect(await labels({ label: { ieq: 'ΑΒΓ' } })).toEqual(['ΑΒΓ', 'αβγ', 'ΑβΓ']);
    expect(await labels({ label: { ieq: 'ΣΟΦΙΑ' } })).toEqual(['ΣΟΦΙΑ', 'σοφια']);
    expect(await labels({ label: { istartsWith: 'σο' } })).toEqual(['ΣΟΦΙΑ', 'σοφια', 'Σοφία']);
    expect(await labels({ label: { icontains: 'ΒΓ' } })).toEqual(['ΑΒΓ', 'αβγ', 'ΑβΓ']);
    expect(await labels({ label: { iendsWith: 'μεγα' } })).toEqual(['ΩΜΕΓΑ']);
  },
  'ieq, istartsWith, icontains and iendsWith fold Cyrillic case: ПРИВЕТ matches привет': async ({
    store,
  }) => {
    const labels = await seedLabels(store, [
      'ПРИВЕТ',
      'привет',
      'Привет',
      'ПРИВЕТ МИР',
      'ЁЖ',
      'ёж',
      'ЕЖ',
      'PRIVET',
    ]);
    expect(await labels({ label: { ieq: 'привет' } })).toEqual(['ПРИВЕТ', 'привет', 'Привет']);
    expect(await labels({ label: { ieq: 'ПРИВЕТ' } })).toEqual(['ПРИВЕТ', 'привет', 'Привет']);
    expect(await labels({ label: { istartsWith: 'при' } })).toEqual([
      'ПРИВЕТ',
      'привет',
      'Привет',
      'ПРИВЕТ МИР',
    ]);
    expect(await labels({ label: { iendsWith: 'мир' } })).toEqual(['ПРИВЕТ МИР']);
    expect(await labels({ label: { icontains: 'ВЕТ' } })).toEqual([
      'ПРИВЕТ',
      'привет',
      'Привет',
      'ПРИВЕТ МИР',
    ]);
    expect(await labels({ label: { ieq: 'ёж' } })).toEqual(['ЁЖ', 'ёж']);
  },
  'case-insensitive operators fold one character to one character, beyond the BMP too (𐐀 matches 𐐨)': async ({
    store,
  }) => {
    const labels = await seedLabels(store, [
      '𐐀𐐁',
      '𐐨𐐩',
      'ＡＢＣ',
      'ａｂｃ',
      'ẞ',
      'ß',
      'ǅ',
      'ǆ',
      'İstanbul',
      'istanbul',
    ]);
    expect(await labels({ label: { ieq: '𐐨𐐩' } })).toEqual(['𐐀𐐁', '𐐨𐐩']);
    expect(await labels({ label: { istartsWith: '𐐀' } })).toEqual(['𐐀𐐁', '𐐨𐐩']);
    expect(await labels({ label: { ieq: 'ａｂｃ' } })).toEqual(['ＡＢＣ', 'ａｂｃ']);
    expect(await labels({ label: { ieq: 'ß' } })).toEqual(['ẞ', 'ß']);
    expect(await labels({ label: { ieq: 'ǆ' } })).toEqual(['ǅ', 'ǆ']);
    // İ lower-cases to two code points (i + U+0307): the one-to-one folding leaves it as it is.
    expect(await labels({ label: { ieq: 'İSTANBUL' } })).toEqual(['İstanbul']);
    expect(await labels({ label: { ieq: 'ISTANBUL' } })).toEqual(['istanbul']);
  },
  'case-insensitive operators do not fold accents or different letters': async ({ store }) => {
    const labels = await seedLabels(store, ['resume', 'résumé', 'RÉSUMÉ', 'RESUME']);
    expect(await labels({ label: { ieq: 'résumé' } })).toEqual(['résumé', 'RÉSUMÉ']);
    expect(await labels({ label: { ieq: 'resume' } })).toEqual(['resume', 'RESUME']);
  },
  'gt, gte, lt and lte on strings follow code-point order: Z < a < é < 中 < ～ < 😀': async ({ store }) => {
    const values = ['Z', 'a', 'é', '😀', '～', '中', 'A', 'a ', '', 'aa', '\u007F', '\u00A0'];
    const labels = await seedLabels(store, values);
    const expected = (keep: (v: string) => boolean) => values.filter(keep);
    expect(await labels({ label: { gt: 'Z' } })).toEqual(expected((v) => compareCodePoints(v, 'Z') > 0));
    expect(await labels({ label: { lt: 'é' } })).toEqual(expected((v) => compareCodePoints(v, 'é') < 0));
    expect(await labels({ label: { gte: 'a', lt: '中' } })).toEqual(
      expected((v) => compareCodePoints(v, 'a') >= 0 && compareCodePoints(v, '中') < 0),
    );
    // U+FF5E is above every UTF-16 surrogate but below U+1F600 by code point.
    expect(await labels({ label: { gt: '～' } })).toEqual(['😀']);
    expect(await labels({ label: { lte: '～', gt: '中' } })).toEqual(['～']);
    expect(await labels({ label: { gt: '' } })).toEqual(values.filter((v) => v !== ''));
  },
  'string operators on a text property behave as on a string property': async ({ store }) => {
    const { match } = await seed(
      store,
      ['Hello', 'hello', 'a ', 'a', '100%', '1000', 'ПРИВЕТ'].map((body) => ({ body })),
      'label',
    );
    const bodies = (where: SampleWhere) => match(where, (r) => r.body);
    expect(await bodies({ body: 'hello' })).toEqual(['hello']);
    expect(await bodies({ body: 'a' })).toEqual(['a']);
    expect(await bodies({ body: { startsWith: '100%' } })).toEqual(['100%']);
    expect(await bodies({ body: { ieq: 'привет' } })).toEqual(['ПРИВЕТ']);
    expect(await bodies({ body: { gt: 'Hello', lt: 'a' } })).toEqual([]);
    expect(await bodies({ body: { gte: 'a', lt: 'hello' } })).toEqual(['a ', 'a']);
  },

  'isNull: true matches only NULL and false only non-NULL, on every type': async ({ store }) => {
    const { match } = await seed(store, [
      { label: 'x', int: 0, big: 0n, real: 0, money: '0', flag: false, at: new Date(0), doc: 0 },
      { label: '', int: 1, big: 1n, real: 1, money: '1', flag: true, at: new Date(1), doc: {} },
      {},
    ]);
    for (const field of ['label', 'int', 'big', 'real', 'money', 'flag', 'at', 'doc'] as const) {
      expect(await match({ [field]: { isNull: true } }, (r) => r[field])).toEqual([null]);
      expect(await match({ [field]: { isNull: false } }, (r) => r[field] === null)).toEqual([false, false]);
    }
  },
  'eq null means IS NULL and ne null means IS NOT NULL': async ({ store }) => {
    const labels = await seedLabels(store, ['x', '', null]);
    expect(await labels({ label: null })).toEqual([null]);
    expect(await labels({ label: { eq: null } })).toEqual([null]);
    expect(await labels({ label: { ne: null } })).toEqual(['x', '']);
    const { match } = await seed(store, [{ int: 5 }, { int: null }, { at: new Date(0) }]);
    expect(await match({ int: null }, (r) => r.int)).toEqual([null, null]);
    expect(await match({ int: { ne: null } }, (r) => r.int)).toEqual([5]);
    expect(await match({ at: { eq: null } }, (r) => r.int)).toEqual([5, null]);
  },
  'ne and nin never match NULL rows': async ({ store }) => {
    const labels = await seedLabels(store, ['a', 'b', null]);
    expect(await labels({ label: { ne: 'a' } })).toEqual(['b']);
    expect(await labels({ label: { nin: ['a'] } })).toEqual(['b']);
    const { match } = await seed(store, [
      { int: 1 },
      { int: 2 },
      { int: null },
      { flag: true },
      { flag: false },
    ]);
    expect(await match({ int: { ne: 1 } }, (r) => r.int)).toEqual([2]);
    expect(await match({ int: { nin: [1] } }, (r) => r.int)).toEqual([2]);
    expect(await match({ flag: { ne: true } }, (r) => r.flag)).toEqual([false]);
  },
  'in with an empty array matches nothing; nin with an empty array matches every non-NULL row': async ({
    store,
  }) => {
    const { match } = await seed(store, [
      { label: 'a', int: 1, doc: { k: 1 } },
      { label: 'b', int: 2, doc: { other: 1 } },
      {},
    ]);
    expect(await match({ label: { in: [] } }, (r) => r.label)).toEqual([]);
    expect(await match({ label: { nin: [] } }, (r) => r.label)).toEqual(['a', 'b']);
    expect(await match({ int: { in: [] } }, (r) => r.int)).toEqual([]);
    expect(await match({ int: { nin: [] } }, (r) => r.int)).toEqual([1, 2]);
    expect(await match({ doc: { path: 'k', in: [] } }, (r) => r.label)).toEqual([]);
    expect(await match({ doc: { path: 'k', nin: [] } }, (r) => r.label)).toEqual(['a']);
  },
  '$and, $or and $not compose, including $or nested inside $and': async ({ store }) => {
    const { match } = await seed(store, [
      { label: 'a', int: 1 },
      { label: 'b', int: 2 },
      { label: 'a', int: 3 },
      { label: 'b', int: 4 },
      { label: 'a', int: 5 },
      { label: 'c', int: 6 },
    ]);
    const ints = (where: SampleWhere) => match(where, (r) => r.int);
    expect(await ints({ $or: [{ int: 1 }, { int: { gte: 5 } }] })).toEqual([1, 5, 6]);
    expect(await ints({ $and: [{ $or: [{ label: 'a' }, { int: 6 }] }, { int: { gt: 1 } }] })).toEqual([
      3, 5, 6,
    ]);
    expect(await ints({ label: 'b', $or: [{ int: 1 }, { int: 4 }] })).toEqual([4]);
    expect(await ints({ $not: { int: { in: [1, 2] } } })).toEqual([3, 4, 5, 6]);
    expect(await ints({ $not: { $or: [{ label: 'a' }, { int: 2 }] } })).toEqual([4, 6]);
    expect(await ints({ $not: { $not: { label: 'c' } } })).toEqual([6]);
    expect(await ints({ $or: [{ $and: [{ label: 'a' }, { int: { gt: 1 } }] }, { label: 'c' }] })).toEqual([
      3, 5, 6,
    ]);
    expect(
      await ints({ $and: [{ $or: [{ int: 1 }, { int: 2 }] }, { $or: [{ int: 2 }, { int: 3 }] }] }),
    ).toEqual([2]);
    expect(await ints({ $or: [] })).toEqual([]);
    expect(await ints({ $and: [] })).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await ints({ $or: [{ label: 'c' }] })).toEqual([6]);
    expect(await ints({ label: 'a', int: { gte: 3 } })).toEqual([3, 5]);
  },

  'integer filters: eq, ne, ranges, in and nin up to the 32-bit limits': async ({ store }) => {
    const values = [-(2 ** 31), -1, 0, 1, 2 ** 31 - 1, null];
    const { match } = await seed(
      store,
      values.map((int) => ({ int })),
    );
    const ints = (where: SampleWhere['int']) => match({ int: where }, (r) => r.int);
    expect(await ints({ eq: 0 })).toEqual([0]);
    expect(await ints({ gt: 0 })).toEqual([1, 2 ** 31 - 1]);
    expect(await ints({ lte: -1 })).toEqual([-(2 ** 31), -1]);
    expect(await ints({ gte: -1, lt: 1 })).toEqual([-1, 0]);
    expect(await ints({ in: [-(2 ** 31), 2 ** 31 - 1] })).toEqual([-(2 ** 31), 2 ** 31 - 1]);
    expect(await ints({ nin: [0] })).toEqual([-(2 ** 31), -1, 1, 2 ** 31 - 1]);
    expect(await ints({ ne: 2 ** 31 - 1 })).toEqual([-(2 ** 31), -1, 0, 1]);
  },
  'bigint filters compare exactly across the 64-bit range': async ({ store }) => {
    const max = 2n ** 63n - 1n;
    const min = -(2n ** 63n);
    const p53 = 2n ** 53n;
    const values = [min, -(p53 + 1n), -p53, 0n, p53, p53 + 1n, max, null];
    const { match } = await seed(
      store,
      values.map((big) => ({ big })),
    );
    const bigs = (where: SampleWhere['big']) => match({ big: where }, (r) => r.big);
    expect(await bigs({ gt: p53 })).toEqual([p53 + 1n, max]);
    expect(await bigs({ lt: -p53 })).toEqual([min, -(p53 + 1n)]);
    expect(await bigs({ gte: '-9007199254740993', lte: '-9007199254740992' })).toEqual([-(p53 + 1n), -p53]);
    expect(await bigs({ in: [p53 + 1n, min] })).toEqual([min, p53 + 1n]);
    expect(await bigs({ eq: max })).toEqual([max]);
    expect(await bigs({ eq: 0 })).toEqual([0n]);
    expect(await bigs({ ne: p53 })).toEqual([min, -(p53 + 1n), -p53, 0n, p53 + 1n, max]);
    expect(await bigs({ nin: [min, max] })).toEqual([-(p53 + 1n), -p53, 0n, p53, p53 + 1n]);
  },
  'double filters compare exact IEEE values': async ({ store }) => {
    const values = [0.1, 0.2, 0.1 + 0.2, 0.3, 5e-324, -1.5, 1e308, 0, null];
    const { match } = await seed(
      store,
      values.map((real) => ({ real })),
    );
    const reals = (where: SampleWhere['real']) => match({ real: where }, (r) => r.real);
    expect(await reals({ eq: 0.3 })).toEqual([0.3]);
    expect(await reals({ eq: 0.1 + 0.2 })).toEqual([0.1 + 0.2]);
    expect(await reals({ gt: 0.3 })).toEqual([0.1 + 0.2, 1e308]);
    expect(await reals({ gt: 0, lt: 0.1 })).toEqual([5e-324]);
    expect(await reals({ lt: 0 })).toEqual([-1.5]);
    expect(await reals({ eq: -0 })).toEqual([0]);
    expect(await reals({ in: [0.1, 1e308] })).toEqual([0.1, 1e308]);
  },
  'decimal filters compare numerically: "10.5" > "9.75"': async ({ store }) => {
    const values = ['9.75', '10.5', '-2', '-10.5', '0.0001', '100', '0', '-0.0001', null];
    const { match } = await seed(
      store,
      values.map((money) => ({ money })),
    );
    const money = (where: SampleWhere['money']) => match({ money: where }, (r) => r.money);
    expect(await money({ gt: '9.75' })).toEqual(['10.5000', '100.0000']);
    expect(await money({ lt: '0' })).toEqual(['-2.0000', '-10.5000', '-0.0001']);
    expect(await money({ eq: '10.50' })).toEqual(['10.5000']);
    expect(await money({ eq: '-0' })).toEqual(['0.0000']);
    expect(await money({ gte: '-2', lte: '10.5' })).toEqual([
      '9.7500',
      '10.5000',
      '-2.0000',
      '0.0001',
      '0.0000',
      '-0.0001',
    ]);
    expect(await money({ in: ['9.75', '-2.0'] })).toEqual(['9.7500', '-2.0000']);
    expect(await money({ gt: '-0.001', lt: '0.001' })).toEqual(['0.0001', '0.0000', '-0.0001']);
    expect(await money({ ne: '0' })).toHaveLength(7);
  },
  'boolean filters: false does not match NULL': async ({ store }) => {
    const { match } = await seed(store, [{ flag: true }, { flag: false }, { flag: null }]);
    const flags = (where: SampleWhere) => match(where, (r) => r.flag);
    expect(await flags({ flag: false })).toEqual([false]);
    expect(await flags({ flag: { eq: true } })).toEqual([true]);
    expect(await flags({ flag: { ne: true } })).toEqual([false]);
    expect(await flags({ flag: { in: [true, false] } })).toEqual([true, false]);
    expect(await flags({ flag: { isNull: true } })).toEqual([null]);
  },
  'datetime filters select ranges with millisecond precision, from year 1 to 9999': async ({ store }) => {
    const iso = [
      '2024-05-01T12:00:00.000Z',
      '2024-05-01T12:00:00.001Z',
      '2024-05-01T12:00:00.999Z',
      '2024-05-01T12:00:01.000Z',
      '0001-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
      '1969-12-31T23:59:59.999Z',
    ];
    const { match } = await seed(store, [...iso.map((s) => ({ at: new Date(s) })), { at: null }]);
    const ats = (where: SampleWhere['at']) => match({ at: where }, (r) => r.at?.toISOString() ?? null);
    const d = (s: string) => new Date(s);
    expect(await ats({ gte: d('2024-05-01T12:00:00.001Z'), lt: d('2024-05-01T12:00:01.000Z') })).toEqual([
      '2024-05-01T12:00:00.001Z',
      '2024-05-01T12:00:00.999Z',
    ]);
    expect(await ats({ eq: d('2024-05-01T12:00:00.999Z') })).toEqual(['2024-05-01T12:00:00.999Z']);
    expect(await ats({ gt: d('2024-05-01T12:00:00.000Z'), lte: d('2024-05-01T12:00:00.001Z') })).toEqual([
      '2024-05-01T12:00:00.001Z',
    ]);
    expect(await ats({ lt: d('1970-01-01T00:00:00.000Z') })).toEqual([
      '0001-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
    ]);
    expect(await ats({ gt: d('9999-12-31T23:59:59.998Z') })).toEqual(['9999-12-31T23:59:59.999Z']);
    expect(await ats({ in: [d('0001-01-01T00:00:00.000Z'), d('2024-05-01T12:00:01.000Z')] })).toEqual([
      '2024-05-01T12:00:01.000Z',
      '0001-01-01T00:00:00.000Z',
    ]);
    expect(await ats({ ne: d('2024-05-01T12:00:00.000Z') })).toHaveLength(6);
  },
  'uuid filters: eq and in accept any case, ranges follow code-point order': async ({ store }) => {
    const input = [
      '00000000-0000-1000-8000-ffffffffffff',
      'ffffffff-0000-1000-8000-000000000000',
      '9fffffff-ffff-4fff-bfff-ffffffffffff',
      'a0000000-0000-4000-8000-000000000000',
    ].map((id) => `${id.slice(0, 24)}${crypto.randomUUID().slice(24)}`);
    const { match } = await seed(
      store,
      input.map((id) => ({ id })),
    );
    const found = (where: SampleWhere['id']) => match({ id: where }, (r) => r.id);
    const [a, b, c, d] = input as [string, string, string, string];
    expect(await found(a.toUpperCase())).toEqual([a]);
    expect(await found({ in: [b.toUpperCase(), c] })).toEqual([b, c]);
    expect(await found({ gt: c })).toEqual([b, d]);
    expect(await found({ lt: c.toUpperCase() })).toEqual([a]);
    expect(await found({ nin: [a, d] })).toEqual([b, c]);
  },

  'JSON path eq, ne, in and nin on strings and numbers': async ({ store }) => {
    const docs = await seedDocs(store, [
      { k: 'a', n: 1 },
      { k: 'b', n: 2 },
      { k: 'A', n: 10 },
      { k: 1, n: '1' },
      { other: true },
      null,
    ]);
    const ks = async (where: SampleWhere['doc']) =>
      (await docs(where)).map((d) => (d as { k?: JsonValue } | null)?.k ?? null);
    expect(await ks({ path: 'k', eq: 'a' })).toEqual(['a']);
    expect(await ks({ path: 'k', ne: 'a' })).toEqual(['b', 'A', 1]);
    expect(await ks({ path: 'k', in: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(await ks({ path: 'k', nin: ['a'] })).toEqual(['b', 'A', 1]);
    expect(await ks({ path: 'k', in: ['A', 1] })).toEqual(['A', 1]);
    expect(await ks({ path: 'n', eq: 1 })).toEqual(['a']);
    expect(await ks({ path: 'n', eq: '1' })).toEqual([1]);
    expect(await ks({ path: 'n', in: [1, 10] })).toEqual(['a', 'A']);
    expect(await ks({ path: 'n', nin: [1] })).toEqual(['b', 'A', 1]);
    expect(await ks({ path: 'n', ne: 2 })).toEqual(['a', 'A', 1]);
  },
  'JSON numeric ranges on a path compare numbers numerically and ignore other types': async ({ store }) => {
    const values: JsonValue[] = [2, 10, -1.5, 0.5, 1e300, -1e300, '3', '10', true, null, 2 ** 53, 0.1];
    const docs = await seedDocs(
      store,
      values.map((n) => ({ n })),
    );
    const ns = async (where: SampleWhere['doc']) => (await docs(where)).map((d) => (d as { n: JsonValue }).n);
    expect(await ns({ path: 'n', gt: 1 })).toEqual([2, 10, 1e300, 2 ** 53]);
    expect(await ns({ path: 'n', lte: 2 })).toEqual([2, -1.5, 0.5, -1e300, 0.1]);
    expect(await ns({ path: 'n', gte: 2, lt: 10 })).toEqual([2]);
    expect(await ns({ path: 'n', gt: 9, lte: 2 ** 53 })).toEqual([10, 2 ** 53]);
    expect(await ns({ path: 'n', eq: 2 ** 53 })).toEqual([2 ** 53]);
    expect(await ns({ path: 'n', eq: 0.1 })).toEqual([0.1]);
    expect(await ns({ path: 'n', gt: -2, lt: 0 })).toEqual([-1.5]);
  },
  'JSON string ranges on a path follow code-point order and ignore other types': async ({ store }) => {
    const values: JsonValue[] = ['a', 'b', 'c', 'B', 'é', '😀', '～', '10', '9', 5, true];
    const docs = await seedDocs(
      store,
      values.map((s) => ({ s })),
    );
    const ss = async (where: SampleWhere['doc']) => (await docs(where)).map((d) => (d as { s: JsonValue }).s);
    expect(await ss({ path: 's', gt: 'b' })).toEqual(['c', 'é', '😀', '～']);
    expect(await ss({ path: 's', lt: 'b' })).toEqual(['a', 'B', '10', '9']);
    expect(await ss({ path: 's', gt: '～' })).toEqual(['😀']);
    expect(await ss({ path: 's', gte: '10', lte: '9' })).toEqual(['10', '9']);
  },
  'JSON comparisons are typed: 1 does not match "1", true does not match 1': async ({ store }) => {
    const values: JsonValue[] = [1, '1', true, false, 0, null, 'true', [1], { v: 1 }];
    const docs = await seedDocs(
      store,
      values.map((v) => ({ v })),
    );
    const vs = async (where: SampleWhere['doc']) => (await docs(where)).map((d) => (d as { v: JsonValue }).v);
    expect(await vs({ path: 'v', eq: 1 })).toEqual([1]);
    expect(await vs({ path: 'v', eq: '1' })).toEqual(['1']);
    expect(await vs({ path: 'v', eq: true })).toEqual([true]);
    expect(await vs({ path: 'v', eq: false })).toEqual([false]);
    expect(await vs({ path: 'v', eq: 0 })).toEqual([0]);
    expect(await vs({ path: 'v', eq: 'true' })).toEqual(['true']);
    expect(await vs({ path: 'v', in: [1, true] })).toEqual([1, true]);
    expect(await vs({ path: 'v', ne: 1 })).toEqual(['1', true, false, 0, null, 'true', [1], { v: 1 }]);
    expect(await vs({ path: 'v', nin: [true, '1'] })).toEqual([1, false, 0, null, 'true', [1], { v: 1 }]);
    expect(await vs({ path: 'v', gte: 1 })).toEqual([1]);
  },
  'a JSON filter without a path compares the whole value': async ({ store }) => {
    const docs = await seedDocs(store, ['x', 5, true, { a: 1 }, ['x'], '5']);
    expect(await docs({ eq: 'x' })).toEqual(['x']);
    expect(await docs({ eq: 5 })).toEqual([5]);
    expect(await docs({ gt: 1 })).toEqual([5]);
    expect(await docs({ eq: true })).toEqual([true]);
    expect(await docs({ in: ['5', true] })).toEqual([true, '5']);
    expect(await docs({ contains: 'x' })).toEqual([['x']]);
  },
  'JSON exists is true for a present path (even holding JSON null) and false for a missing one': async ({
    store,
  }) => {
    const docs = await seedDocs(store, [
      { a: null },
      { a: 1 },
      { a: { b: false } },
      { b: 1 },
      [1],
      'a',
      null,
    ]);
    expect(await docs({ path: 'a', exists: true })).toEqual([{ a: null }, { a: 1 }, { a: { b: false } }]);
    expect(await docs({ path: 'a', exists: false })).toEqual([{ b: 1 }, [1], 'a', null]);
    expect(await docs({ path: 'a.b', exists: true })).toEqual([{ a: { b: false } }]);
    expect(await docs({ path: [0], exists: true })).toEqual([[1]]);
  },
  'JSON nested paths: a dotted string and an array of keys and indexes select the same value': async ({
    store,
  }) => {
    const first = {
      w: 1,
      list: [{ x: 1 }, { x: 2 }],
      m: [
        [1, 2],
        [3, 5],
      ],
      obj: { '0': 'zero' },
      arr: ['first'],
      s: 'str',
      a: { b: { c: 5 } },
    };
    const second = {
      w: 2,
      list: [{ x: 2 }],
      m: [[2], [3, 4]],
      obj: ['zero'],
      arr: { '0': 'first' },
      s: ['str'],
      a: 5,
    };
    const docs = await seedDocs(store, [first, second]);
    const which = async (where: SampleWhere['doc']) => (await docs(where)).map((d) => (d as { w: number }).w);
    expect(await which({ path: 'a.b.c', eq: 5 })).toEqual([1]);
    expect(await which({ path: ['a', 'b', 'c'], eq: 5 })).toEqual([1]);
    expect(await which({ path: 'a', eq: 5 })).toEqual([2]);
    expect(await which({ path: 'list.1.x', eq: 2 })).toEqual([1]);
    expect(await which({ path: ['list', 1, 'x'], eq: 2 })).toEqual([1]);
    expect(await which({ path: ['list', 0, 'x'], eq: 2 })).toEqual([2]);
    expect(await which({ path: ['m', 1, 0], eq: 3 })).toEqual([1, 2]);
    expect(await which({ path: 'm.1.1', gt: 4 })).toEqual([1]);
    expect(await which({ path: ['list', 5, 'x'], exists: true })).toEqual([]);
    // A number segment only indexes an array; a string segment only names an object key.
    expect(await which({ path: ['obj', '0'], eq: 'zero' })).toEqual([1]);
    expect(await which({ path: ['obj', 0], eq: 'zero' })).toEqual([2]);
    expect(await which({ path: ['arr', 0], eq: 'first' })).toEqual([1]);
    expect(await which({ path: ['arr', '0'], eq: 'first' })).toEqual([2]);
    expect(await which({ path: ['obj', 0], exists: true })).toEqual([2]);
    // An index into a scalar selects nothing (it does not wrap the scalar in an array).
    expect(await which({ path: ['s', 0], eq: 'str' })).toEqual([2]);
    expect(await which({ path: ['a', 0], eq: 5 })).toEqual([]);
  },
  'JSON paths reach unicode keys and, in the array form, keys containing dots, quotes and spaces': async ({
    store,
  }) => {
    const first = {
      w: 1,
      ключ: 'значение',
      鍵: { '🔑': 'x' },
      'a.b': 2,
      a: { b: 3 },
      "it's": 'apostrophe',
      'with space': 's',
      $: 'dollar',
      '[0]': 'bracket',
      'back\\slash': 'b',
      'say "hi"': 'quoted',
      'new\nline': 'n',
      '\\': 'lone backslash',
    };
    const second = { w: 2, a: { b: 2 }, ключ: 'другое', 鍵: { '🔑': 'y' } };
    const docs = await seedDocs(store, [first, second]);
    const which = async (where: SampleWhere['doc']) => (await docs(where)).map((d) => (d as { w: number }).w);
    expect(await which({ path: 'ключ', eq: 'значение' })).toEqual([1]);
    expect(await which({ path: ['鍵', '🔑'], eq: 'x' })).toEqual([1]);
    expect(await which({ path: '鍵.🔑', in: ['x', 'y'] })).toEqual([1, 2]);
    expect(await which({ path: ['a.b'], eq: 2 })).toEqual([1]);
    expect(await which({ path: 'a.b', eq: 2 })).toEqual([2]);
    expect(await which({ path: 'a.b', eq: 3 })).toEqual([1]);
    expect(await which({ path: ["it's"], eq: 'apostrophe' })).toEqual([1]);
    expect(await which({ path: ['with space'], exists: true })).toEqual([1]);
    expect(await which({ path: ['$'], eq: 'dollar' })).toEqual([1]);
    expect(await which({ path: ['[0]'], eq: 'bracket' })).toEqual([1]);
    expect(await which({ path: ['back\\slash'], eq: 'b' })).toEqual([1]);
    expect(await which({ path: ['say "hi"'], eq: 'quoted' })).toEqual([1]);
    expect(await which({ path: ['new\nline'], eq: 'n' })).toEqual([1]);
    expect(await which({ path: ['\\'], eq: 'lone backslash' })).toEqual([1]);
  },
  'JSON contains matches an array element of the same type, on the property and at a path': async ({
    store,
  }) => {
    const values: JsonValue[] = [
      [1, 2, 3],
      ['1', '2'],
      [true],
      [[1]],
      [{ a: 1 }],
      { tags: ['ops', 'dev'] },
      { tags: 'ops' },
      { tags: ['OPS'] },
      { tags: [['ops']] },
      { tags: { ops: true } },
      { nested: { tags: ['ops', 2.5] } },
      [],
      1,
    ];
    const docs = await seedDocs(store, values);
    expect(await docs({ contains: 1 })).toEqual([[1, 2, 3]]);
    expect(await docs({ contains: '1' })).toEqual([['1', '2']]);
    expect(await docs({ contains: true })).toEqual([[true]]);
    expect(await docs({ path: 'tags', contains: 'ops' })).toEqual([{ tags: ['ops', 'dev'] }]);
    expect(await docs({ path: 'tags', contains: 'OPS' })).toEqual([{ tags: ['OPS'] }]);
    expect(await docs({ path: 'nested.tags', contains: 'ops' })).toEqual([
      { nested: { tags: ['ops', 2.5] } },
    ]);
    expect(await docs({ path: ['nested', 'tags'], contains: 2.5 })).toEqual([
      { nested: { tags: ['ops', 2.5] } },
    ]);
    expect(await docs({ path: 'tags', contains: 'op' })).toEqual([]);
  },
  'isNull on a JSON property matches SQL NULL only, not JSON values that look empty': async ({ store }) => {
    const docs = await seedDocs(store, [null, {}, [], 0, '', false, 'null']);
    expect(await docs({ isNull: true })).toEqual([null]);
    expect(await docs({ isNull: false })).toEqual([{}, [], 0, '', false, 'null']);
    await expectError(store.repo(Sample).find({ doc: { path: 'a', isNull: true } }), ValidationError);
  },

  'a filter value of undefined or an empty operator object is refused with ValidationError; nothing is read or deleted':
    async ({ store }) => {
      const repo = store.repo(Sample);
      const tag = newTag();
      await repo.insertMany([
        { label: tag, int: 1 },
        { label: tag, int: 2 },
      ]);
      const total = await repo.count();
      const refused: unknown[] = [
        { label: undefined },
        { label: { eq: undefined } },
        { label: { ne: undefined } },
        { label: {} },
        { int: { gte: 1, lt: undefined } },
        { label: tag, int: undefined },
        { $and: [{ label: undefined }] },
        { $or: [{ label: tag }, { int: {} }] },
        { $not: { label: undefined } },
      ];
      for (const where of refused) {
        const what = JSON.stringify(where, (_, v) => (v === undefined ? '<undefined>' : v));
        await expectError(repo.find(where as never), ValidationError).catch((error: unknown) => {
          throw new Error(`find(${what}): ${String(error)}`);
        });
        await expectError(repo.count(where as never), ValidationError).catch((error: unknown) => {
          throw new Error(`count(${what}): ${String(error)}`);
        });
        await expectError(repo.deleteMany(where as never), ValidationError).catch((error: unknown) => {
          throw new Error(`deleteMany(${what}): ${String(error)}`);
        });
      }
      expect(await repo.count({ label: tag })).toBe(2);
      expect(await repo.count()).toBe(total);
    },
  '{ $and: [] } matches every row: count({ $and: [] }) equals count()': async ({ store }) => {
    const repo = store.repo(Sample);
    await repo.insert({ label: newTag() });
    const total = await repo.count();
    expect(total).toBeGreaterThan(0);
    expect(await repo.count({ $and: [] })).toBe(total);
  },
  'an unknown property or operator is refused with ValidationError': async ({ store }) => {
    const repo = store.repo(Sample);
    const refused: unknown[] = [
      { nope: 1 },
      { label: { foo: 'x' } },
      { label: { $eq: 'x' } },
      { int: { like: '1%' } },
      { int: { startsWith: '1' } },
      { at: { contains: 'x' } },
      { doc: { foo: 1 } },
      { doc: { path: 'a', like: 'x' } },
      { doc: 'x' },
      { doc: { path: 'a', eq: null } },
      { doc: { path: 'a', eq: { b: 1 } } },
      { doc: { path: 'a', gt: true } },
      { doc: { path: ['a', -1], eq: 1 } },
      { doc: { path: 'a..b', eq: 1 } },
      { $nor: [] },
      { $or: { label: 'x' } },
      'label = 1',
      [{ label: 'x' }],
    ];
    for (const where of refused) {
      await expectError(repo.find(where as never), ValidationError);
      await expectError(repo.count(where as never), ValidationError);
    }
  },
  'an operand of the wrong type, with NUL or with a lone surrogate is refused with ValidationError': async ({
    store,
  }) => {
    const repo = store.repo(Sample);
    const refused: unknown[] = [
      { int: { gt: 'abc' } },
      { int: 1.5 },
      { int: { in: 'x' } },
      { big: { eq: 1.5 } },
      { real: { lt: Number.NaN } },
      { money: { gt: 'ten' } },
      { flag: { eq: 1 } },
      { at: { gt: '2024-01-01' } },
      { at: { gt: new Date(Number.NaN) } },
      { id: 'not-a-uuid' },
      { label: { gt: null } },
      { label: 'a\u0000' },
      { label: { in: ['ok', 'a\u0000'] } },
      { label: { startsWith: '\u0000' } },
      { label: { icontains: 'x\u0000' } },
      { label: { like: 'a\uD800' } },
      { label: { contains: 5 } },
      { doc: { path: 'a', eq: 'x\u0000' } },
      { doc: { path: 'a', eq: '\uDC00' } },
      { doc: { path: ['a\u0000'], exists: true } },
      { doc: { path: 'a', eq: Number.POSITIVE_INFINITY } },
    ];
    for (const where of refused) await expectError(repo.find(where as never), ValidationError);
  },
  'an undefined or null element inside $and or $or is refused; nothing is deleted': async ({ store }) => {
    const tag = newTag();
    await store.repo(Sample).insertMany([{ label: tag }, { label: tag }]);
    const unset: { label?: string } | undefined = undefined;
    for (const where of [{ $and: [unset as never] }, { $or: [{ label: tag }, null as never] }]) {
      await expectError(store.repo(Sample).deleteMany(where), ValidationError);
      await expectError(store.repo(Sample).count(where), ValidationError);
    }
    expect(await store.repo(Sample).count({ label: tag })).toBe(2);
  },
});

import { ConfigurationError, type SearchPage, type Store, ValidationError } from '@switchyard/core';
import { expect } from 'vitest';
import { Article, Sample } from '../conformance-schema.ts';
import { corpus, corpusSubset } from '../search/search-corpus.ts';
import {
  type ArticleRow,
  type ArticleSearchOptions,
  expectResults,
  type KeyedHit,
  type SeededCorpus,
  searchAll,
  seedCorpus,
} from '../search/search-harness.ts';
import { settleSearch } from '../search/search-settle.ts';
import { defineSuite } from '../suite-definition.ts';
import { expectError } from './expect-error.ts';
import { compareCodePoints, newTag } from './suite-helpers.ts';

/**
 * Full-text search (DESIGN §5) over the hand-written corpus of `search-corpus.ts`. Every expected
 * result is written by hand from the rules; each test seeds its own tenant, so tests sharing the
 * suite's database never see each other's documents.
 */

type Cases = readonly (readonly [query: string, expected: readonly string[]])[];

const APPLE = ['d01', 'd03', 'd05'];
const WIDGET = ['d40', 'd41', 'd42', 'd43', 'd45', 'd46', 'd48', 'd49'];
const WIDGET_PREFIX = [...WIDGET, 'd47'].sort();
const AND = ['d01', 'd03', 'd05', 'd15', 'd21', 'd29', 'd34'];

export const andCases: Cases = [
  ['apple', APPLE],
  ['banana', ['d02', 'd03', 'd05']],
  ['apple banana', ['d03', 'd05']],
  ['banana apple', ['d03', 'd05']],
  ['butter', ['d01', 'd02']],
  ['apple butter', ['d01']],
  ['apple cherry banana', ['d05']],
  ['apple cinnamon pie', ['d01']],
  // Words may match in different fields: "smoothie" in the title, "yogurt" in the body.
  ['smoothie yogurt', ['d03']],
  ['apple durian', []],
  ['  apple\t\n banana  ', ['d03', 'd05']],
];

export const orCases: Cases = [
  ['apple OR cherry', ['d01', 'd03', 'd04', 'd05']],
  ['cinnamon OR yogurt OR kiwi', ['d01', 'd03', 'd05']],
  ['bread OR tart', ['d02', 'd04']],
  ['apple butter OR cherry almond', ['d01', 'd04']],
  ['durian OR kiwi', ['d05']],
  // Only uppercase OR is the operator: "or" and "Or" are words (d33 has "or", but no apple).
  ['apple or cherry', []],
  ['apple Or cherry', []],
  ['or', ['d33']],
  ['apple OR', APPLE],
  ['OR apple', APPLE],
  ['apple OR OR cherry', ['d01', 'd03', 'd04', 'd05']],
];

export const exclusionCases: Cases = [
  ['banana -apple', ['d02']],
  ['apple -banana', ['d01']],
  ['apple -cherry', ['d01', 'd03']],
  ['banana -"apple banana"', ['d02', 'd05']],
  ['apple -(banana OR cherry)', ['d01']],
  ['apple -(banana cherry)', ['d01', 'd03']],
  ['apple -durian', APPLE],
  // Excluding what is ignored, or what matches nothing, excludes nothing.
  ['apple -🍕', APPLE],
  ['banana -(-apple)', ['d02', 'd03', 'd05']],
  // No positive term: nothing.
  ['-apple', []],
  ['-apple -banana', []],
  ['-"apple pie"', []],
  ['-(apple OR banana)', []],
  ['(-apple)', []],
  // `a OR -b` is `a`: a group without a positive term matches nothing.
  ['apple OR -banana', APPLE],
  ['-banana OR apple', APPLE],
];

export const phraseCases: Cases = [
  ['"apple pie"', ['d01']],
  ['"APPLE PIE"', ['d01']],
  ['"pie apple"', []],
  ['"banana bread"', ['d02']],
  ['"apple banana"', ['d03']],
  ['"apple, banana"', ['d03']],
  ['"cherry banana"', ['d05']],
  ['"banana and"', ['d03', 'd05']],
  ['"cinnamon and butter"', ['d01']],
  ['"cinnamon butter"', []],
  ['"apple"', APPLE],
  ['"pie recipe" "bake apple"', ['d01']],
  // Never across fields: each title ends where its body starts.
  ['"bread ripe"', []],
  ['"recipe bake"', []],
  ['"tart cherry"', []],
  ['"smoothie blend"', []],
  // An unclosed quote runs to the end; an empty phrase is ignored.
  ['"apple pie', ['d01']],
  ['apple "pie', ['d01']],
  ['"" apple', APPLE],
];

export const prefixCases: Cases = [
  ['app*', APPLE],
  ['APP*', APPLE],
  ['ban*', ['d02', 'd03', 'd05', 'd31']],
  ['cher*', ['d04', 'd05']],
  ['widget', WIDGET],
  ['widgets', ['d46', 'd47']],
  ['widget*', WIDGET_PREFIX],
  ['widget**', WIDGET_PREFIX],
  ['caf*', ['d08', 'd09', 'd12']],
  ['café*', ['d08', 'd09', 'd12']],
  ['stra*', ['d13', 'd14']],
  ['straß*', ['d13', 'd14']],
  ['haupt*', ['d13']],
  ['quartz*', ['d36', 'd37']],
  ['x*', ['d34', 'd54']],
  ['東*', ['d16']],
  ['서*', ['d19']],
  ['한국*', ['d19']],
  ['app* -pie', ['d03', 'd05']],
  ['"app*"', []],
  // `*` on a word that normalises to several tokens is ignored: the word is a phrase.
  ['2.0*', ['d25', 'd26']],
  ['2.0.1*', ['d25']],
  ['e-m*', []],
  ['e-mail*', ['d23']],
  // `*` in the middle of a word is a separator; a lone `*` is nothing.
  ['apple*pie', ['d01']],
  ['*', []],
  ['**', []],
];

export const groupingCases: Cases = [
  ['(apple OR cherry) banana', ['d03', 'd05']],
  ['(apple OR cherry) (banana OR almond)', ['d03', 'd04', 'd05']],
  ['butter (pie OR bread)', ['d01', 'd02']],
  ['(apple (pie OR smoothie)) OR tart', ['d01', 'd03', 'd04']],
  ['(cherry OR butter) -(apple OR banana)', ['d04']],
  ['((apple))', APPLE],
  ['(((apple OR (cherry almond))))', ['d01', 'd03', 'd04', 'd05']],
  // A group with nothing searchable in it is ignored, like a word without tokens; one with only
  // exclusions matches nothing.
  ['apple ()', APPLE],
  ['apple (🍕)', APPLE],
  ['apple (-banana)', []],
  ['apple -()', APPLE],
  ['() OR apple', APPLE],
  // An unclosed parenthesis closes at the end; an unmatched one is ignored.
  ['(apple OR cherry', ['d01', 'd03', 'd04', 'd05']],
  ['apple) OR (cherry', ['d01', 'd03', 'd04', 'd05']],
  [')apple(', APPLE],
  [')apple', APPLE],
];

export const caseCases: Cases = [
  ['hello', ['d06', 'd07']],
  ['HELLO', ['d06', 'd07']],
  ['HeLLo WoRlD', ['d06', 'd07']],
  ['"HELLO WORLD"', ['d06', 'd07']],
  ['capitals', ['d06']],
  ['Capitals', ['d06']],
  ['MIXED CASE', ['d07']],
  ['APPLE', APPLE],
];

export const diacriticCases: Cases = [
  ['café', ['d08', 'd09', 'd12']],
  ['cafe', ['d08', 'd09', 'd12']],
  ['CAFÉ', ['d08', 'd09', 'd12']],
  ['cafe\u0301', ['d08', 'd09', 'd12']],
  ['creme', ['d08', 'd09']],
  ['crème', ['d08', 'd09']],
  ['"café crème"', ['d08', 'd09']],
  ['résumé', ['d10', 'd11']],
  ['resume', ['d10', 'd11']],
  ['RÉSUMÉ', ['d10', 'd11']],
  ['naive', ['d10', 'd11']],
  ['naïve', ['d10', 'd11']],
  ['zoe', ['d10', 'd11']],
  ['Zoë', ['d10', 'd11']],
  ['lodz', ['d10', 'd11']],
  ['Łódź', ['d10', 'd11']],
  ['ŁÓDŹ', ['d10', 'd11']],
  ['plait', ['d08']],
  ['plaît', ['d08']],
  ['decomposed', ['d12']],
];

export const sharpSCases: Cases = [
  ['strasse', ['d13', 'd14']],
  ['straße', ['d13', 'd14']],
  ['STRASSE', ['d13', 'd14']],
  ['STRAẞE', ['d13', 'd14']],
  ['groß', ['d13', 'd14']],
  ['gross', ['d13', 'd14']],
  ['hauptstrasse', ['d13']],
  ['Hauptstraße', ['d13']],
  ['maß', ['d15']],
  ['mass', ['d15']],
  ['masse', ['d15']],
  ['mas', []],
];

export const cjkCases: Cases = [
  ['東京', ['d16']],
  ['京', ['d16', 'd17', 'd18']],
  ['京都', ['d17']],
  ['首都', ['d16', 'd18']],
  ['都', ['d16', 'd17', 'd18']],
  ['都 -京都', ['d16', 'd18']],
  ['東 京', ['d16']],
  ['"京 東"', []],
  ['日本', ['d16']],
  ['の', ['d16', 'd18']],
  ['地図 OR 古い', ['d16', 'd17']],
  // Hangul is not ideographs or kana: a run of it is one word.
  ['서울', ['d19']],
  ['서', []],
  ['한국', []],
  ['한국의', ['d19']],
];

export const nfkcCases: Cases = [
  ['fullwidth', ['d20']],
  ['ＦＵＬＬＷＩＤＴＨ', ['d20']],
  ['letters', ['d20']],
  ['"fullwidth letters"', ['d20']],
  ['file', ['d20']],
  ['ﬁle', ['d20']],
  ['ligature', ['d20']],
];

export const emojiCases: Cases = [
  ['🍕', []],
  ['😀', []],
  ['❤️', []],
  ['🍕 😀 🍺', []],
  ['pizza', ['d21']],
  ['pizza 🍕', ['d21']],
  ['pizza🍕', ['d21']],
  ['🍕pizza🍕', ['d21']],
  ['🍕 OR beer', ['d21']],
  ['night', ['d21']],
  ['emoji', ['d22']],
  ['"pizza night"', ['d21']],
  // "I ❤️ pizza and 🍺 beer": the emoji are gone, so "i pizza" and "and beer" are phrases in it.
  ['"i pizza"', ['d21']],
  ['"and beer"', ['d21']],
  ['"pizza beer"', []],
];

export const splitWordCases: Cases = [
  ['e-mail', ['d23']],
  ['E-Mail', ['d23']],
  ['"e mail"', ['d23']],
  ['e mail', ['d23']],
  ['email', ['d23', 'd24']],
  ['mail', ['d23', 'd33']],
  ['email -e-mail', ['d24']],
  ['2.0.1', ['d25']],
  ['2.0.10', ['d25', 'd26']],
  ['2.0', ['d25', 'd26']],
  ['1', ['d25']],
  ['10', ['d25', 'd26']],
  ['release 2.0.1', ['d25']],
  ["o'reilly", ['d27']],
  ['O’Reilly', ['d27']],
  ["O'Reilly's", ['d27']],
  ['reilly', ['d27']],
  ['oreilly', []],
  ["don't", ['d27']],
  ['dont', []],
  ['snake_case', ['d28']],
  ['snake', ['d28']],
  ['snakecase', []],
  ['camelcase', ['d28']],
  ['"case names"', ['d28']],
  ['objective-c', ['d30']],
  ['objective c', ['d30']],
  ['www.example.com', ['d33']],
  ['info@example.com', ['d33']],
];

export const cPlusPlusCases: Cases = [
  ['c++', ['d29', 'd30']],
  ['C#', ['d29', 'd30']],
  ['c', ['d29', 'd30']],
  ['c++ -objective', ['d29']],
  ['"c++ templates"', ['d29']],
  ['"c++ and c#"', ['d29']],
  ['c# generics', ['d29']],
];

export const shortWordCases: Cases = [
  ['the', ['d31']],
  ['THE who', ['d31']],
  ['"the who"', ['d31']],
  ['is', ['d32']],
  ['"it is"', ['d32']],
  ['"what it is"', ['d32']],
  ['it', ['d11', 'd32']],
  ['com', ['d33']],
  ['example com', ['d33']],
  ['a', ['d02', 'd31', 'd34', 'd35']],
  ['A band', ['d31']],
  ['x', ['d34']],
  ['"y z"', ['d34']],
  ['go', ['d34']],
  ['js', ['d34']],
  ['Go JS', ['d34']],
  ['i', ['d21', 'd35']],
  ['o', ['d27', 'd35']],
  ['s', ['d08', 'd27']],
  ['t', ['d27']],
  ['e', ['d23']],
  ['and', AND],
  ['in', ['d05', 'd06', 'd07', 'd10', 'd11', 'd14', 'd47']],
  ['un', ['d08']],
  ['au', ['d08']],
  // Text that looks like an index token is a word like any other: "x61" is not "a".
  ['x61', ['d54']],
  ['x6170706c65', ['d54']],
  ['zzz', ['d54']],
  ['sysep', ['d54']],
  ['"zzz sysep"', ['d54']],
];

const LONG = 10_000;

export const hostileCases: Cases = [
  // SQL fragments are words like any other.
  ["'; DROP TABLE sy_article; --", []],
  ["apple' OR '1'='1", APPLE],
  ['apple" OR 1=1 --', []],
  ["1' UNION SELECT id FROM sy_article --", []],
  ['apple; DELETE FROM sy_article', []],
  ['apple/**/OR/**/1=1', []],
  // Other engines' syntax is punctuation here.
  ['apple:*', APPLE],
  ['apple & banana | cherry', ['d05']],
  ['+apple -banana', ['d01']],
  ['{apple} <banana> ~cherry', ['d05']],
  ['title:apple', []],
  ['apple NEAR banana', []],
  ['NEAR(', []],
  ['NEAR(apple, banana)', []],
  ['apple NOT banana', []],
  ['NOT', ['d23']],
  ['AND', AND],
  ['apple AND banana', ['d03', 'd05']],
  // Lone operators and unbalanced syntax.
  ['OR', []],
  ['OR OR', []],
  ['-', []],
  ['- apple', APPLE],
  ['apple -', APPLE],
  ['"', []],
  ['"""', []],
  ["'", []],
  ['(', []],
  [')', []],
  ['(((', []],
  [')))', []],
  ['()', []],
  ['-()', []],
  ['%', []],
  ['_', []],
  ['apple %', APPLE],
  ['apple_', APPLE],
  ['@@@apple', APPLE],
  // Backslashes.
  ['\\', []],
  ['\\\\\\', []],
  ['apple\\', APPLE],
  ['\\"apple\\"', APPLE],
  ['apple \\" banana', ['d03', 'd05']],
  // Control characters and a lone surrogate.
  ['apple\u0000', APPLE],
  ['\u0000', []],
  ['\ud800apple', APPLE],
  // Ten thousand characters and more.
  ['apple '.repeat(1700), APPLE],
  ['apple OR cherry '.repeat(700), ['d01', 'd03', 'd04', 'd05']],
  [`apple ${'x'.repeat(LONG)}`, APPLE],
  ['a'.repeat(LONG), []],
  ['('.repeat(LONG), []],
  [')'.repeat(LONG), []],
  ['"'.repeat(LONG + 1), []],
  ['-'.repeat(LONG), []],
  ['*'.repeat(LONG), []],
  ['\\'.repeat(LONG), []],
  [`${'('.repeat(20)}apple${')'.repeat(20)}`, APPLE],
  // Many terms.
  [
    [...Array.from({ length: 40 }, (_, i) => `nomatch${i}`), 'apple', 'cherry'].join(' OR '),
    ['d01', 'd03', 'd04', 'd05'],
  ],
  [Array.from({ length: 30 }, () => 'apple').join(' '), APPLE],
  [[...Array.from({ length: 30 }, (_, i) => `-nomatch${i}`), 'apple'].join(' '), APPLE],
];

/** Seeds the whole corpus under a new tenant. */
const seedAll = (store: Store) => seedCorpus(store, corpus);

/** A test that seeds the whole corpus and checks `cases`. */
function casesTest(cases: Cases) {
  return {
    needs: ['search'] as const,
    run: async ({ store }: { store: Store }) => expectResults(await seedAll(store), cases),
  };
}

const byKey = (hits: readonly KeyedHit[], key: string): KeyedHit => {
  const hit = hits.find((h) => h.key === key);
  if (!hit) throw new Error(`${key} is not among the hits (${hits.map((h) => h.key).join(', ')})`);
  return hit;
};

/** Every page of `query` with `limit`, as keys; checks that every page but the last is full. */
async function pagesOf(
  store: Store,
  seeded: SeededCorpus,
  query: string,
  limit: number,
  options: ArticleSearchOptions = {},
): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: SearchPage<ArticleRow> = await store.search(Article, query, {
      ...options,
      tenant: seeded.tenant,
      limit,
      cursor,
    });
    pages.push(page.hits.map((h) => seeded.keyOf(h.item.id)));
    if (page.nextCursor === null) break;
    expect(page.hits).toHaveLength(limit);
    cursor = page.nextCursor;
    if (pages.length > 1000) throw new Error('pagination does not end');
  }
  return pages;
}

export const searchSuite = defineSuite('search', {
  'words are ANDed: every word must match, in any field': casesTest(andCases),
  'OR (uppercase only) between groups matches either side': casesTest(orCases),
  'exclusion: -word, -"phrase" and -( … ) remove matches; a query or group without a positive term finds nothing':
    casesTest(exclusionCases),
  'a phrase matches consecutive tokens within one field, never across title and body': casesTest(phraseCases),
  'word* matches every token starting with it; * on a word of several tokens is ignored':
    casesTest(prefixCases),
  'parentheses group and nest; an unclosed one closes at the end, an unmatched one is ignored':
    casesTest(groupingCases),
  'matching is case-insensitive': casesTest(caseCases),
  'Latin diacritics are ignored, precomposed or decomposed, and letters with a stroke match their base':
    casesTest(diacriticCases),
  'ß and ẞ match ss': casesTest(sharpSCases),
  'each CJK ideograph or kana is a token of its own; a Hangul word is one token': casesTest(cjkCases),
  'NFKC: fullwidth letters and ligatures match their plain form': casesTest(nfkcCases),
  'emoji and symbols are dropped from documents and queries alike': casesTest(emojiCases),
  'hyphens, dots, apostrophes, @ and underscores split words, and such a word is a phrase':
    casesTest(splitWordCases),
  'c++ and C# are the word c': casesTest(cPlusPlusCases),
  'one- and two-letter words and the, is, com, a, and are searchable: no stopwords, no minimum length':
    casesTest(shortWordCases),
  'hostile input never fails and never injects: SQL, unbalanced syntax, lone operators, backslashes, 10,000 characters':
    {
      needs: ['search'],
      run: async ({ store }) => {
        const seeded = await seedAll(store);
        await expectResults(seeded, hostileCases);
        // Nothing was dropped or deleted, and search still works.
        expect(await store.repo(Article).count({ tenant: seeded.tenant })).toBe(corpus.length);
        expect(await seeded.keys('apple')).toEqual(APPLE);
        // With highlights too (they are computed from the query as well).
        for (const [query] of hostileCases) {
          const page = await store.search(Article, query, {
            tenant: seeded.tenant,
            highlight: true,
            limit: 5,
          });
          for (const hit of page.hits) {
            expect(Object.keys(hit.highlights ?? {}).sort()).toEqual(['body', 'title']);
          }
        }
      },
    },
  'ranking: under OR a document matching every term ranks above one matching fewer': {
    needs: ['search'],
    run: async ({ store }) => {
      const seeded = await seedAll(store);
      for (const query of ['garnet OR topaz', 'topaz OR garnet', '(garnet OR topaz) gemstone']) {
        const hits = await seeded.hits(query);
        expect(
          hits.map((h) => h.key),
          query,
        ).toEqual(['d38', 'd39']);
        expect((hits[0] as KeyedHit).relevance).toBeGreaterThan((hits[1] as KeyedHit).relevance);
      }
    },
  },
  'ranking: a match in the title ranks above the same match in the body': {
    needs: ['search'],
    run: async ({ store }) => {
      const seeded = await seedAll(store);
      for (const query of ['quartz', 'QUARTZ', 'quartz notes', 'quartz filler', 'quartz*']) {
        const hits = await seeded.hits(query);
        expect(
          hits.map((h) => h.key),
          query,
        ).toEqual(['d36', 'd37']);
        expect((hits[0] as KeyedHit).relevance).toBeGreaterThan((hits[1] as KeyedHit).relevance);
      }
    },
  },
  'ranking: equal relevance comes in id order': {
    needs: ['search'],
    run: async ({ store }) => {
      const seeded = await seedAll(store);
      const twins = ['d50', 'd51', 'd52', 'd53'];
      const byId = [...twins].sort((a, b) => compareCodePoints(seeded.idOf(a), seeded.idOf(b)));
      for (const query of ['twin', 'identical', '"twin document"', 'twin OR identical', 'twin*']) {
        const hits = await seeded.hits(query);
        expect(
          hits.map((h) => h.key),
          query,
        ).toEqual(byId);
        expect(new Set(hits.map((h) => h.relevance)).size, query).toBe(1);
      }
    },
  },
  "tenant scoping: another tenant's documents are never returned; a missing tenant is a ValidationError": {
    needs: ['search'],
    run: async ({ store }) => {
      const fruit = corpusSubset(['d01', 'd02', 'd03', 'd04', 'd05']);
      const a = await seedCorpus(store, fruit);
      // A tenant value is data, never SQL.
      const b = await seedCorpus(
        store,
        [...fruit, { key: 'b06', title: 'Apple strudel', body: 'Only in tenant B.' }],
        `b'"\\; --${newTag()}`,
      );
      const aHits = await a.hits('apple');
      expect(aHits.map((h) => h.key).sort()).toEqual(APPLE);
      expect(aHits.map((h) => h.hit.item.tenant)).toEqual([a.tenant, a.tenant, a.tenant]);
      expect(await b.keys('apple')).toEqual(['b06', ...APPLE]);
      expect(await a.keys('strudel')).toEqual([]);
      expect(await b.keys('strudel')).toEqual(['b06']);
      // A tenant with no documents finds nothing; filtering on another tenant finds nothing.
      const empty = await store.search(Article, 'apple', { tenant: newTag() });
      expect(empty).toEqual({ hits: [], nextCursor: null });
      expect(await a.keys('apple', { where: { tenant: b.tenant } })).toEqual([]);
      // A missing tenant never means "all tenants".
      await expectError(store.search(Article, 'apple'), ValidationError);
      await expectError(store.search(Article, 'apple', {}), ValidationError);
      await expectError(store.search(Article, 'apple', { tenant: undefined }), ValidationError);
      await expectError(store.search(Article, 'apple', { tenant: null as never }), ValidationError);
      await expectError(store.search(Article, 'apple', { where: { tenant: a.tenant } }), ValidationError);
      await expectError(store.search(Article, '-apple'), ValidationError);
    },
  },
  'where filters combine with search: tag, rank ranges, null, $and and $or': {
    needs: ['search'],
    run: async ({ store }) => {
      const seeded = await seedAll(store);
      const cases: [string, ArticleSearchOptions['where'], string[]][] = [
        ['widget', { tag: 'red' }, ['d40', 'd42', 'd46', 'd49']],
        ['widget', { tag: 'blue' }, ['d41', 'd43', 'd48']],
        ['widget*', { tag: 'blue' }, ['d41', 'd43', 'd47', 'd48']],
        ['widget', { tag: { in: ['red', 'blue'] } }, ['d40', 'd41', 'd42', 'd43', 'd46', 'd48', 'd49']],
        ['widget', { tag: 'green' }, []],
        ['widget', { rank: { gte: 2, lte: 7 } }, ['d41', 'd42', 'd43', 'd46']],
        ['widget', { rank: { gt: 8 } }, ['d48', 'd49']],
        ['widget', { rank: { isNull: true } }, ['d45']],
        ['widget', { tag: null }, ['d45']],
        ['widget', { $and: [{ tag: 'red' }, { rank: { lt: 5 } }] }, ['d40', 'd42']],
        ['widget', { $or: [{ tag: 'blue' }, { rank: 1 }] }, ['d40', 'd41', 'd43', 'd48']],
        ['widget', { $not: { title: { startsWith: 'Widget' } } }, ['d42']],
        ['widget OR gizmo', { tag: 'red' }, ['d40', 'd42', 'd44', 'd46', 'd49']],
        ['widget*', { title: { startsWith: 'Widget' } }, ['d40', 'd41', 'd43', 'd45', 'd46', 'd48', 'd49']],
        ['apple', { tag: 'fruit', rank: { gte: 3 } }, ['d03', 'd05']],
        ['-widget', { tag: 'red' }, []],
      ];
      const wrong: unknown[] = [];
      for (const [query, where, expected] of cases) {
        const actual = await seeded.keys(query, { where });
        if (JSON.stringify(actual) !== JSON.stringify(expected))
          wrong.push({ query, where, expected, actual });
      }
      expect(wrong).toEqual([]);
      // The filter is validated like any repository filter.
      await expectError(
        store.search(Article, 'widget', { tenant: seeded.tenant, where: { nosuch: 1 } as never }),
        ValidationError,
      );
    },
  },
  'a filter on a property whose name a full-text engine also uses (rank) filters the rows': {
    needs: ['search'],
    run: async ({ store }) => {
      // SQLite's FTS5 table has a hidden column named rank in the same query as the entity's.
      const seeded = await seedCorpus(store, [
        { key: 'r1', title: 'Quokka one', body: null, rank: 1 },
        { key: 'r2', title: 'Quokka two', body: null, rank: 2 },
        { key: 'r3', title: 'Quokka three', body: null, rank: 3 },
        { key: 'rn', title: 'Quokka none', body: null },
      ]);
      expect((await seeded.ordered('quokka', { where: { rank: { gte: 2 } } })).sort()).toEqual(['r2', 'r3']);
      expect(await seeded.ordered('quokka', { where: { rank: null } })).toEqual(['rn']);
      const paged = await pagesOf(store, seeded, 'quokka', 1, { where: { rank: { lt: 3 } } });
      expect(paged.flat().sort()).toEqual(['r1', 'r2']);
    },
  },
  'cursor pagination: pages concatenate to the full ordered list, without duplicates or gaps': {
    needs: ['search'],
    run: async ({ store }) => {
      const seeded = await seedAll(store);
      const cases: [string, ArticleSearchOptions, string[]][] = [
        ['widget*', {}, WIDGET_PREFIX],
        ['widget', {}, WIDGET],
        ['and', {}, AND],
        ['twin', {}, ['d50', 'd51', 'd52', 'd53']],
        ['widget* OR twin OR apple', {}, [...WIDGET_PREFIX, 'd50', 'd51', 'd52', 'd53', ...APPLE].sort()],
        ['widget*', { where: { tag: 'blue' } }, ['d41', 'd43', 'd47', 'd48']],
        ['widget*', { highlight: true }, WIDGET_PREFIX],
      ];
      for (const [query, options, expected] of cases) {
        const full = await seeded.ordered(query, options);
        expect([...full].sort(), query).toEqual(expected);
        for (const limit of [3, 1, 2, 4, expected.length, expected.length + 1]) {
          const pages = await pagesOf(store, seeded, query, limit, options);
          expect(pages.flat(), `${query}, pages of ${limit}`).toEqual(full);
          expect(pages.length, `${query}, pages of ${limit}`).toBe(
            Math.max(1, Math.ceil(expected.length / limit)),
          );
        }
      }
      // The default page size is 20.
      const bulk = await seedCorpus(
        store,
        Array.from({ length: 25 }, (_, i) => ({
          key: `k${String(i).padStart(2, '0')}`,
          title: 'Sprocket',
          body: null,
        })),
      );
      const first = await store.search(Article, 'sprocket', { tenant: bulk.tenant });
      expect(first.hits).toHaveLength(20);
      expect(first.nextCursor).not.toBeNull();
      const rest = await store.search(Article, 'sprocket', { tenant: bulk.tenant, cursor: first.nextCursor });
      expect(rest.hits).toHaveLength(5);
      expect(rest.nextCursor).toBeNull();
    },
  },
  'a search cursor of another query, filter or tenant, a garbage cursor and a limit outside 1–1000 are ValidationErrors':
    {
      needs: ['search'],
      run: async ({ store }) => {
        const seeded = await seedAll(store);
        const other = await seedCorpus(store, corpusSubset(['d40', 'd41', 'd42', 'd43']));
        const tenant = seeded.tenant;
        const { nextCursor } = await store.search(Article, 'widget', { tenant, limit: 2 });
        expect(nextCursor).not.toBeNull();
        const cursor = nextCursor as string;
        const misuses: [string, Parameters<Store['search']>[2]][] = [
          ['widget*', { tenant, cursor }],
          ['widget gadget', { tenant, cursor }],
          ['widget', { tenant, cursor, where: { tag: 'red' } }],
          ['widget', { tenant: other.tenant, cursor }],
        ];
        for (const [query, options] of misuses) {
          await expectError(store.search(Article, query, { limit: 2, ...options }), ValidationError);
        }
        const garbage = [
          'garbage',
          '%%%',
          Buffer.from('{}').toString('base64url'),
          Buffer.from('null').toString('base64url'),
          Buffer.from('{"r":"x","i":1}').toString('base64url'),
          Buffer.from(JSON.stringify({ f: 'x', r: 1, i: crypto.randomUUID() })).toString('base64url'),
        ];
        for (const bad of garbage) {
          await expectError(
            store.search(Article, 'widget', { tenant, limit: 2, cursor: bad }),
            ValidationError,
          );
        }
        for (const limit of [0, -1, 1.5, 1001, Number.NaN]) {
          await expectError(store.search(Article, 'widget', { tenant, limit }), ValidationError);
        }
        expect((await store.search(Article, 'widget', { tenant, limit: 1000 })).hits).toHaveLength(
          WIDGET.length,
        );
        await expectError(
          store.search(Article, 'widget', { tenant, highlight: { snippetTokens: 0 } }),
          ValidationError,
        );
        // The same query, filter and tenant continue.
        const next = await store.search(Article, 'widget', { tenant, limit: 100, cursor });
        expect(next.hits).toHaveLength(WIDGET.length - 2);
      },
    },
  'insert, update and delete are visible to search after commit; a rolled-back write never is': {
    needs: ['search'],
    run: async ({ store, openStore }) => {
      const seeded = await seedCorpus(store, corpusSubset(['d01', 'd02', 'd03', 'd04', 'd05']));
      const repo = store.repo(Article);
      const reader = await openStore();
      const keysElsewhere = async (query: string) =>
        (await searchAll(reader, query, { tenant: seeded.tenant }))
          .map((h) => seeded.keyOf(h.item.id))
          .sort();

      await repo.update(seeded.idOf('d02'), { title: 'Mango bread' });
      await expectResults(seeded, [
        ['mango', ['d02']],
        ['banana', ['d02', 'd03', 'd05']],
        ['"banana bread"', []],
        ['"mango bread"', ['d02']],
      ]);
      await repo.update(seeded.idOf('d02'), { body: 'Ripe mango, flour, butter.' });
      await expectResults(seeded, [
        ['banana', ['d03', 'd05']],
        ['mango', ['d02']],
        ['loaf', []],
      ]);
      // A write that does not touch a searchable field keeps the document, and the hit shows it.
      await repo.update(seeded.idOf('d02'), { rank: 42 });
      const [mango] = await seeded.hits('mango');
      expect(mango?.hit.item).toMatchObject({ title: 'Mango bread', rank: 42 });

      expect(await repo.delete(seeded.idOf('d03'))).toBe(true);
      await expectResults(seeded, [
        ['apple', ['d01', 'd05']],
        ['smoothie', []],
      ]);
      await seeded.add([{ key: 'n01', title: 'Apple crumble', body: 'Oats on top.' }]);
      await expectResults(seeded, [
        ['apple', ['d01', 'd05', 'n01']],
        ['crumble oats', ['n01']],
      ]);
      expect(await keysElsewhere('apple')).toEqual(['d01', 'd05', 'n01']);

      // Written in a transaction: visible once it commits, to this store and to another one.
      await store.transaction(async (tx) => {
        await tx.repo(Article).update(seeded.idOf('d01'), { title: 'Pear pie recipe' });
        const row = await tx
          .repo(Article)
          .insert({ tenant: seeded.tenant, title: 'Pear sorbet', body: null });
        seeded.register('n02', row.id);
      });
      await expectResults(seeded, [
        ['pear', ['d01', 'n02']],
        ['"apple pie"', ['d01']],
        ['"apple pie recipe"', []],
      ]);
      expect(await keysElsewhere('pear')).toEqual(['d01', 'n02']);

      // Rolled back: never visible.
      await expect(
        store.transaction(async (tx) => {
          await tx.repo(Article).insert({ tenant: seeded.tenant, title: 'Plum jam', body: 'Plum.' });
          await tx.repo(Article).update(seeded.idOf('d04'), { title: 'Plum tart' });
          await tx.repo(Article).delete(seeded.idOf('d05'));
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      await expectResults(seeded, [
        ['plum', []],
        ['cherry', ['d04', 'd05']],
        ['kiwi', ['d05']],
      ]);
      expect(await keysElsewhere('plum')).toEqual([]);

      // upsert of an existing row, and deleteMany.
      await repo.upsert({ id: seeded.idOf('d05'), tenant: seeded.tenant, title: 'Tropical salad' });
      await expectResults(seeded, [
        ['tropical', ['d05']],
        ['fruit', []],
        ['kiwi', ['d05']],
      ]);
      expect(await repo.deleteMany({ tenant: seeded.tenant, tag: 'fruit' })).toBe(4);
      await expectResults(seeded, [
        ['apple', ['n01']],
        ['pear', ['n02']],
        ['mango OR cherry OR tropical', []],
      ]);
      expect(await keysElsewhere('apple OR pear')).toEqual(['n01', 'n02']);
    },
  },
  'search inside a transaction sees what was committed before it, and its own writes once committed': {
    needs: ['search'],
    run: async ({ store }) => {
      const seeded = await seedCorpus(store, corpusSubset(['d01', 'd02', 'd03', 'd04', 'd05']));
      const tenant = seeded.tenant;
      const inside = await store.transaction(async (tx) => {
        const page = await store.search(Article, 'apple', { tenant, limit: 100 });
        await tx.repo(Article).insert({ tenant, title: 'Apple tart', body: null });
        // Whether the transaction's own write is visible here differs by backend: not checked.
        await store.search(Article, 'apple', { tenant, limit: 100 });
        return page.hits.map((h) => seeded.keyOf(h.item.id)).sort();
      });
      expect(inside).toEqual(APPLE);
      expect((await seeded.hits('apple')).length).toBe(4);
      expect((await seeded.hits('"apple tart"')).map((h) => h.hit.item.title)).toEqual(['Apple tart']);
    },
  },
  'reindex() after raw SQL writes restores exact results, and running it again changes nothing': {
    needs: ['search'],
    run: async ({ store, openStore }) => {
      const seeded = await seedCorpus(store, corpusSubset(['d01', 'd02', 'd03', 'd04', 'd05', 'd50', 'd51']));
      const tenant = seeded.tenant;
      const connection = store.orm.em.getConnection();
      const second = (await openStore()).orm.em.getConnection();
      // Rows changed behind the store's back: an update, an insert (no search document at all) and
      // a delete, on two connections.
      await connection.execute('UPDATE sy_article SET title = ? WHERE tenant = ? AND title = ?', [
        'Kiwi pie recipe',
        tenant,
        'Apple pie recipe',
      ]);
      const rawId = crypto.randomUUID();
      await second.execute('INSERT INTO sy_article (id, tenant, title, body) VALUES (?, ?, ?, ?)', [
        rawId,
        tenant,
        'Raw apple strudel',
        'Inserted by raw SQL.',
      ]);
      seeded.register('raw', rawId);
      await second.execute('DELETE FROM sy_article WHERE tenant = ? AND title = ?', [tenant, 'Cherry tart']);
      // A deleted row is never returned, reindexed or not.
      expect(await seeded.keys('cherry')).toEqual(['d05']);

      const indexed = await store.reindex(Article);
      await settleSearch();
      expect(indexed).toBeGreaterThanOrEqual(7);
      const cases: Cases = [
        ['kiwi', ['d01', 'd05']],
        ['"kiwi pie recipe"', ['d01']],
        ['"apple pie recipe"', []],
        ['"apple pie"', ['d01']],
        ['apple', ['d01', 'd03', 'd05', 'raw']],
        ['strudel', ['raw']],
        ['"raw sql"', ['raw']],
        ['tart', []],
        ['cherry', ['d05']],
        ['twin', ['d50', 'd51']],
      ];
      await expectResults(seeded, cases);
      const before = await Promise.all(cases.map(([q]) => seeded.hits(q)));
      expect(await store.reindex(Article, { batchSize: 3 })).toBe(indexed);
      await settleSearch();
      await expectResults(seeded, cases);
      const after = await Promise.all(cases.map(([q]) => seeded.hits(q)));
      expect(after.map((hits) => hits.map((h) => h.key))).toEqual(
        before.map((hits) => hits.map((h) => h.key)),
      );
      // Writes through the repository keep working on a row inserted by raw SQL.
      await store.repo(Article).update(rawId, { title: 'Raw pear strudel' });
      await expectResults(seeded, [
        ['pear', ['raw']],
        ['apple', ['d01', 'd03', 'd05']],
      ]);
      await expectError(store.reindex(Article, { batchSize: 0 }), ValidationError);
      await expectError(
        store.transaction(() => store.reindex(Article)),
        ValidationError,
      );
    },
  },
  'bulkInsert of 3,000 documents: every one searchable, with exact counts': {
    needs: ['search'],
    run: async ({ store }) => {
      const tenant = newTag();
      const total = 3000;
      async function* documents() {
        for (let i = 0; i < total; i++) {
          const words = [i % 3 === 0 ? 'fizz' : '', i % 5 === 0 ? 'buzz' : '', 'number', String(i)];
          yield { tenant, title: `Bulk item${i}`, body: words.filter(Boolean).join(' '), rank: i };
        }
      }
      expect(await store.repo(Article).bulkInsert(documents(), { batchSize: 700 })).toBe(total);
      await settleSearch();
      const numbers = async (query: string) =>
        (await searchAll(store, query, { tenant })).map((h) => h.item.rank as number).sort((a, b) => a - b);
      const upTo = (keep: (i: number) => boolean) => Array.from({ length: total }, (_, i) => i).filter(keep);
      expect(await numbers('fizz')).toEqual(upTo((i) => i % 3 === 0));
      expect(await numbers('buzz')).toEqual(upTo((i) => i % 5 === 0));
      expect(await numbers('fizz buzz')).toEqual(upTo((i) => i % 15 === 0));
      expect(await numbers('fizz OR buzz')).toEqual(upTo((i) => i % 3 === 0 || i % 5 === 0));
      expect(await numbers('buzz -fizz')).toEqual(upTo((i) => i % 5 === 0 && i % 3 !== 0));
      expect(await numbers('bulk')).toEqual(upTo(() => true));
      expect(await numbers('item1234')).toEqual([1234]);
      expect(await numbers('item2999 OR 17')).toEqual([17, 2999]);
      expect(await numbers('"number 42"')).toEqual([42]);
      expect(await numbers('item299*')).toEqual([
        299, 2990, 2991, 2992, 2993, 2994, 2995, 2996, 2997, 2998, 2999,
      ]);
      // Pages of 1000 through 3000 hits of (nearly) equal relevance.
      const pages = await searchAll(store, 'number', { tenant }, 1000);
      expect(pages).toHaveLength(total);

      // A failing batch writes neither rows nor documents; the batches before it stay, searchable.
      const partial = newTag();
      const rows = Array.from({ length: 10 }, (_, i) => ({
        tenant: partial,
        title: i === 5 ? (null as never) : `Partial ${i}`,
        rank: i,
      }));
      await expectError(store.repo(Article).bulkInsert(rows, { batchSize: 4 }), ValidationError);
      const survivors = await searchAll(store, 'partial', { tenant: partial });
      expect(survivors.map((h) => h.item.rank).sort()).toEqual([0, 1, 2, 3]);
      expect(await store.repo(Article).count({ tenant: partial })).toBe(4);
      await expectError(
        store.transaction(() => store.repo(Article).bulkInsert([{ tenant: partial, title: 'Inside' }])),
        ValidationError,
      );
    },
  },
  'highlights and snippets are exact ranges of the original text': {
    needs: ['search'],
    run: async ({ store }) => {
      const seeded = await seedCorpus(
        store,
        corpusSubset(['d01', 'd08', 'd10', 'd11', 'd12', 'd13', 'd16', 'd21', 'd33', 'd43', 'd45']),
      );
      const hitOf = async (query: string, key: string, highlight: ArticleSearchOptions['highlight'] = true) =>
        byKey(await seeded.hits(query, { highlight }), key).hit;

      expect(await hitOf('apple pie', 'd01')).toMatchObject({
        highlights: {
          title: [
            { start: 0, end: 5 },
            { start: 6, end: 9 },
          ],
          body: [
            { start: 5, end: 10 },
            { start: 11, end: 14 },
          ],
        },
        snippets: {
          title: {
            text: 'Apple pie recipe',
            highlights: [
              { start: 0, end: 5 },
              { start: 6, end: 9 },
            ],
          },
          body: {
            text: 'Bake apple pie with cinnamon and butter',
            highlights: [
              { start: 5, end: 10 },
              { start: 11, end: 14 },
            ],
          },
        },
      });
      // A phrase is one range; an excluded term is not highlighted.
      const phrase = await hitOf('"apple pie" -(butter cherry)', 'd01');
      expect(phrase.highlights).toEqual({ title: [{ start: 0, end: 9 }], body: [{ start: 5, end: 14 }] });
      const excluded = await hitOf('pie -(butter cherry)', 'd01');
      expect(excluded.highlights).toEqual({ title: [{ start: 6, end: 9 }], body: [{ start: 11, end: 14 }] });
      // Diacritics: the range covers the original characters.
      const resume = await hitOf('resume', 'd10', { snippetTokens: 2 });
      expect(resume.highlights).toEqual({ title: [{ start: 6, end: 12 }], body: [{ start: 14, end: 20 }] });
      expect(resume.snippets).toEqual({
        title: { text: 'Naïve résumé', highlights: [{ start: 6, end: 12 }] },
        body: { text: '…her résumé…', highlights: [{ start: 5, end: 11 }] },
      });
      const cafe = await hitOf('CAFÉ', 'd12');
      expect(cafe.highlights).toEqual({ title: [{ start: 0, end: 5 }], body: [] });
      expect(cafe.snippets).toEqual({
        title: { text: 'Cafe\u0301 decomposed', highlights: [{ start: 0, end: 5 }] },
        body: { text: 'Combining acute accent', highlights: [] },
      });
      expect((await hitOf('cafe', 'd08')).highlights).toEqual({
        title: [{ start: 0, end: 4 }],
        body: [{ start: 3, end: 7 }],
      });
      // A prefix marks the whole token.
      expect((await hitOf('straß*', 'd13')).highlights).toEqual({ title: [{ start: 0, end: 6 }], body: [] });
      // CJK and emoji: offsets are UTF-16 code units of the original text.
      expect((await hitOf('東京', 'd16')).highlights).toEqual({
        title: [{ start: 0, end: 2 }],
        body: [{ start: 0, end: 2 }],
      });
      const pizza = await hitOf('pizza', 'd21');
      expect(pizza.highlights).toEqual({ title: [{ start: 0, end: 5 }], body: [{ start: 5, end: 10 }] });
      expect(pizza.snippets?.body).toEqual({
        text: 'I ❤️ pizza and 🍺 beer',
        highlights: [{ start: 5, end: 10 }],
      });
      // A snippet cut at both ends.
      const info = await hitOf('info', 'd33', { snippetTokens: 3 });
      expect(info.highlights).toEqual({ title: [], body: [{ start: 30, end: 34 }] });
      expect(info.snippets).toEqual({
        title: { text: 'example.com', highlights: [] },
        body: { text: '…or mail info…', highlights: [{ start: 9, end: 13 }] },
      });
      // Repeated and overlapping matches: overlapping ranges merge, adjacent words do not.
      const widget = await hitOf('widget', 'd43', { snippetTokens: 2 });
      expect(widget.highlights).toEqual({
        title: [{ start: 0, end: 6 }],
        body: [
          { start: 0, end: 6 },
          { start: 7, end: 13 },
          { start: 14, end: 20 },
        ],
      });
      expect(widget.snippets?.body).toEqual({
        text: 'Widget widget…',
        highlights: [
          { start: 0, end: 6 },
          { start: 7, end: 13 },
        ],
      });
      const merged = await hitOf('widget "widget widget"', 'd43');
      expect(merged.highlights).toEqual({ title: [{ start: 0, end: 6 }], body: [{ start: 0, end: 20 }] });
      // A null field: no highlight, an empty snippet.
      const zeta = await hitOf('widget', 'd45');
      expect(zeta.highlights).toEqual({ title: [{ start: 0, end: 6 }], body: [] });
      expect(zeta.snippets?.body).toEqual({ text: '', highlights: [] });
      // Without `highlight`, hits carry neither.
      const plain = byKey(await seeded.hits('widget'), 'd43').hit;
      expect(plain.highlights).toBeUndefined();
      expect(plain.snippets).toBeUndefined();
    },
  },
  'a token of up to 40 bytes of UTF-8 is searchable and a longer one is dropped; a long document is searchable to its last word':
    {
      needs: ['search'],
      run: async ({ store }) => {
        const w40 = 'abcdefghij'.repeat(4);
        const w41 = `${w40}k`;
        const essay = Array.from({ length: 5000 }, (_, i) => `word${i}`).join(' ');
        const seeded = await seedCorpus(store, [
          { key: 't1', title: `Long ${w40}`, body: null },
          { key: 't2', title: `Longer ${w41}`, body: null },
          { key: 't3', title: 'Cyrillic', body: 'я'.repeat(20) },
          { key: 't4', title: 'Cyrillic too', body: 'я'.repeat(21) },
          { key: 't5', title: '… — !!!', body: '🍕 ❤️ ¿¡' },
          { key: 't6', title: 'Essay', body: essay },
        ]);
        await expectResults(seeded, [
          [w40, ['t1']],
          [w41, []],
          [`${w41} long`, ['t1']],
          ['abcdefghij*', ['t1']],
          [`${w40}*`, ['t1']],
          ['long', ['t1']],
          ['longer', ['t2']],
          ['я'.repeat(20), ['t3']],
          ['Я'.repeat(20), ['t3']],
          ['я'.repeat(21), []],
          ['яя*', ['t3']],
          ['cyrillic', ['t3', 't4']],
          ['word0', ['t6']],
          ['word4999', ['t6']],
          ['"word4998 word4999"', ['t6']],
          ['"word2500 word2501 word2502"', ['t6']],
          ['"word4999 word0"', []],
          ['word0 word2500 word4999', ['t6']],
          ['word499*', ['t6']],
          ['word5000', []],
          ['essay -word4999', []],
        ]);
        // The document without a single token is stored, and never found.
        expect(await store.repo(Article).count({ tenant: seeded.tenant })).toBe(6);
        const highlighted = byKey(
          await seeded.hits('"word4998 word4999"', { highlight: { snippetTokens: 2 } }),
          't6',
        );
        expect(highlighted.hit.snippets?.body).toEqual({
          text: '…word4998 word4999',
          highlights: [{ start: 1, end: 18 }],
        });
      },
    },
  'searching an entity that is not searchable is a ConfigurationError; a query that is not a string a ValidationError':
    {
      needs: ['search'],
      run: async ({ store }) => {
        await expectError(store.search(Sample, 'apple'), ConfigurationError);
        await expectError(store.reindex(Sample), ConfigurationError);
        const tenant = newTag();
        for (const query of [42, null, undefined, ['apple'], { q: 'apple' }]) {
          await expectError(store.search(Article, query as never, { tenant }), ValidationError);
        }
        expect(await store.search(Article, '', { tenant })).toEqual({ hits: [], nextCursor: null });
        expect(await store.search(Article, '   ', { tenant })).toEqual({ hits: [], nextCursor: null });
      },
    },
});

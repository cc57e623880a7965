import type { Store } from '@switchyard/core';
import fc from 'fast-check';
import { expect } from 'vitest';
import { referenceDocument, referenceMatch } from '../search/reference-matcher.ts';
import {
  type CorpusShape,
  corpusArbitrary,
  queryArbitrary,
  renderQuery,
} from '../search/search-generators.ts';
import { seedCorpus } from '../search/search-harness.ts';
import { defineSuite } from '../suite-definition.ts';

/**
 * Random queries over random documents, compared with the reference matcher of
 * `search/reference-matcher.ts` (written from DESIGN §5, independent of core). The seeds are
 * fixed, so every backend runs exactly the same corpora and queries: each backend equal to the
 * reference means all backends are equal to each other.
 */
const SEED = 0x5eac4;
/** Queries per corpus. */
const RUNS = 170;
/** Hits per page: small, so the random results are read through cursors too. */
const PAGE = 7;

const shapes: readonly CorpusShape[] = [
  { documents: 30, titleWords: [1, 3], bodyWords: [0, 6] },
  { documents: 30, titleWords: [1, 6], bodyWords: [0, 16] },
  { documents: 24, titleWords: [1, 2], bodyWords: [0, 3] },
];

async function matchesReference(store: Store, corpusIndex: number): Promise<void> {
  const shape = shapes[corpusIndex] as CorpusShape;
  const [documents] = fc.sample(corpusArbitrary(shape), { seed: SEED + corpusIndex, numRuns: 1 });
  if (!documents) throw new Error('no corpus generated');
  const seeded = await seedCorpus(
    store,
    documents.map((d) => ({ key: d.key, title: d.title, body: d.body })),
  );
  const reference = documents.map((d) => referenceDocument(d.key, [d.title, d.body]));
  let matched = 0;
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(queryArbitrary(documents), async (query) => {
      const text = renderQuery(query);
      const expected = referenceMatch(query, reference);
      const actual = (await seeded.hits(text, {}, PAGE)).map((h) => h.key).sort();
      expect(actual, `query ${JSON.stringify(text)}`).toEqual(expected);
      runs++;
      if (expected.length > 0) matched++;
    }),
    { seed: SEED + 100 + corpusIndex, numRuns: RUNS },
  );
  // The generators are not degenerate: a good share of the queries find something.
  expect(runs).toBe(RUNS);
  expect(matched).toBeGreaterThanOrEqual(RUNS / 4);
}

/** Characters the query language gives a meaning to, and ones that break naive parsers. */
const SYNTAX = [
  '"',
  '(',
  ')',
  '-',
  '*',
  ' ',
  'OR',
  'AND',
  'NEAR(',
  '\\',
  "'",
  ';',
  '%',
  '_',
  'é',
  'ß',
  '東',
  '🎉',
  'a',
  'b1',
];

/**
 * Any string is a query: arbitrary code units (lone surrogates and NUL included) and dense runs of
 * syntax never make search throw, and whatever it finds belongs to the searched tenant.
 */
async function anyStringIsAQuery(store: Store): Promise<void> {
  const [documents] = fc.sample(corpusArbitrary(shapes[0] as CorpusShape), { seed: SEED + 7, numRuns: 1 });
  if (!documents) throw new Error('no corpus generated');
  const seeded = await seedCorpus(
    store,
    documents.map((d) => ({ key: d.key, title: d.title, body: d.body })),
  );
  const keys = new Set(documents.map((d) => d.key));
  const query = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 120 }),
    fc.array(fc.constantFrom(...SYNTAX), { maxLength: 40 }).map((parts) => parts.join('')),
  );
  await fc.assert(
    fc.asyncProperty(query, async (text) => {
      for (const hit of await seeded.hits(text, {}, 50)) expect(keys.has(hit.key), hit.key).toBe(true);
    }),
    { seed: SEED + 200, numRuns: 200 },
  );
}

export const searchPropertySuite = defineSuite('search-properties', {
  'any string is a valid query: 200 random strings of code units and syntax never throw and stay in the tenant':
    {
      needs: ['search'],
      run: ({ store }) => anyStringIsAQuery(store),
    },
  'random queries over 30 short random documents find exactly what the reference matcher finds': {
    needs: ['search'],
    run: ({ store }) => matchesReference(store, 0),
  },
  'random queries over 30 long random documents find exactly what the reference matcher finds': {
    needs: ['search'],
    run: ({ store }) => matchesReference(store, 1),
  },
  'random queries over 24 random documents of a few words find exactly what the reference matcher finds': {
    needs: ['search'],
    run: ({ store }) => matchesReference(store, 2),
  },
});

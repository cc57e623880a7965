import type { Row, SearchHit, SearchOptions, Store } from '@switchyard/core';
import { expect } from 'vitest';
import { Article } from '../conformance-schema.ts';
import { compareCodePoints, newTag, shuffled } from '../suites/suite-helpers.ts';
import { settleSearch } from './search-settle.ts';

export type ArticleRow = Row<typeof Article>;
export type ArticleSearchOptions = Omit<SearchOptions<ArticleRow>, 'tenant' | 'cursor'>;

/** A document to insert, known by a key of the test's own choosing. */
export interface KeyedDocument {
  readonly key: string;
  readonly title: string;
  readonly body: string | null;
  readonly tag?: string | null;
  readonly rank?: number | null;
}

/** One hit, with the key of its document. */
export interface KeyedHit {
  readonly key: string;
  readonly relevance: number;
  readonly hit: SearchHit<ArticleRow>;
}

/**
 * Reads every page of a search (`limit` hits each) and checks what holds for any result list:
 * every page but the last is full, no document twice, relevance never increases, and equal
 * relevance comes in id order.
 */
export async function searchAll(
  store: Store,
  query: string,
  options: SearchOptions<ArticleRow> & { tenant: string },
  limit = 1000,
): Promise<SearchHit<ArticleRow>[]> {
  const hits: SearchHit<ArticleRow>[] = [];
  let cursor: string | null = null;
  for (let pages = 0; ; pages++) {
    if (pages > 10_000) throw new Error('search pagination does not end');
    const page: { hits: SearchHit<ArticleRow>[]; nextCursor: string | null } = await store.search(
      Article,
      query,
      { ...options, limit, cursor },
    );
    hits.push(...page.hits);
    if (page.nextCursor === null) break;
    expect(page.hits, `query ${JSON.stringify(query)}: a page before the last is full`).toHaveLength(limit);
    cursor = page.nextCursor;
  }
  const ids = hits.map((h) => h.item.id);
  expect(new Set(ids).size, `query ${JSON.stringify(query)}: no document twice`).toBe(ids.length);
  for (let i = 1; i < hits.length; i++) {
    const [a, b] = [hits[i - 1] as SearchHit<ArticleRow>, hits[i] as SearchHit<ArticleRow>];
    expect(typeof b.relevance).toBe('number');
    const inOrder =
      a.relevance > b.relevance ||
      (a.relevance === b.relevance && compareCodePoints(a.item.id, b.item.id) < 0);
    expect(
      inOrder,
      `query ${JSON.stringify(query)}: hit ${i} (relevance ${b.relevance}) after relevance ${a.relevance}`,
    ).toBe(true);
  }
  return hits;
}

/** A corpus inserted under a tenant of its own, searched by key. */
export interface SeededCorpus {
  readonly tenant: string;
  idOf(key: string): string;
  keyOf(id: string): string;
  /** Every hit, most relevant first, with its document's key. */
  hits(query: string, options?: ArticleSearchOptions, limit?: number): Promise<KeyedHit[]>;
  /** The keys of every hit, in result order. */
  ordered(query: string, options?: ArticleSearchOptions): Promise<string[]>;
  /** The keys of every hit, sorted: the result as a set. */
  keys(query: string, options?: ArticleSearchOptions): Promise<string[]>;
  /** Inserts more documents under the same tenant. */
  add(documents: readonly KeyedDocument[]): Promise<void>;
  /** Names a row written some other way (raw SQL). */
  register(key: string, id: string): void;
}

/** Inserts `documents` (shuffled, so insertion order is not key order) under a new tenant. */
export async function seedCorpus(
  store: Store,
  documents: readonly KeyedDocument[],
  tenant: string = newTag(),
): Promise<SeededCorpus> {
  const ids = new Map<string, string>();
  const keys = new Map<string, string>();
  const register = (key: string, id: string) => {
    ids.set(key, id);
    keys.set(id, key);
  };
  const add = async (more: readonly KeyedDocument[]) => {
    const batch = shuffled(more);
    const rows = await store.repo(Article).insertMany(
      batch.map((d) => ({
        tenant,
        title: d.title,
        body: d.body,
        tag: d.tag ?? null,
        rank: d.rank ?? null,
      })),
    );
    for (const [i, row] of rows.entries()) register((batch[i] as KeyedDocument).key, row.id);
    await settleSearch();
  };
  await add(documents);
  const keyOf = (id: string) => keys.get(id) ?? `<foreign ${id}>`;
  const hits = async (query: string, options: ArticleSearchOptions = {}, limit?: number) =>
    (await searchAll(store, query, { ...options, tenant }, limit)).map((hit) => ({
      key: keyOf(hit.item.id),
      relevance: hit.relevance,
      hit,
    }));
  const ordered = async (query: string, options?: ArticleSearchOptions) =>
    (await hits(query, options)).map((h) => h.key);
  return {
    tenant,
    idOf: (key) => {
      const id = ids.get(key);
      if (!id) throw new Error(`no document ${key} in this corpus`);
      return id;
    },
    keyOf,
    hits,
    ordered,
    keys: async (query, options) => (await ordered(query, options)).sort(),
    add,
    register,
  };
}

/**
 * Runs every query and compares its result, as a set of keys, with the expected one; reports every
 * query that differs at once.
 */
export async function expectResults(
  corpus: SeededCorpus,
  cases: readonly (readonly [query: string, expected: readonly string[]])[],
  options?: ArticleSearchOptions,
): Promise<void> {
  const wrong: { query: string; expected: string[]; actual: string[] }[] = [];
  for (const [query, expected] of cases) {
    const actual = await corpus.keys(query, options);
    const want = [...expected].sort();
    if (JSON.stringify(actual) !== JSON.stringify(want)) {
      const shown = query.length > 80 ? `${query.slice(0, 60)}… (${query.length} characters)` : query;
      wrong.push({ query: shown, expected: want, actual });
    }
  }
  expect(wrong).toEqual([]);
}

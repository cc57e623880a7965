import { prng } from '@switchyard/conformance';
import { documents } from '../corpus.ts';
import type { NewNote, NotePatch } from './contender.ts';

/** The sizes of the workload (issue defaults; smaller for a quick run). */
export interface OrmWorkloadSize {
  /** Notes each contender inserts per round, in batches of `insertBatch`. */
  readonly inserts: number;
  readonly insertBatch: number;
  readonly pointReads: number;
  readonly pages: number;
  readonly pageSize: number;
  readonly updates: number;
  /** Rows each contender streams per round (the table holds at least this many). */
  readonly streamRows: number;
  readonly streamBatch: number;
  /** Searches per contender per round, over `searchDocuments` notes. */
  readonly searches: number;
  readonly searchDocuments: number;
  readonly searchLimit: number;
}

export const ISSUE_SIZE: OrmWorkloadSize = {
  inserts: 10_000,
  insertBatch: 1_000,
  pointReads: 2_000,
  pages: 1_000,
  pageSize: 50,
  updates: 2_000,
  streamRows: 100_000,
  streamBatch: 1_000,
  searches: 1_000,
  searchDocuments: 50_000,
  searchLimit: 20,
};

/** The workload with every count scaled by `factor` (batch and page sizes kept). */
export function scaled(size: OrmWorkloadSize, factor: number): OrmWorkloadSize {
  const keep = new Set(['insertBatch', 'pageSize', 'streamBatch', 'searchLimit']);
  return Object.fromEntries(
    Object.entries(size).map(([k, v]) => [k, keep.has(k) ? v : Math.max(1, Math.round(v * factor))]),
  ) as unknown as OrmWorkloadSize;
}

/** Owners of the demo data; the first `SEARCH_OWNERS` own the search corpus. */
export const OWNERS = 100;
export const SEARCH_OWNERS = 4;
export const TAGS = ['ops', 'db', 'release', 'oncall', 'ideas'] as const;

/** A random (version 4 layout) uuid from a seeded generator: the same ids on every run. */
export function seededUuid(random: () => number): string {
  let hex = '';
  for (let i = 0; i < 32; i++) hex += Math.floor(random() * 16).toString(16);
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20)}`;
}

const START = Date.UTC(2026, 0, 1);

/**
 * Notes of the synthetic corpus (`corpus.ts`, the search benchmarks' documents). Note `i` of the
 * search corpus belongs to owner `i % SEARCH_OWNERS`, as document `i` belongs to tenant `t{i % 4}`
 * in the query mix; the other notes spread over every owner. Timestamps repeat (ties for the
 * pages' order) and tags are two of five.
 */
export function* notes(
  owners: readonly string[],
  count: number,
  options: { seed: number; searchCorpus: boolean; offset?: number },
): Generator<NewNote> {
  const random = prng(options.seed * 7919 + 1);
  const spread = options.searchCorpus ? SEARCH_OWNERS : owners.length;
  let i = 0;
  for (const doc of documents(count, options.seed)) {
    const n = (options.offset ?? 0) + i;
    yield {
      id: seededUuid(random),
      owner: owners[i % spread] as string,
      title: doc.title.slice(0, 200),
      body: doc.body,
      tags: [TAGS[n % TAGS.length] as string, TAGS[(n * 3 + 1) % TAGS.length] as string],
      pinned: n % 13 === 0,
      createdAt: new Date(START + Math.floor(n / 3) * 1_000),
    };
    i++;
  }
}

/** `count` draws from `items`, deterministic per seed. */
export function sample<T>(items: readonly T[], count: number, seed: number): T[] {
  const random = prng(seed);
  return Array.from({ length: count }, () => items[Math.floor(random() * items.length)] as T);
}

/** The patch of update number `i`: flips `pinned`, rotates the tags. */
export function patchFor(note: NewNote, i: number): NotePatch {
  return { pinned: !note.pinned, tags: [TAGS[i % TAGS.length] as string] };
}

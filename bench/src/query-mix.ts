import { prng } from '@switchyard/conformance';
import { encodeToken, normalizeText } from '@switchyard/core/adapter';
import { type BenchDocument, documents, vocabulary, zipfPicker } from './corpus.ts';

/** The query shapes of the mix, one in five queries each. */
export const QUERY_SHAPES = ['and', 'phrase', 'or', 'prefix', 'exclude'] as const;
export type QueryShape = (typeof QUERY_SHAPES)[number];

/** One term as the index sees it: encoded tokens (several = a phrase), or a prefix of one token. */
export interface BenchTerm {
  readonly tokens: readonly string[];
  readonly prefix: boolean;
}

/**
 * One query of the mix: the text given to `store.search`, and the same query already normalised
 * and encoded (outside any timed region) for the hand-written SQL: `terms` are ANDed (ORed when
 * `or`), `exclude` are excluded.
 */
export interface BenchQuery {
  readonly index: number;
  readonly shape: QueryShape;
  readonly text: string;
  readonly tenant: string;
  readonly terms: readonly BenchTerm[];
  readonly exclude: readonly BenchTerm[];
  readonly or: boolean;
}

/** Shortest prefix in a prefix query (normalised characters). */
export const MIN_PREFIX = 4;

const encode = (text: string): string[] => normalizeText(text).map(encodeToken);

/**
 * `count` queries drawn deterministically from the corpus of `corpusSize` documents: words from
 * its vocabulary with the same Zipf skew as the documents, phrases of two words that follow each
 * other in a document of the query's tenant (so most phrases match something), prefixes of 4 or 5
 * characters. Query `i` is scoped to tenant `t{i % 4}` and has shape `QUERY_SHAPES[i % 5]`.
 */
export function queryMix(count: number, corpusSize: number): BenchQuery[] {
  const random = prng(99);
  const words = vocabulary(5000, prng(7));
  const pick = zipfPicker(words, random);
  const corpus: BenchDocument[] = [...documents(corpusSize)];
  const queries: BenchQuery[] = [];
  const word = (text: string): BenchTerm => ({ tokens: encode(text), prefix: false });

  for (let i = 0; i < count; i++) {
    const tenantNo = i % 4;
    const tenant = `t${tenantNo}`;
    const shape = QUERY_SHAPES[i % QUERY_SHAPES.length] as QueryShape;
    const base = { index: i, shape, tenant };
    switch (shape) {
      case 'and': {
        const [a, b] = [pick(), pick()];
        queries.push({ ...base, text: `${a} ${b}`, terms: [word(a), word(b)], exclude: [], or: false });
        break;
      }
      case 'phrase': {
        // A document of this tenant (document j has tenant t{j % 4}); from its title one time in
        // four, else from its first body sentence (40 words).
        const slots = Math.floor((corpus.length - tenantNo + 3) / 4);
        const doc = corpus[4 * Math.floor(random() * slots) + tenantNo] as BenchDocument;
        const fromTitle = random() < 0.25;
        const text = (fromTitle ? doc.title : doc.body).split(/[\s.!]+/).filter(Boolean);
        const at = Math.floor(random() * ((fromTitle ? text.length : 40) - 1));
        const phrase = `${text[at]} ${text[at + 1]}`;
        queries.push({
          ...base,
          text: `"${phrase}"`,
          terms: [{ tokens: encode(phrase), prefix: false }],
          exclude: [],
          or: false,
        });
        break;
      }
      case 'or': {
        const [a, b] = [pick(), pick()];
        queries.push({ ...base, text: `${a} OR ${b}`, terms: [word(a), word(b)], exclude: [], or: true });
        break;
      }
      case 'prefix': {
        const a = pick();
        let stem = '';
        while (stem.length <= MIN_PREFIX) stem = normalizeText(pick())[0] ?? '';
        const prefix = stem.slice(0, MIN_PREFIX + Math.floor(random() * 2));
        queries.push({
          ...base,
          text: `${a} ${prefix}*`,
          terms: [word(a), { tokens: encode(prefix), prefix: true }],
          exclude: [],
          or: false,
        });
        break;
      }
      case 'exclude': {
        const [a, b] = [pick(), pick()];
        queries.push({ ...base, text: `${a} -${b}`, terms: [word(a)], exclude: [word(b)], or: false });
        break;
      }
    }
  }
  return queries;
}

import { prng } from '@switchyard/conformance';

/** A deterministic synthetic corpus: the same documents on every backend and every run. */

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ne',
  'ru',
  'sa',
  'ti',
  'vo',
  'ze',
  'pa',
  'qu',
  'der',
  'stra',
  'ße',
  'é',
  'on',
];

/** A vocabulary of `size` distinct pseudo-words. */
export function vocabulary(size: number, random: () => number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    const n = 2 + Math.floor(random() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
}

/** Picks words with a Zipf-like skew: a few are everywhere, most are rare, as in real text. */
export function zipfPicker(words: readonly string[], random: () => number): () => string {
  return () => words[Math.floor(words.length * random() ** 3)] as string;
}

export interface BenchDocument {
  tenant: string;
  title: string;
  body: string;
}

export function* documents(count: number, seed = 7): Generator<BenchDocument> {
  const random = prng(seed);
  const pick = zipfPicker(vocabulary(5000, random), random);
  const sentence = (n: number) => Array.from({ length: n }, pick).join(' ');
  for (let i = 0; i < count; i++) {
    yield { tenant: `t${i % 4}`, title: sentence(6), body: `${sentence(40)}. ${sentence(20)}!` };
  }
}

import { describe, expect, test } from 'vitest';
import { MAX_QUERY_TERMS, normalizeQuery } from '../src/search/query-normalizer.ts';
import { MAX_GROUP_DEPTH, parseQuery } from '../src/search/query-parser.ts';
import type { SearchExpr } from '../src/search/search-expr.ts';

/** A compact rendering of a normalised query: words, "phrases", prefix*, (and … -excluded), (a | b). */
function show(expr: SearchExpr | null): string {
  if (!expr) return '∅';
  switch (expr.type) {
    case 'term':
      return expr.words.length > 1
        ? `"${expr.words.join(' ')}"`
        : `${expr.words[0]}${expr.prefix ? '*' : ''}`;
    case 'and':
      return `(${[...expr.include.map(show), ...expr.exclude.map((e) => `-${show(e)}`)].join(' ')})`;
    case 'or':
      return `(${expr.anyOf.map(show).join(' | ')})`;
  }
}

const q = (input: string) => show(normalizeQuery(input));

describe('search query language', () => {
  test('words are ANDed and normalised like documents', () => {
    expect(q('Write LOCK')).toBe('(write lock)');
    expect(q('Straße')).toBe('strasse');
  });

  test('OR (uppercase, alone) separates groups; lowercase or is a word', () => {
    expect(q('a b OR c')).toBe('((a b) | c)');
    expect(q('a or b')).toBe('(a or b)');
  });

  test('exclusions of words, phrases and groups', () => {
    expect(q('sqlite -mysql -"write lock" -(x y)')).toBe('(sqlite -mysql -"write lock" -(x y))');
  });

  test('a word that normalises to several tokens is a phrase; * is a prefix only on a single token', () => {
    expect(q("e-mail 2.0.1 o'reilly")).toBe('("e mail" "2 0 1" "o reilly")');
    expect(q('wri* e-ma*')).toBe('(wri* "e ma")');
  });

  test('parentheses group, unclosed ones close at the end, stray ones are ignored', () => {
    expect(q('a (b OR c')).toBe('(a (b | c))');
    expect(q(') a ) b (')).toBe('(a b)');
    expect(q('a () ( !! )')).toBe('a');
    expect(q(') a ) b')).toBe('(a b)');
  });

  test('a group without a positive term matches nothing', () => {
    expect(q('-a')).toBe('∅');
    expect(q('a OR -b')).toBe('a');
    expect(q('a (-b)')).toBe('∅');
    expect(q('a -(-b)')).toBe('a');
  });

  test('hostile input never throws and never carries syntax through', () => {
    for (const input of [
      '"',
      '"unbalanced',
      '((((',
      '))))',
      '-',
      '*',
      'OR',
      'AND',
      'NEAR(',
      "'; DROP TABLE t; --",
      '\\',
      '\\"',
      '- - -',
      'OR OR OR',
      '\u0000',
      '"""',
    ]) {
      expect(() => normalizeQuery(input)).not.toThrow();
    }
    expect(q('"')).toBe('∅');
    expect(q('OR')).toBe('∅');
    expect(q('AND')).toBe('and');
    expect(q('NEAR(')).toBe('near');
    expect(q("'; DROP TABLE t; --")).toBe('(drop table t)');
  });

  test('long input is bounded: terms and nesting depth are capped', () => {
    const words = Array.from({ length: 5000 }, (_, i) => `w${i}`).join(' ');
    const expr = normalizeQuery(words);
    expect(expr?.type === 'and' && expr.include.length).toBe(MAX_QUERY_TERMS);
    const deep = `${'('.repeat(5000)}a${')'.repeat(5000)}`;
    expect(q(deep)).toBe('a');
    let depth = 0;
    let node = parseQuery(`${'('.repeat(50)}a`);
    while (node.type === 'group' && node.items[0]?.node.type === 'group') {
      node = node.items[0].node;
      depth++;
    }
    expect(depth).toBe(MAX_GROUP_DEPTH);
  });
});

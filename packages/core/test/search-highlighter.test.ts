import { describe, expect, test } from 'vitest';
import { highlightText, snippetOf } from '../src/search/highlighter.ts';
import { normalizeQuery } from '../src/search/query-normalizer.ts';
import type { SearchExpr } from '../src/search/search-expr.ts';

const expr = (q: string) => normalizeQuery(q) as SearchExpr;
const marked = (text: string, q: string) =>
  highlightText(text, expr(q)).ranges.map((r) => text.slice(r.start, r.end));

describe('highlights', () => {
  test('mark words, prefixes and whole phrase occurrences in the original text', () => {
    expect(marked('The Write-Lock is held; write it, lock it.', '"write lock" held*')).toEqual([
      'Write-Lock',
      'held',
    ]);
    expect(marked('Crème brûlée', 'creme')).toEqual(['Crème']);
  });

  test('excluded terms are not marked', () => {
    expect(marked('sqlite and mysql', 'sqlite -mysql')).toEqual(['sqlite']);
  });

  test('a snippet is the window with the most matches, with ellipses where text was cut', () => {
    const text = 'one two three four five six seven eight nine ten';
    const { tokens, ranges } = highlightText(text, expr('seven'));
    const snippet = snippetOf(text, tokens, ranges, 3);
    expect(snippet.text).toBe('…five six seven…');
    expect(snippet.highlights.map((r) => snippet.text.slice(r.start, r.end))).toEqual(['seven']);
    expect(snippetOf(text, tokens, [], 2).text).toBe('one two…');
  });
});

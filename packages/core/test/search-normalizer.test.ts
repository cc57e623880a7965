import { describe, expect, test } from 'vitest';
import { documentTokens, encodeDocument, MAX_TOKEN_OCCURRENCES } from '../src/search/document-encoder.ts';
import { encodeToken, MAX_TOKEN_BYTES, normalizeText, tokenize } from '../src/search/text-normalizer.ts';

describe('text normaliser', () => {
  test('folds case fully: ß and ẞ become ss, final sigma becomes σ', () => {
    expect(normalizeText('Straße STRASSE ẞ ΟΔΟΣ οδος')).toEqual(['strasse', 'strasse', 'ss', 'οδοσ', 'οδοσ']);
  });

  test('removes Latin diacritics, including letters with a stroke, and keeps other scripts intact', () => {
    expect(normalizeText('Crème Brûlée Łódź Ørsted İstanbul')).toEqual([
      'creme',
      'brulee',
      'lodz',
      'orsted',
      'istanbul',
    ]);
    expect(normalizeText('नमस्ते Ελλάδα')).toEqual(['नमस्ते', 'ελλάδα']);
  });

  test('applies NFKC: ligatures, full-width letters and fractions', () => {
    expect(normalizeText('ﬁne Ｆｕｌｌ ½')).toEqual(['fine', 'full', '1', '2']);
  });

  test('splits on punctuation, underscores and apostrophes; drops symbols and emoji', () => {
    expect(normalizeText("e-mail 2.0.1 o'reilly snake_case c++ C# 🎉 a→b")).toEqual([
      'e',
      'mail',
      '2',
      '0',
      '1',
      'o',
      'reilly',
      'snake',
      'case',
      'c',
      'c',
      'a',
      'b',
    ]);
  });

  test('makes every CJK ideograph and kana a token of its own', () => {
    expect(normalizeText('東京タワー 한국어')).toEqual(['東', '京', 'タ', 'ワ', 'ー', '한국어']);
  });

  test('drops tokens longer than the byte limit', () => {
    const long = 'a'.repeat(MAX_TOKEN_BYTES + 1);
    expect(normalizeText(`ok ${long} ${'a'.repeat(MAX_TOKEN_BYTES)}`)).toEqual([
      'ok',
      'a'.repeat(MAX_TOKEN_BYTES),
    ]);
    expect(normalizeText('ж'.repeat(21))).toEqual([]);
  });

  test('reports where each token came from in the original text', () => {
    const text = 'Hé, ﬁne Ｆｕｌｌ!';
    expect(tokenize(text).map((t) => text.slice(t.start, t.end))).toEqual(['Hé', 'ﬁne', 'Ｆｕｌｌ']);
    const decomposed = 'Cafe\u0301 ok';
    expect(tokenize(decomposed)).toEqual([
      { text: 'cafe', start: 0, end: 5 },
      { text: 'ok', start: 6, end: 8 },
    ]);
  });
});

describe('index encoding', () => {
  test('a token is x + the hex of its UTF-8 bytes', () => {
    expect(encodeToken('wal')).toBe('x77616c');
    expect(encodeToken('東')).toBe('xe69db1');
    expect(encodeToken('a')).toBe('x61');
  });

  test('a code-point prefix is a prefix of the encoded token', () => {
    expect(encodeToken('caf\u00e9s').startsWith(encodeToken('caf\u00e9'))).toBe(true);
  });

  test('documents are encoded field by field, with repeats beyond the cap replaced by the filler', () => {
    expect(encodeDocument(['Hello world', null, ''])).toEqual(['x68656c6c6f x776f726c64', '', '']);
    const many = Array.from({ length: MAX_TOKEN_OCCURRENCES + 2 }, () => 'yo').join(' ');
    const [field] = documentTokens([many]);
    expect(field?.filter((t) => t === 'yo')).toHaveLength(MAX_TOKEN_OCCURRENCES);
    expect(field?.slice(-2)).toEqual([null, null]);
    expect(encodeDocument([many])[0]?.endsWith(' zzz zzz')).toBe(true);
  });
});

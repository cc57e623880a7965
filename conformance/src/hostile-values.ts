import type { InsertInput } from '@switchyard/core';
import type { JsonValue, Sample } from './conformance-schema.ts';

/** Strings that break naive storage: astral characters, combining marks, bidi controls, quotes, escapes. */
export const hostileStrings: readonly string[] = [
  '😀👍🏽👨‍👩‍👧‍👦🏳️‍🌈',
  '𝄞𠜎𝐀𝟘🀄\u{10FFFF}',
  'e\u0301 A\u030A o\u0308\u0304',
  'é Å ö',
  'שלום עולם',
  'مرحبا بالعالم',
  '\u202Eabc\u202C \u200F!',
  'a\u200Bb\u200Dc\uFEFF',
  'ß İ ı ﬁ ẞ',
  '中文 日本語 한국어',
  '\t\n\r\u000B\u001F\u007F',
  'quote\' "double" \\back `tick`',
  '%_*?[]{}$^.|+()',
  '\uFFFD\uFFFE\uFFFF',
];

const hostileJson: readonly JsonValue[] = [
  { nested: { list: [1, -0.5, 'é😀', null, true, { deeper: [] }] }, 'key with space': '', ключ: '鍵' },
  ['\\', '"', "'", '\n', 0, 1e300, -1e-300],
  'a plain JSON string',
  12345678901234,
  false,
];

/**
 * Sample rows holding every portable kind at its edges: the extremes of integers, bigints,
 * doubles and decimals, datetimes at years 1 and 9999 with milliseconds, the hostile strings, JSON
 * of every shape, and NULL in every column. What a transfer must move without changing a bit.
 */
export function hostileSamples(): InsertInput<typeof Sample>[] {
  const ints = [-(2 ** 31), 2 ** 31 - 1, 0, -1];
  const bigs = [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, 0n];
  const reals = [5e-324, -5e-324, Number.MAX_VALUE, 0.1, -1.5, 2 ** 53 + 2, Math.PI];
  const moneys = ['99999999999999.9999', '-99999999999999.9999', '0.0001', '0.0000'];
  const dates = [
    '0001-01-01T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '1970-01-01T00:00:00.000Z',
    '2024-02-29T12:34:56.789Z',
  ];
  const rows: InsertInput<typeof Sample>[] = hostileStrings.map((text, i) => ({
    label: Array.from(text).slice(0, 32).join(''),
    body: text,
    int: ints[i % ints.length] as number,
    big: bigs[i % bigs.length] as bigint,
    real: reals[i % reals.length] as number,
    money: moneys[i % moneys.length] as string,
    flag: i % 2 === 0,
    at: new Date(dates[i % dates.length] as string),
    doc: hostileJson[i % hostileJson.length] as JsonValue,
  }));
  rows.push({}, { label: '', body: '', doc: {} }, { body: 'Lorem ipsum 😀 ключ 鍵 e\u0301\n'.repeat(5000) });
  return rows;
}

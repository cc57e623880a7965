import type { InsertInput, PortableKind } from '@switchyard/core';
import { Sample } from './conformance-schema.ts';

/**
 * The entity of the adapters' `bulkLoad` tests is the conformance suites' `Sample` (table
 * `sy_sample`): one nullable column of every portable kind.
 */
export { Sample as BulkItem };

/** Property (= column) → portable kind, in the order rows are loaded. */
export const bulkKinds: readonly (readonly [string, PortableKind])[] = [
  ['id', 'uuid'],
  ['label', 'string'],
  ['body', 'text'],
  ['int', 'integer'],
  ['big', 'bigint'],
  ['real', 'float'],
  ['money', 'decimal'],
  ['flag', 'boolean'],
  ['at', 'datetime'],
  ['doc', 'json'],
];
export const bulkColumns = bulkKinds.map(([column]) => column);

/** Text that COPY's format (and other bulk paths) read specially, next to plain hostile strings. */
const strings = [
  'tab\there',
  'new\nline',
  'cr\rlf\r\n',
  'back\\slash',
  '\\N',
  '\\.',
  'ends in a backslash\\',
  '\\\\N \\t \\x41 \\101',
  '',
  '   ',
  'quote\' "double" `tick`',
  '😀👍🏽👨‍👩‍👧‍👦🏳️‍🌈',
  '𝄞𠜎\u{10FFFF}',
  'e\u0301 A\u030A',
  '\u202Eabc\u202C \u200F!',
  '\t\n\r\u000B\u001F\u007F',
  '\uFFFD\uFFFE\uFFFF',
  'a,b;c|d',
  '123',
  '1.10',
];

function valuesWith(long: string): Record<string, readonly unknown[]> {
  return {
    label: strings,
    body: [...strings, long],
    int: [2 ** 31 - 1, -(2 ** 31), 0, -0, -1, 65_536],
    big: [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n, -(2n ** 53n + 1n), 0n],
    real: [5e-324, -5e-324, Number.MAX_VALUE, -1e308, 0.1, Math.PI, 1 / 3, -0, 1e21, 2 ** 53 + 2],
    money: ['99999999999999.9999', '-99999999999999.9999', '-0.0001', '0', '12.5'],
    flag: [true, false],
    at: [
      '0001-01-01T00:00:00.000Z',
      '0001-01-01T00:00:00.001Z',
      '9999-12-31T23:59:59.999Z',
      '2024-02-29T23:59:59.999Z',
      '1970-01-01T00:00:00.000Z',
    ].map((iso) => new Date(iso)),
    doc: [
      { b: 1, a: [2, { 'back\\slash': 'tab\there', 'new\nline': '\\N' }], ключ: '😀', '': null },
      [1e300, -1e-300, 5e-324, 0.1, 2 ** 53, 'two', null, true, [[[]]], {}],
      '\\N',
      'a string with \t and \n',
      42,
      false,
      { z: { y: { x: { w: 'deep' } } }, a: 'first?' },
    ],
  };
}

/**
 * Row `i` takes each column's `i`-th value, cycling; `long` is one very long text value (the
 * adapter sizes it to cross its own chunking).
 */
export function bulkSampleRows(long: string): InsertInput<typeof Sample>[] {
  const values = valuesWith(long);
  const count = Math.max(...Object.values(values).map((list) => list.length));
  return Array.from({ length: count }, (_, i) =>
    Object.fromEntries(Object.entries(values).map(([key, list]) => [key, list[i % list.length]])),
  ) as InsertInput<typeof Sample>[];
}

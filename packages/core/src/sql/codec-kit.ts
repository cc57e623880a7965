import type { PortableKind } from '../schema/portable-kind.ts';

/** The kinds every driver returns in a plain form: numbers or digit strings, and text. */
export type PlainKind = Exclude<PortableKind, 'datetime' | 'boolean' | 'json'>;

/** Decodes a plain kind the same way for every backend (bigint exactly, decimals as their text). */
export function decodePlain(kind: PlainKind, value: unknown): unknown {
  switch (kind) {
    case 'integer':
    case 'float':
      return Number(value);
    case 'bigint':
      return BigInt(value as bigint | number | string);
    case 'decimal':
    case 'uuid':
    case 'string':
    case 'text':
      return String(value);
  }
}

const timestampPattern =
  /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?|Z)?( BC)?$/;

/**
 * A SQL timestamp as servers print it (`2024-05-01 12:30:00.123`, with an optional UTC offset or
 * ` BC`), read as UTC with millisecond precision. Parsed by hand because `Date.UTC` maps the years
 * 0–99 onto the 1900s and drivers' own parsers go through the process's time zone.
 */
export function parseSqlTimestamp(text: string): Date {
  return parseUtcTimestamp(text) ?? parseAnyTimestamp(text);
}

/** The character code of `0`; a digit's value is its code minus this. */
const ZERO = 48;

/** The value of the `count` digits at `at`, or -1 when one of them is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * What the servers print for UTC on every row of a read — `YYYY-MM-DD HH:MM:SS[.f…]` with `+00`,
 * `Z` or nothing after it, a year from 100 — read without a regular expression: a stream decodes
 * one per row and column. Anything else (other offsets, BC, years before 100, more than four
 * year digits) is left to the general parser.
 */
function parseUtcTimestamp(text: string): Date | undefined {
  let end = text.length;
  if (text.endsWith('+00')) end -= 3;
  else if (text.endsWith('Z')) end -= 1;
  if (end < 19) return undefined;
  const separator = text.charCodeAt(10);
  if (
    text.charCodeAt(4) !== 45 /* - */ ||
    text.charCodeAt(7) !== 45 ||
    (separator !== 32 /* space */ && separator !== 84) /* T */ ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58
  ) {
    return undefined;
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  let ms = 0;
  if (end > 19) {
    const fraction = end - 20;
    if (text.charCodeAt(19) !== 46 /* . */ || fraction < 1 || digitsAt(text, 20, fraction) < 0)
      return undefined;
    ms = digitsAt(text, 20, Math.min(3, fraction)) * 10 ** Math.max(0, 3 - fraction);
  }
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms));
}

function parseAnyTimestamp(text: string): Date {
  const match = timestampPattern.exec(text);
  if (!match) throw new TypeError(`Unexpected timestamp text ${JSON.stringify(text)}.`);
  const [, y, mo, d, h, mi, s, frac = '', sign, oh = '0', om = '0', os = '0', bc] = match;
  const year = bc ? 1 - Number(y) : Number(y);
  const date = new Date(0);
  date.setUTCFullYear(year, Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0').slice(0, 3)));
  const offsetSeconds = (Number(oh) * 3600 + Number(om) * 60 + Number(os)) * (sign === '-' ? -1 : 1);
  return offsetSeconds === 0 ? date : new Date(date.getTime() - offsetSeconds * 1000);
}

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

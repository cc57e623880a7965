import type { PortableKind, ValueCodec } from '@switchyard/core/adapter';

/**
 * A `timestamptz` as PostgreSQL prints it in the ISO date style (`2024-05-01 12:30:00.123+00`,
 * `0001-01-01 00:00:00+00`), as a Date with millisecond precision. Parsed by hand: `Date.UTC` maps
 * the years 0–99 to the 1900s, and pg's own parser goes through the local time zone.
 */
export function parseTimestamptz(text: string): Date {
  const match =
    /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?|Z)?( BC)?$/.exec(
      text,
    );
  if (!match) throw new TypeError(`Unexpected timestamptz text "${text}".`);
  const [, y, mo, d, h, mi, s, frac = '', sign, oh = '0', om = '0', os = '0', bc] = match;
  let year = Number(y);
  if (bc) year = 1 - year;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const date = new Date(0);
  date.setUTCFullYear(year, Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), ms);
  const offsetSeconds = (Number(oh) * 3600 + Number(om) * 60 + Number(os)) * (sign === '-' ? -1 : 1);
  return offsetSeconds === 0 ? date : new Date(date.getTime() - offsetSeconds * 1000);
}

/**
 * PostgreSQL storage: every value is bound as text. 64-bit integers travel as decimal strings and
 * come back as `bigint`; decimals stay the strings PostgreSQL prints (exactly `scale` digits);
 * datetimes go out as ISO strings with `Z`; JSON goes out as its JSON text, so pg never turns a JS
 * array into a PostgreSQL array. The driver reads int8, numeric, timestamptz, json and jsonb as
 * raw text (see `postgres-driver.ts`) so these decoders see exactly what the server sent.
 */
export const postgresCodec: ValueCodec = {
  encode(kind: PortableKind, value: unknown): unknown {
    switch (kind) {
      case 'datetime':
        return (value as Date).toISOString();
      case 'json':
        return JSON.stringify(value);
      case 'bigint':
        return String(value);
      default:
        return value;
    }
  },
  decode(kind: PortableKind, value: unknown): unknown {
    switch (kind) {
      case 'datetime':
        return value instanceof Date ? new Date(value.getTime()) : parseTimestamptz(String(value));
      case 'boolean':
        return value === true || value === 't' || value === 'true';
      case 'json':
        return typeof value === 'string' ? JSON.parse(value) : value;
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
  },
};

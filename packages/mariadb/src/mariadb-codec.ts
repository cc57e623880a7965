import { decodePlain, type PortableKind, parseSqlTimestamp, type ValueCodec } from '@switchyard/core/adapter';

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** `YYYY-MM-DD HH:MM:SS.mmm` in UTC: what a `datetime(3)` column stores, for years 1 to 9999. */
export function formatDatetime(date: Date): string {
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)} ` +
    `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}.${pad(date.getUTCMilliseconds(), 3)}`
  );
}

/**
 * MariaDB values as mysql2 returns them with `supportBigNumbers` + `bigNumberStrings`,
 * `decimalNumbers: false`, `dateStrings` and `jsonStrings`: bigints, decimals, datetimes and JSON
 * arrive as strings, so nothing is rounded or shifted by a time zone on the way.
 */
export const mariadbCodec: ValueCodec = {
  encode(kind: PortableKind, value: unknown): unknown {
    switch (kind) {
      case 'datetime':
        return formatDatetime(value as Date);
      case 'boolean':
        return value ? 1 : 0;
      case 'json':
        return JSON.stringify(value);
      default:
        // bigint stays a JS bigint: mysql2 writes it as an integer literal, exact to 64 bits.
        return value;
    }
  },
  decode(kind: PortableKind, value: unknown): unknown {
    switch (kind) {
      case 'datetime':
        return value instanceof Date ? new Date(value.getTime()) : parseSqlTimestamp(String(value));
      case 'boolean':
        return Number(value) !== 0;
      case 'json':
        // With jsonStrings the JSON text arrives as a string; a Buffer or an already parsed value
        // (another client configuration) is handled too.
        if (typeof value === 'string') return JSON.parse(value);
        if (Buffer.isBuffer(value)) return JSON.parse(value.toString('utf8'));
        return value;
      default:
        return decodePlain(kind, value);
    }
  },
};

import { decodePlain, type PortableKind, parseSqlTimestamp, type ValueCodec } from '@switchyard/core/adapter';

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
        return value instanceof Date ? new Date(value.getTime()) : parseSqlTimestamp(String(value));
      case 'boolean':
        return value === true || value === 't' || value === 'true';
      case 'json':
        return typeof value === 'string' ? JSON.parse(value) : value;
      default:
        return decodePlain(kind, value);
    }
  },
};

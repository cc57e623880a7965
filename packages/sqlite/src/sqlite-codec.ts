import { decodePlain, type PortableKind, type ValueCodec } from '@switchyard/core/adapter';

/**
 * SQLite storage: datetimes as epoch milliseconds (INTEGER), booleans as 0/1, JSON and decimals as
 * TEXT. Statements run with safe integers on, so every INTEGER arrives as a BigInt and nothing
 * above 2^53 is rounded.
 */
export const sqliteCodec: ValueCodec = {
  encode(kind: PortableKind, value: unknown): unknown {
    switch (kind) {
      case 'datetime':
        return BigInt((value as Date).getTime());
      case 'boolean':
        return value ? 1n : 0n;
      case 'json':
        return JSON.stringify(value);
      case 'integer':
        return BigInt(value as number);
      default:
        return value;
    }
  },
  decode(kind: PortableKind, value: unknown): unknown {
    switch (kind) {
      case 'datetime':
        return new Date(Number(value));
      case 'boolean':
        return Number(value) !== 0;
      case 'json':
        return JSON.parse(String(value));
      default:
        return decodePlain(kind, value);
    }
  },
};

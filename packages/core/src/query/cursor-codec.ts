import { ValidationError } from '../errors.ts';
import { type SortKey, sortValueOf } from './sort-keys.ts';

interface CursorPayload {
  readonly s: string;
  readonly v: unknown[];
}

function signatureOf(keys: readonly SortKey[]): string {
  return keys.map((k) => k.signature).join(',');
}

function toPortable(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function fromPortable(key: SortKey, value: unknown): unknown {
  if (value === null) return null;
  if (!key.path && key.prop.kind === 'datetime') return new Date(value as number);
  if (!key.path && key.prop.kind === 'bigint') return BigInt(value as string);
  return value;
}

/** An opaque cursor that points just after `row` in the order of `keys`. */
export function encodeCursor(keys: readonly SortKey[], row: Record<string, unknown>): string {
  const payload: CursorPayload = {
    s: signatureOf(keys),
    v: keys.map((k) => toPortable(sortValueOf(k, row))),
  };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/** Decodes a cursor; refuses one made for another ordering or tampered with. */
export function decodeCursor(keys: readonly SortKey[], cursor: string, entity: string): unknown[] {
  let payload: CursorPayload;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorPayload;
  } catch (cause) {
    throw new ValidationError(`${entity}: the cursor is not valid.`, { cause, entity });
  }
  if (
    !payload ||
    payload.s !== signatureOf(keys) ||
    !Array.isArray(payload.v) ||
    payload.v.length !== keys.length
  ) {
    throw new ValidationError(`${entity}: the cursor belongs to another query (its ordering differs).`, {
      entity,
    });
  }
  return keys.map((k, i) => fromPortable(k, payload.v[i]));
}

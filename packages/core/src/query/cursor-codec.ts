import { ValidationError } from '../errors.ts';
import type { EntityModel } from '../schema/entity-model.ts';
import { normalizeValue } from '../schema/value-validation.ts';
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

/**
 * A cursor value back in JS form, validated like a filter operand: a tampered cursor is refused
 * here with ValidationError and never reaches the database as a value of the wrong type.
 */
function fromPortable(entity: EntityModel, key: SortKey, value: unknown): unknown {
  if (value === null) return null;
  const invalid = (cause?: unknown) =>
    new ValidationError(`${entity.name}: the cursor is not valid.`, { cause, entity: entity.name });
  if (key.path) {
    const ok =
      key.as === 'number'
        ? typeof value === 'number' && Number.isFinite(value)
        : typeof value === 'string' && !value.includes('\u0000') && value.isWellFormed();
    if (!ok) throw invalid();
    return value;
  }
  if (key.prop.kind === 'datetime' && typeof value !== 'number') throw invalid();
  if (key.prop.kind === 'bigint' && typeof value !== 'string') throw invalid();
  const input = key.prop.kind === 'datetime' ? new Date(value as number) : value;
  try {
    return normalizeValue(entity, { ...key.prop, nullable: true, maxLength: undefined }, input);
  } catch (cause) {
    throw invalid(cause);
  }
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
export function decodeCursor(keys: readonly SortKey[], cursor: string, entity: EntityModel): unknown[] {
  let payload: CursorPayload;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorPayload;
  } catch (cause) {
    throw new ValidationError(`${entity.name}: the cursor is not valid.`, { cause, entity: entity.name });
  }
  if (
    !payload ||
    payload.s !== signatureOf(keys) ||
    !Array.isArray(payload.v) ||
    payload.v.length !== keys.length
  ) {
    throw new ValidationError(`${entity.name}: the cursor belongs to another query (its ordering differs).`, {
      entity: entity.name,
    });
  }
  return keys.map((k, i) => fromPortable(entity, k, payload.v[i]));
}

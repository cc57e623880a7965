import { NotNullError, ValidationError } from '../errors.ts';
import type { EntityModel, PropertyModel } from './entity-model.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const decimalPattern = /^([+-])?(\d*)(?:\.(\d*))?$/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Year 1 to 9999, the range every backend stores exactly. */
const MIN_MS = new Date('0001-01-01T00:00:00.000Z').getTime();
const MAX_MS = new Date('9999-12-31T23:59:59.999Z').getTime();

function fail(entity: EntityModel, prop: PropertyModel, why: string): never {
  throw new ValidationError(`${entity.name}.${prop.name} ${why}.`, {
    entity: entity.name,
    property: prop.name,
  });
}

/**
 * Checks one value against its declared portable type and returns its canonical form. Every
 * backend receives the same canonical value, so every backend refuses the same input.
 */
export function normalizeValue(entity: EntityModel, prop: PropertyModel, input: unknown): unknown {
  if (input === null || input === undefined) {
    if (!prop.nullable) {
      throw new NotNullError(`${entity.name}.${prop.name} is required and cannot be null.`, {
        entity: entity.name,
        property: prop.name,
      });
    }
    return null;
  }
  switch (prop.kind) {
    case 'uuid':
      if (typeof input !== 'string' || !uuidPattern.test(input)) fail(entity, prop, 'must be a UUID string');
      return input.toLowerCase();
    case 'string':
    case 'text': {
      if (typeof input !== 'string') fail(entity, prop, 'must be a string');
      if (input.includes('\u0000')) fail(entity, prop, 'must not contain the NUL character (U+0000)');
      if (!input.isWellFormed()) fail(entity, prop, 'must be well-formed Unicode (no lone surrogates)');
      if (prop.maxLength !== undefined && codePointLength(input, prop.maxLength) > prop.maxLength) {
        fail(entity, prop, `must be at most ${prop.maxLength} characters long`);
      }
      return input;
    }
    case 'integer':
      if (typeof input !== 'number' || !Number.isInteger(input) || input < INT32_MIN || input > INT32_MAX) {
        fail(entity, prop, 'must be an integer between -2147483648 and 2147483647');
      }
      return input === 0 ? 0 : input;
    case 'bigint': {
      let big: bigint;
      if (typeof input === 'bigint') big = input;
      else if (typeof input === 'number' && Number.isSafeInteger(input)) big = BigInt(input);
      else if (typeof input === 'string' && /^-?\d+$/.test(input)) big = BigInt(input);
      else fail(entity, prop, 'must be a bigint, a safe integer or a string of digits');
      if (big < INT64_MIN || big > INT64_MAX) fail(entity, prop, 'must fit in a signed 64-bit integer');
      return big;
    }
    case 'float':
      if (typeof input !== 'number' || !Number.isFinite(input)) fail(entity, prop, 'must be a finite number');
      return input === 0 ? 0 : input;
    case 'decimal':
      return normalizeDecimal(entity, prop, input);
    case 'boolean':
      if (typeof input !== 'boolean') fail(entity, prop, 'must be true or false');
      return input;
    case 'datetime': {
      const date = input instanceof Date ? input : undefined;
      if (!date || Number.isNaN(date.getTime())) fail(entity, prop, 'must be a valid Date');
      const ms = date.getTime();
      if (ms < MIN_MS || ms > MAX_MS) fail(entity, prop, 'must be between the years 1 and 9999');
      return new Date(ms);
    }
    case 'json':
      return normalizeJson(entity, prop, input);
  }
}

function codePointLength(text: string, limit: number): number {
  // Fast path: UTF-16 length is an upper bound of the code-point count.
  if (text.length <= limit) return text.length;
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function normalizeDecimal(entity: EntityModel, prop: PropertyModel, input: unknown): string {
  const text = typeof input === 'number' && Number.isFinite(input) ? String(input) : input;
  const match = typeof text === 'string' ? decimalPattern.exec(text) : null;
  const [, sign = '', intRaw = '', fracRaw = ''] = match ?? [];
  if (!match || (intRaw === '' && fracRaw === ''))
    fail(entity, prop, 'must be a decimal string such as "12.50"');
  const precision = prop.precision ?? 10;
  const scale = prop.scale ?? 0;
  const intDigits = intRaw.replace(/^0+/, '');
  const frac = fracRaw.replace(/0+$/, '');
  if (frac.length > scale) fail(entity, prop, `must have at most ${scale} digits after the decimal point`);
  if (intDigits.length > precision - scale) {
    fail(entity, prop, `must have at most ${precision - scale} digits before the decimal point`);
  }
  const fracPadded = frac.padEnd(scale, '0');
  const isZero = intDigits === '' && /^0*$/.test(fracPadded);
  const body = `${intDigits || '0'}${scale > 0 ? `.${fracPadded}` : ''}`;
  return sign === '-' && !isZero ? `-${body}` : body;
}

function normalizeJson(entity: EntityModel, prop: PropertyModel, input: unknown): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(input, (key, v: unknown) => {
      if (key.includes('\u0000')) throw new TypeError('NUL character');
      if (!key.isWellFormed()) throw new TypeError('lone surrogate');
      if (typeof v === 'bigint') throw new TypeError('bigint');
      if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError('non-finite number');
      if (typeof v === 'string' && v.includes('\u0000')) throw new TypeError('NUL character');
      // PostgreSQL's jsonb refuses the escaped lone surrogate JSON.stringify writes; refuse it everywhere.
      if (typeof v === 'string' && !v.isWellFormed()) throw new TypeError('lone surrogate');
      return v;
    });
  } catch (cause) {
    const why = cause instanceof TypeError ? cause.message : 'not serialisable';
    fail(entity, prop, `must be a JSON value (${why} is not allowed)`);
  }
  if (text === undefined) fail(entity, prop, 'must be a JSON value');
  // Round-trip through JSON so the caller gets exactly what a later read returns.
  return JSON.parse(text);
}

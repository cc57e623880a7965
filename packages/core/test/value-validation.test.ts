import { describe, expect, test } from 'vitest';
import { NotNullError, ValidationError } from '../src/errors.ts';
import type { EntityModel, PropertyModel } from '../src/schema/entity-model.ts';
import type { PortableKind } from '../src/schema/portable-kind.ts';
import { normalizeValue } from '../src/schema/value-validation.ts';

function prop(kind: PortableKind, extra: Partial<PropertyModel> = {}): PropertyModel {
  return {
    name: 'p',
    column: 'p',
    kind,
    nullable: false,
    primary: false,
    version: false,
    maxLength: undefined,
    precision: undefined,
    scale: undefined,
    references: undefined,
    onCreate: undefined,
    onUpdate: undefined,
    defaultValue: undefined,
    ...extra,
  };
}
const entity = { name: 'E' } as EntityModel;
const check = (p: PropertyModel, v: unknown) => normalizeValue(entity, p, v);

describe('normalizeValue', () => {
  test('a decimal is canonical: exactly `scale` fraction digits, no leading zeros, no negative zero', () => {
    const money = prop('decimal', { precision: 8, scale: 2 });
    expect(check(money, '1.5')).toBe('1.50');
    expect(check(money, '-0012.30')).toBe('-12.30');
    expect(check(money, '-0.00')).toBe('0.00');
    expect(check(money, '.5')).toBe('0.50');
    expect(check(money, 7)).toBe('7.00');
    expect(check(prop('decimal', { precision: 5, scale: 0 }), '12.000')).toBe('12');
  });

  test('a decimal with too many digits on either side is refused', () => {
    const money = prop('decimal', { precision: 6, scale: 2 });
    expect(check(money, '9999.99')).toBe('9999.99');
    expect(() => check(money, '10000')).toThrow(ValidationError);
    expect(() => check(money, '1.234')).toThrow(ValidationError);
    expect(() => check(money, '1e3')).toThrow(ValidationError);
    expect(() => check(money, '')).toThrow(ValidationError);
  });

  test('string length counts code points, not UTF-16 units', () => {
    const short = prop('string', { maxLength: 3 });
    expect(check(short, '😀😀😀')).toBe('😀😀😀');
    expect(() => check(short, '😀😀😀😀')).toThrow(ValidationError);
  });

  test('NUL and lone surrogates are refused in strings and JSON', () => {
    expect(() => check(prop('text'), 'a\u0000b')).toThrow(ValidationError);
    expect(() => check(prop('text'), '\ud800')).toThrow(ValidationError);
    expect(() => check(prop('json'), { a: 'x\u0000' })).toThrow(ValidationError);
    expect(() => check(prop('json'), { 'k\u0000': 1 })).toThrow(ValidationError);
    expect(check(prop('json'), { a: '\\u0000 is text' })).toEqual({ a: '\\u0000 is text' });
  });

  test('bigint accepts bigint, safe integers and digit strings within 64 bits', () => {
    const big = prop('bigint');
    expect(check(big, 2n ** 63n - 1n)).toBe(2n ** 63n - 1n);
    expect(check(big, -42)).toBe(-42n);
    expect(check(big, '-9223372036854775808')).toBe(-(2n ** 63n));
    expect(() => check(big, 2n ** 63n)).toThrow(ValidationError);
    expect(() => check(big, 2 ** 53)).toThrow(ValidationError);
  });

  test('integer is 32-bit and float must be finite', () => {
    expect(check(prop('integer'), -(2 ** 31))).toBe(-(2 ** 31));
    expect(() => check(prop('integer'), 2 ** 31)).toThrow(ValidationError);
    expect(() => check(prop('integer'), 1.5)).toThrow(ValidationError);
    expect(Object.is(check(prop('float'), -0), 0)).toBe(true);
    expect(() => check(prop('float'), Number.NaN)).toThrow(ValidationError);
  });

  test('datetime must be a valid Date between the years 1 and 9999', () => {
    const at = prop('datetime');
    expect(check(at, new Date('0001-01-01T00:00:00.000Z'))).toEqual(new Date('0001-01-01T00:00:00.000Z'));
    expect(() => check(at, new Date('+010000-01-01T00:00:00.000Z'))).toThrow(ValidationError);
    expect(() => check(at, new Date(Number.NaN))).toThrow(ValidationError);
    expect(() => check(at, '2024-01-01')).toThrow(ValidationError);
  });

  test('uuid is lower-cased; null on a required property is a NotNullError', () => {
    expect(check(prop('uuid'), 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBe(
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    );
    expect(() => check(prop('uuid'), 'not-a-uuid')).toThrow(ValidationError);
    expect(() => check(prop('text'), null)).toThrow(NotNullError);
    expect(check(prop('text', { nullable: true }), undefined)).toBeNull();
  });
});

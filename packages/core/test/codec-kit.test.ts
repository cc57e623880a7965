import { describe, expect, test } from 'vitest';
import { decodePlain, parseSqlTimestamp } from '../src/sql/codec-kit.ts';

describe('parseSqlTimestamp', () => {
  test('is read in UTC with milliseconds', () => {
    expect(parseSqlTimestamp('2024-02-29 23:59:59.999+00').toISOString()).toBe('2024-02-29T23:59:59.999Z');
  });

  test('years 1 to 99 stay in the first century (Date.UTC would move them to the 1900s)', () => {
    expect(parseSqlTimestamp('0001-01-01 00:00:00.001+00').toISOString()).toBe('0001-01-01T00:00:00.001Z');
    expect(parseSqlTimestamp('0099-06-15 12:34:56.789+00').toISOString()).toBe('0099-06-15T12:34:56.789Z');
  });

  test('year 9999 is read exactly', () => {
    expect(parseSqlTimestamp('9999-12-31 23:59:59.999+00').toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });

  test('a value without fraction digits has zero milliseconds', () => {
    expect(parseSqlTimestamp('2024-01-02 03:04:05+00').toISOString()).toBe('2024-01-02T03:04:05.000Z');
  });

  test('an offset other than UTC is applied', () => {
    expect(parseSqlTimestamp('2024-01-02 03:04:05.5+05:30').toISOString()).toBe('2024-01-01T21:34:05.500Z');
    expect(parseSqlTimestamp('2024-01-02 03:04:05-08').toISOString()).toBe('2024-01-02T11:04:05.000Z');
  });

  test('a MariaDB datetime without an offset is UTC', () => {
    expect(parseSqlTimestamp('2024-01-02 03:04:05.123').toISOString()).toBe('2024-01-02T03:04:05.123Z');
  });

  test('text in another format is refused', () => {
    expect(() => parseSqlTimestamp('Tue Jan 02 2024')).toThrow(TypeError);
  });
});

describe('decodePlain', () => {
  test('bigints are exact from digit strings; decimals keep their text', () => {
    expect(decodePlain('bigint', '-9223372036854775808')).toBe(-(2n ** 63n));
    expect(decodePlain('decimal', '12.3400')).toBe('12.3400');
    expect(decodePlain('integer', '42')).toBe(42);
  });
});

import fc from 'fast-check';
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

  test('every printed form reads as the instant it names (UTC forms take a faster path)', () => {
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0001-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59.999Z'),
          noInvalidDate: true,
        }),
        fc.constantFrom(' ', 'T'),
        fc.integer({ min: 0, max: 6 }),
        fc.constantFrom('+00', 'Z', '', '+00:00', '+05:30', '-08'),
        (date, separator, digits, suffix) => {
          const ms = pad(date.getUTCMilliseconds(), 3);
          // Up to six fraction digits, as PostgreSQL prints microseconds; only milliseconds count.
          const fraction = digits === 0 ? '' : `.${`${ms}000`.slice(0, digits)}`;
          const text =
            `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}` +
            `${separator}${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}${fraction}${suffix}`;
          const kept = digits === 0 ? 0 : Number(`${ms}000`.slice(0, Math.min(3, digits)).padEnd(3, '0'));
          const offsets: Record<string, number> = { '+05:30': 5.5 * 3600_000, '-08': -8 * 3600_000 };
          const offsetMs = offsets[suffix] ?? 0;
          const expected = date.getTime() - date.getUTCMilliseconds() + kept - offsetMs;
          expect(parseSqlTimestamp(text).getTime()).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('a malformed UTC form is refused, not read loosely', () => {
    for (const text of [
      '2024-01-02 03:04:05.+00',
      '2024-1-02 03:04:05+00',
      '2024-01-02 03:04:5x+00',
      '2024-01-02 03:04+00',
    ]) {
      expect(() => parseSqlTimestamp(text), text).toThrow(TypeError);
    }
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

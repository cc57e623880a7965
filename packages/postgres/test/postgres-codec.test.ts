import { describe, expect, test } from 'vitest';
import { parseTimestamptz, postgresCodec } from '../src/postgres-codec.ts';
import { beginStatement } from '../src/postgres-driver.ts';

describe('timestamptz text', () => {
  test('is read in UTC with milliseconds', () => {
    expect(parseTimestamptz('2024-02-29 23:59:59.999+00').toISOString()).toBe('2024-02-29T23:59:59.999Z');
  });

  test('years 1 to 99 stay in the first century (Date.UTC would move them to the 1900s)', () => {
    expect(parseTimestamptz('0001-01-01 00:00:00.001+00').toISOString()).toBe('0001-01-01T00:00:00.001Z');
    expect(parseTimestamptz('0099-06-15 12:34:56.789+00').toISOString()).toBe('0099-06-15T12:34:56.789Z');
  });

  test('year 9999 is read exactly', () => {
    expect(parseTimestamptz('9999-12-31 23:59:59.999+00').toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });

  test('a value without fraction digits has zero milliseconds', () => {
    expect(parseTimestamptz('2024-01-02 03:04:05+00').toISOString()).toBe('2024-01-02T03:04:05.000Z');
  });

  test('an offset other than UTC is applied', () => {
    expect(parseTimestamptz('2024-01-02 03:04:05.5+05:30').toISOString()).toBe('2024-01-01T21:34:05.500Z');
    expect(parseTimestamptz('2024-01-02 03:04:05-08').toISOString()).toBe('2024-01-02T11:04:05.000Z');
  });

  test('text in another format is refused', () => {
    expect(() => parseTimestamptz('Tue Jan 02 2024')).toThrow(TypeError);
  });
});

describe('codec', () => {
  test('a bigint is sent as its decimal string and read back as a bigint', () => {
    const max = 2n ** 63n - 1n;
    expect(postgresCodec.encode('bigint', max)).toBe('9223372036854775807');
    expect(postgresCodec.decode('bigint', '-9223372036854775808')).toBe(-(2n ** 63n));
  });

  test('a datetime is sent as ISO text with Z', () => {
    expect(postgresCodec.encode('datetime', new Date('0001-01-01T00:00:00.123Z'))).toBe(
      '0001-01-01T00:00:00.123Z',
    );
  });

  test('JSON is sent as JSON text, so an array never becomes a PostgreSQL array', () => {
    expect(postgresCodec.encode('json', ['a', 1])).toBe('["a",1]');
    expect(postgresCodec.encode('json', 'text')).toBe('"text"');
    expect(postgresCodec.decode('json', '"text"')).toBe('text');
    expect(postgresCodec.decode('json', '[1,{"a":null}]')).toEqual([1, { a: null }]);
  });

  test('a decimal is read as the exact string PostgreSQL prints', () => {
    expect(postgresCodec.decode('decimal', '12345678901234567890.0123456789')).toBe(
      '12345678901234567890.0123456789',
    );
  });
});

describe('BEGIN', () => {
  test('transactions are READ COMMITTED unless asked otherwise, whatever the server default', () => {
    expect(beginStatement({ isolation: undefined, readOnly: false })).toBe(
      'BEGIN ISOLATION LEVEL READ COMMITTED',
    );
  });

  test('the isolation level and read-only mode are spelled out', () => {
    expect(beginStatement({ isolation: 'serializable', readOnly: true })).toBe(
      'BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY',
    );
    expect(beginStatement({ isolation: 'repeatable read', readOnly: false })).toBe(
      'BEGIN ISOLATION LEVEL REPEATABLE READ',
    );
  });
});

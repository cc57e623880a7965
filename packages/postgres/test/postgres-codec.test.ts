import { describe, expect, test } from 'vitest';
import { postgresCodec } from '../src/postgres-codec.ts';
import { beginStatement } from '../src/postgres-driver.ts';

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

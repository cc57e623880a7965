import { describe, expect, test } from 'vitest';
import { formatDatetime, mariadbCodec } from '../src/mariadb-codec.ts';

describe('datetime(3) text', () => {
  test('is written in UTC with milliseconds and a four-digit year', () => {
    expect(formatDatetime(new Date('0001-01-01T00:00:00.001Z'))).toBe('0001-01-01 00:00:00.001');
    expect(formatDatetime(new Date('9999-12-31T23:59:59.999Z'))).toBe('9999-12-31 23:59:59.999');
  });
});

describe('codec', () => {
  test('a bigint is sent as a JS bigint and read back from its decimal string', () => {
    expect(mariadbCodec.encode('bigint', 2n ** 63n - 1n)).toBe(2n ** 63n - 1n);
    expect(mariadbCodec.decode('bigint', '-9223372036854775808')).toBe(-(2n ** 63n));
    expect(mariadbCodec.decode('bigint', '9007199254740993')).toBe(2n ** 53n + 1n);
  });

  test('JSON is sent as JSON text and parsed back, a JSON string included', () => {
    expect(mariadbCodec.encode('json', ['a', 1])).toBe('["a",1]');
    expect(mariadbCodec.decode('json', '"text"')).toBe('text');
    expect(mariadbCodec.decode('json', '[1,{"a":null}]')).toEqual([1, { a: null }]);
  });

  test('booleans are 1 and 0', () => {
    expect(mariadbCodec.encode('boolean', true)).toBe(1);
    expect(mariadbCodec.decode('boolean', 0)).toBe(false);
    expect(mariadbCodec.decode('boolean', 1)).toBe(true);
  });

  test('a decimal is read as the exact string MariaDB prints', () => {
    expect(mariadbCodec.decode('decimal', '-12.5000')).toBe('-12.5000');
  });
});

import { ConfigurationError } from '@switchyard/core/adapter';
import { describe, expect, test } from 'vitest';
import { mariadbAdapter } from '../src/mariadb-adapter.ts';

const url = 'mariadb://app:hunter2@db.example:3306/test';

describe('MikroORM options', () => {
  test('the pool opens at most poolMax connections (default 10) and none up front', () => {
    expect(mariadbAdapter.ormOptions({ url, options: {} }).pool).toEqual({ min: 0, max: 10 });
    expect(mariadbAdapter.ormOptions({ url, options: { poolMax: 3 } }).pool).toEqual({ min: 0, max: 3 });
  });

  test.each([0, -1, 2.5, '3', Number.NaN])('poolMax %o is refused', (poolMax) => {
    expect(() => mariadbAdapter.ormOptions({ url, options: { poolMax } })).toThrow(ConfigurationError);
  });

  test('an unknown adapter option is refused by name', () => {
    expect(() => mariadbAdapter.ormOptions({ url, options: { poolmax: 3 } })).toThrow(/"poolmax"/);
  });

  test('tables default to the binary NO PAD collation and a missing database is never created', () => {
    const options = mariadbAdapter.ormOptions({ url, options: {} }) as Record<string, unknown>;
    expect(options.charset).toBe('utf8mb4 collate utf8mb4_nopad_bin');
    expect(options.ensureDatabase).toBe(false);
    expect(options.dbName).toBe('test');
  });

  test('a URL with parameters is refused before anything connects', () => {
    expect(() => mariadbAdapter.ormOptions({ url: `${url}?ssl=true`, options: {} })).toThrow(/"ssl"/);
  });
});

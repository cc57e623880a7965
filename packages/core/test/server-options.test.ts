import { describe, expect, test } from 'vitest';
import { ConfigurationError } from '../src/errors.ts';
import { readServerOptions } from '../src/store/server-options.ts';

const read = (url: string, options: Record<string, unknown> = {}) =>
  readServerOptions({ url, options }, 'PostgreSQL');

describe('server options', () => {
  test('the pool size comes from ?pool_max, from adapterOptions.poolMax, or defaults to 10', () => {
    expect(read('postgres://h/db').poolMax).toBe(10);
    expect(read('postgres://h/db?pool_max=5').poolMax).toBe(5);
    expect(read('postgres://h/db', { poolMax: 7 }).poolMax).toBe(7);
    expect(read('postgres://h/db?pool_max=7', { poolMax: 7 }).poolMax).toBe(7);
  });

  test('an unknown URL parameter or option is refused, naming the known ones', () => {
    expect(() => read('postgres://h/db?sslmode=require')).toThrow(/"sslmode".*known: pool_max/);
    expect(() => read('postgres://h/db', { poolSize: 3 })).toThrow(/"poolSize".*known: poolMax/);
  });

  test('invalid or conflicting pool sizes are refused without echoing the password', () => {
    for (const url of [
      'postgres://u:s3cret@h/db?pool_max=0',
      'postgres://u:s3cret@h/db?pool_max=2.5',
      'postgres://u:s3cret@h/db?pool_max=1&pool_max=2',
    ]) {
      expect(() => read(url)).toThrow(ConfigurationError);
      expect(() => read(url)).not.toThrow(/s3cret/);
    }
    expect(() => read('postgres://h/db?pool_max=3', { poolMax: 4 })).toThrow(/disagree/);
  });
});

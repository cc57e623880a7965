import { ConfigurationError } from '@switchyard/core/adapter';
import { describe, expect, test } from 'vitest';
import { mariadbAdapter } from '../src/mariadb-adapter.ts';
import { clientUrlOf, parseMariadbUrl } from '../src/mariadb-url.ts';

function refusal(url: string): ConfigurationError {
  try {
    parseMariadbUrl(url);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error(`"${url}" was accepted`);
}

describe('MariaDB URLs', () => {
  test('host, port, user, password and database are read, %-escapes decoded', () => {
    expect(parseMariadbUrl('mariadb://app:p%40ss@db.example:3307/my%20db')).toEqual({
      host: 'db.example',
      port: 3307,
      user: 'app',
      password: 'p@ss',
      database: 'my db',
    });
  });

  test('the port defaults to 3306 and mysql: is accepted too', () => {
    expect(parseMariadbUrl('mysql://root@127.0.0.1/test').port).toBe(3306);
  });

  test('an IPv6 host loses its brackets', () => {
    expect(parseMariadbUrl('mariadb://root@[::1]:3306/test').host).toBe('::1');
  });

  test('an unknown query parameter is refused, naming the parameter and never the password', () => {
    const url = 'mariadb://app:hunter2@db:3306/test?ssl=true&timezone=Z';
    expect(() => mariadbAdapter.ormOptions({ url, options: {} })).toThrow(/"ssl", "timezone"/);
    expect(() => mariadbAdapter.ormOptions({ url, options: {} })).not.toThrow(/hunter2/);
  });

  test('?pool_max sizes the pool', () => {
    expect(mariadbAdapter.ormOptions({ url: 'mariadb://root@db/test?pool_max=4', options: {} }).pool).toEqual(
      {
        min: 0,
        max: 4,
      },
    );
  });

  test('a fragment is refused', () => {
    refusal('mariadb://root@db/test#x');
  });

  test('a URL without a database is refused without the password', () => {
    const error = refusal('mariadb://app:hunter2@db:3306/');
    expect(error.message).toContain('database');
    expect(error.message).not.toContain('hunter2');
  });

  test('another scheme is refused', () => {
    refusal('postgres://root@db/test');
  });

  test('MikroORM gets the URL with the mysql: scheme', () => {
    expect(clientUrlOf('mariadb://root@db:3306/test')).toBe('mysql://root@db:3306/test');
  });
});

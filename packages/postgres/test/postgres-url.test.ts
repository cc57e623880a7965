import { ConfigurationError } from '@switchyard/core/adapter';
import { describe, expect, test } from 'vitest';
import { postgresAdapter, SESSION_OPTIONS } from '../src/postgres-adapter.ts';
import { checkPostgresUrl } from '../src/postgres-url.ts';

function refusal(run: () => unknown): ConfigurationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError');
}

describe('PostgreSQL URLs', () => {
  test('postgres: and postgresql: URLs with a database are accepted', () => {
    expect(checkPostgresUrl('postgres://app:pw@db.example:5432/app').hostname).toBe('db.example');
    expect(checkPostgresUrl('postgresql://app@localhost/app').pathname).toBe('/app');
  });

  test('an unknown query parameter is refused with ConfigurationError naming every parameter', () => {
    const error = refusal(() =>
      postgresAdapter.ormOptions({
        url: 'postgres://app@localhost/app?ssl=true&charset=utf8',
        options: {},
      }),
    );
    expect(error.message).toContain('"ssl"');
    expect(error.message).toContain('"charset"');
  });

  test('the refusal of a query parameter never prints the password', () => {
    const error = refusal(() =>
      postgresAdapter.ormOptions({
        url: 'postgres://app:hunter22@localhost/app?password=hunter22',
        options: {},
      }),
    );
    expect(error.message).not.toContain('hunter22');
    expect(error.message).toContain('"password"');
  });

  test('a URL without a database name is refused', () => {
    expect(refusal(() => checkPostgresUrl('postgres://app:hunter22@localhost:5432/')).message).not.toContain(
      'hunter22',
    );
    refusal(() => checkPostgresUrl('postgres://app@localhost'));
  });

  test('a malformed %-escape is refused without printing the password', () => {
    expect(refusal(() => checkPostgresUrl('postgres://app:hunter22@localhost/db%zz')).message).not.toContain(
      'hunter22',
    );
  });

  test('ormOptions refuses a query parameter before anything connects', () => {
    refusal(() => postgresAdapter.ormOptions({ url: 'postgres://app@localhost/app?ssl=true', options: {} }));
  });
});

describe('adapter options', () => {
  const context = (options: Record<string, unknown>) => ({ url: 'postgres://app@localhost/app', options });

  test('poolMax must be a positive integer', () => {
    for (const poolMax of [0, -1, 1.5, '10', Number.NaN])
      refusal(() => postgresAdapter.ormOptions(context({ poolMax })));
  });

  test('ormOptions sizes the pool from poolMax or ?pool_max, starting empty', () => {
    const options = postgresAdapter.ormOptions(context({ poolMax: 4 }));
    expect(options.pool).toEqual({ min: 0, max: 4 });
    expect(options.clientUrl).toBe('postgres://app@localhost/app');
    expect(
      postgresAdapter.ormOptions({ url: 'postgres://app@localhost/app?pool_max=3', options: {} }).pool,
    ).toEqual({
      min: 0,
      max: 3,
    });
    expect(postgresAdapter.ormOptions(context({})).pool).toEqual({ min: 0, max: 10 });
  });

  test('every connection starts in UTC with ISO dates and shortest-exact float output', () => {
    const options = postgresAdapter.ormOptions(context({}));
    // ssl false: PGSSLMODE in the environment cannot turn on what the URL leaves off.
    expect(options.driverOptions).toEqual({ options: SESSION_OPTIONS, ssl: false });
    expect(SESSION_OPTIONS).toContain('TimeZone=UTC');
    expect(SESSION_OPTIONS).toContain('DateStyle=ISO');
    expect(SESSION_OPTIONS).toContain('extra_float_digits=1');
  });

  test('a missing database is an error, never created on the fly', () => {
    expect(postgresAdapter.ormOptions(context({})).ensureDatabase).toBe(false);
  });
});

import { afterEach, describe, expect, test } from 'vitest';
import type { BackendProvider } from '../src/backend-provider.ts';
import { isRequired, provision } from '../src/provision.ts';

const saved = { CI: process.env.CI, REQUIRE: process.env.CONFORMANCE_REQUIRE, URL: process.env.SY_TEST_URL };
afterEach(() => {
  for (const [key, value] of [
    ['CI', saved.CI],
    ['CONFORMANCE_REQUIRE', saved.REQUIRE],
    ['SY_TEST_URL', saved.URL],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

function provider(check: (url: string) => Promise<void>): BackendProvider {
  return {
    backend: 'fake',
    urlVariable: 'SY_TEST_URL',
    check,
    createDatabase: async () => ({ url: '', drop: async () => undefined }),
  };
}

describe('provisioning', () => {
  test('a backend is required under CI=true or when CONFORMANCE_REQUIRE names it (or all)', () => {
    delete process.env.CI;
    process.env.CONFORMANCE_REQUIRE = 'postgres, MariaDB';
    expect(isRequired('mariadb')).toBe(true);
    expect(isRequired('sqlite')).toBe(false);
    process.env.CONFORMANCE_REQUIRE = 'all';
    expect(isRequired('sqlite')).toBe(true);
    delete process.env.CONFORMANCE_REQUIRE;
    process.env.CI = 'true';
    expect(isRequired('sqlite')).toBe(true);
  });

  test('an embedded backend (no URL variable) is always ready without a server', async () => {
    const result = await provision({ ...provider(async () => undefined), urlVariable: undefined });
    expect(result.status).toBe('ready');
  });

  test('an explicit URL is checked with a real query and retried before it is used', async () => {
    process.env.SY_TEST_URL = 'fake://server';
    let calls = 0;
    const result = await provision(
      provider(async () => {
        calls++;
        if (calls < 2) throw new Error('not yet');
      }),
    );
    expect(result).toMatchObject({ status: 'ready', serverUrl: 'fake://server', via: 'SY_TEST_URL' });
    expect(calls).toBe(2);
  });

  test('an explicit URL that never answers is an error, not a skip', async () => {
    process.env.SY_TEST_URL = 'fake://down';
    await expect(provision(provider(async () => Promise.reject(new Error('refused'))))).rejects.toThrow(
      'refused',
    );
  });
});

import type { HealthFinding, HealthInfo } from '@switchyard/core/adapter';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { postgresAdapter, SESSION_OPTIONS } from '../src/postgres-adapter.ts';
import { diagnosePostgres } from '../src/postgres-diagnose.ts';
import { PostgresStoreDriver } from '../src/postgres-driver.ts';

const URL = process.env.CONFORMANCE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const good: HealthInfo = {
  serverVersion: '17.6 (Debian 17.6-1.pgdg120+1)',
  settings: {
    TimeZone: 'UTC',
    server_encoding: 'UTF8',
    lc_collate: 'en_US.utf8',
    lc_ctype: 'en_US.utf8',
    DateStyle: 'ISO, MDY',
    extra_float_digits: 1,
    default_transaction_isolation: 'read committed',
    default_transaction_read_only: false,
    in_recovery: false,
    database: 'app',
    icu_case_folding: true,
    pool_max: 10,
  },
};

function withSettings(settings: HealthInfo['settings'], serverVersion = good.serverVersion): HealthInfo {
  return { serverVersion, settings: { ...good.settings, ...settings } };
}

function finding(info: HealthInfo, check: string): HealthFinding {
  const found = diagnosePostgres(info).find((f) => f.check === check);
  if (!found) throw new Error(`no "${check}" finding`);
  return found;
}

describe('diagnose', () => {
  test('a well-configured server gives one ok finding per check, without a fix', () => {
    const findings = diagnosePostgres(good);
    expect(findings.map((f) => f.check)).toEqual([
      'server version',
      'encoding',
      'collation',
      'case folding',
      'time zone',
      'date style',
      'float output',
      'writable',
      'default isolation',
    ]);
    for (const f of findings) {
      expect(f.status).toBe('ok');
      expect(f.fix).toBeUndefined();
    }
  });

  test('the adapter exposes it and declares transactional DDL', () => {
    expect(postgresAdapter.diagnose(good)).toEqual(diagnosePostgres(good));
    expect(postgresAdapter.transactionalDdl).toBe(true);
  });

  test('PostgreSQL 11 fails (no generated columns), 12 is a warning (untested, end of life), 13 is fine', () => {
    expect(finding(withSettings({}, '11.22'), 'server version')).toMatchObject({ status: 'fail' });
    expect(finding(withSettings({}, '11.22'), 'server version').fix).toContain('PostgreSQL 13 or newer');
    expect(finding(withSettings({}, '12.20'), 'server version')).toMatchObject({ status: 'warn' });
    expect(finding(withSettings({}, '13.0'), 'server version').status).toBe('ok');
    expect(finding(withSettings({}, 'garbage'), 'server version').status).toBe('fail');
  });

  test('a database that is not UTF-8 fails, with the statement that creates one', () => {
    const f = finding(withSettings({ server_encoding: 'LATIN1' }), 'encoding');
    expect(f).toMatchObject({ status: 'fail', found: 'LATIN1' });
    expect(f.fix).toContain(`CREATE DATABASE "app_utf8" ENCODING 'UTF8' TEMPLATE template0`);
  });

  test('any database locale is fine: string columns are created COLLATE "C"', () => {
    const f = finding(withSettings({ lc_collate: 'de_DE.utf8', lc_ctype: 'C' }), 'collation');
    expect(f.status).toBe('ok');
    expect(f.found).toContain('de_DE.utf8');
  });

  test('without the ICU collation the case-insensitive operators fail', () => {
    const f = finding(withSettings({ icu_case_folding: false }), 'case folding');
    expect(f.status).toBe('fail');
    expect(f.fix).toContain(`CREATE COLLATION "und-x-icu" (provider = icu, locale = 'und')`);
  });

  test('a session time zone other than UTC is a warning: the startup options were dropped', () => {
    const f = finding(withSettings({ TimeZone: 'Europe/Berlin' }), 'time zone');
    expect(f.status).toBe('warn');
    expect(f.fix).toContain(`ALTER DATABASE "app" SET TimeZone = 'UTC'`);
    expect(finding(withSettings({ TimeZone: 'Etc/UTC' }), 'time zone').status).toBe('ok');
  });

  test('a date style other than ISO fails: datetimes would not parse', () => {
    const f = finding(withSettings({ DateStyle: 'SQL, DMY' }), 'date style');
    expect(f.status).toBe('fail');
    expect(f.fix).toContain(`ALTER DATABASE "app" SET DateStyle = 'ISO, MDY'`);
  });

  test('extra_float_digits below 1 fails: doubles would not round-trip', () => {
    const f = finding(withSettings({ extra_float_digits: 0 }), 'float output');
    expect(f.status).toBe('fail');
    expect(f.fix).toContain('SET extra_float_digits = 1');
  });

  test('a standby, or read-only transactions by default, fail', () => {
    expect(finding(withSettings({ in_recovery: true }), 'writable')).toMatchObject({
      status: 'fail',
      found: 'a standby in recovery',
    });
    const f = finding(withSettings({ default_transaction_read_only: true }), 'writable');
    expect(f.status).toBe('fail');
    expect(f.fix).toContain('SET default_transaction_read_only = off');
  });

  test('a default isolation other than read committed is a warning', () => {
    const f = finding(withSettings({ default_transaction_isolation: 'serializable' }), 'default isolation');
    expect(f.status).toBe('warn');
    expect(f.fix).toContain(`SET default_transaction_isolation = 'read committed'`);
  });
});

describe('diagnose on the local server', () => {
  test('health() of a store connection has no failure', async () => {
    const pool = new pg.Pool({ connectionString: URL, max: 1, options: SESSION_OPTIONS });
    try {
      const info = await new PostgresStoreDriver(pool, {
        poolMax: 1,
        sslMode: 'disable',
        poolTimeoutMs: 30_000,
      }).health();
      const findings = diagnosePostgres(info);
      expect(findings.filter((f) => f.status === 'fail')).toEqual([]);
    } finally {
      await pool.end();
    }
  });
});

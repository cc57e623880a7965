import type { HealthFinding, HealthInfo } from '@switchyard/core/adapter';
import { createPool } from 'mysql2';
import { describe, expect, test } from 'vitest';
import { mariadbAdapter } from '../src/mariadb-adapter.ts';
import { diagnoseMariadb } from '../src/mariadb-diagnose.ts';
import { MariadbStoreDriver } from '../src/mariadb-driver.ts';
import { configureConnection, SQL_MODE } from '../src/mariadb-session.ts';
import { parseMariadbUrl } from '../src/mariadb-url.ts';

const URL = process.env.CONFORMANCE_MARIADB_URL ?? 'mariadb://root@127.0.0.1:3306/test';

/** What a store connection reports on a MariaDB 11.8 server with its defaults. */
const good: HealthInfo = {
  serverVersion: '11.8.3-MariaDB-ubu2404',
  settings: {
    version_comment: 'mariadb.org binary distribution',
    character_set_connection: 'utf8mb4',
    collation_connection: 'utf8mb4_nopad_bin',
    time_zone: '+00:00',
    sql_mode: SQL_MODE,
    tx_isolation: 'READ-COMMITTED',
    innodb_snapshot_isolation: true,
    database: 'app',
    character_set_database: 'utf8mb4',
    collation_database: 'utf8mb4_uca1400_ai_ci',
    global_time_zone: 'SYSTEM',
    system_time_zone: 'CET',
    read_only: false,
    innodb_ft_min_token_size: 3,
    innodb_ft_max_token_size: 84,
    innodb_ft_cache_size: 80_000_000,
    pool_max: 10,
  },
};

function withSettings(settings: HealthInfo['settings'], serverVersion = good.serverVersion): HealthInfo {
  return { serverVersion, settings: { ...good.settings, ...settings } };
}

function finding(info: HealthInfo, check: string): HealthFinding {
  const found = diagnoseMariadb(info).find((f) => f.check === check);
  if (!found) throw new Error(`no "${check}" finding`);
  return found;
}

describe('diagnose', () => {
  test('a well-configured server, seen through a store connection, gives one ok finding per check', () => {
    const findings = diagnoseMariadb(good);
    expect(findings.map((f) => f.check)).toEqual([
      'server version',
      'connection character set',
      'database character set',
      'time zone',
      'SQL mode',
      'snapshot isolation',
      'full-text token size',
      'full-text cache',
      'writable',
    ]);
    for (const f of findings) {
      expect(f.status).toBe('ok');
      expect(f.fix).toBeUndefined();
    }
    expect(finding(good, 'time zone').found).toBe('session +00:00, server default SYSTEM (CET)');
  });

  test('the adapter exposes it and declares that DDL is not transactional', () => {
    expect(mariadbAdapter.diagnose(good)).toEqual(diagnoseMariadb(good));
    expect(mariadbAdapter.transactionalDdl).toBe(false);
  });

  test('MariaDB older than 10.6 fails, and so does MySQL', () => {
    expect(finding(withSettings({}, '10.5.27-MariaDB'), 'server version')).toMatchObject({ status: 'fail' });
    expect(finding(withSettings({}, '10.6.0-MariaDB'), 'server version').status).toBe('ok');
    const mysql = finding(withSettings({}, '8.0.39'), 'server version');
    expect(mysql.status).toBe('fail');
    expect(mysql.fix).toContain('MySQL is not supported');
  });

  test('a session without the binary collation fails, with the my.cnf lines', () => {
    const f = finding(
      withSettings({ collation_connection: 'utf8mb4_general_ci' }),
      'connection character set',
    );
    expect(f.status).toBe('fail');
    expect(f.fix).toContain('collation-server = utf8mb4_nopad_bin');
    expect(
      finding(withSettings({ character_set_connection: 'latin1' }), 'connection character set').status,
    ).toBe('fail');
  });

  test('a database default that is not utf8mb4 is a warning with the ALTER DATABASE statement', () => {
    const f = finding(
      withSettings({ character_set_database: 'latin1', collation_database: 'latin1_swedish_ci' }),
      'database character set',
    );
    expect(f.status).toBe('warn');
    expect(f.fix).toContain('ALTER DATABASE `app` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin');
  });

  test('a session time zone other than UTC is a warning: Switchyard writes datetimes as UTC text', () => {
    const f = finding(withSettings({ time_zone: 'SYSTEM' }), 'time zone');
    expect(f.status).toBe('warn');
    expect(f.fix).toContain(`SET GLOBAL time_zone = '+00:00'`);
    expect(f.fix).toContain(`default-time-zone = '+00:00'`);
  });

  test('a session without a strict mode, or with a mode that changes the SQL, fails', () => {
    const lenient = finding(withSettings({ sql_mode: 'NO_ENGINE_SUBSTITUTION' }), 'SQL mode');
    expect(lenient.status).toBe('fail');
    expect(lenient.fix).toContain('truncated');
    expect(lenient.fix).toContain(`SET GLOBAL sql_mode = '${SQL_MODE}'`);
    const escapes = finding(withSettings({ sql_mode: `${SQL_MODE},NO_BACKSLASH_ESCAPES` }), 'SQL mode');
    expect(escapes.status).toBe('fail');
    expect(escapes.fix).toContain('NO_BACKSLASH_ESCAPES');
    expect(finding(withSettings({ sql_mode: 'STRICT_TRANS_TABLES' }), 'SQL mode').status).toBe('ok');
  });

  test('no snapshot isolation is a warning: only repeatable read transactions can lose updates', () => {
    const f = finding(withSettings({ innodb_snapshot_isolation: false }), 'snapshot isolation');
    expect(f.status).toBe('warn');
    expect(f.fix).toContain('10.6.18');
  });

  test('full-text token sizes that drop search tokens fail', () => {
    const f = finding(withSettings({ innodb_ft_min_token_size: 4 }), 'full-text token size');
    expect(f.status).toBe('fail');
    expect(f.fix).toContain('innodb_ft_min_token_size = 3');
    expect(finding(withSettings({ innodb_ft_max_token_size: 80 }), 'full-text token size').status).toBe(
      'fail',
    );
    expect(finding(withSettings({ innodb_ft_min_token_size: 1 }), 'full-text token size').status).toBe('ok');
  });

  test('the default full-text cache warns: each of its syncs is a window where searches can miss documents', () => {
    const f = finding(withSettings({ innodb_ft_cache_size: 8_000_000 }), 'full-text cache');
    expect(f.status).toBe('warn');
    expect(f.found).toBe('innodb_ft_cache_size 8000000');
    expect(f.fix).toContain('innodb_ft_cache_size = 80M');
    expect(f.fix).toContain('800 KB');
  });

  test('a read-only server fails', () => {
    const f = finding(withSettings({ read_only: true }), 'writable');
    expect(f.status).toBe('fail');
    expect(f.fix).toContain('SET GLOBAL read_only = OFF');
  });
});

describe('diagnose on the local server', () => {
  test('health() of a store connection has no failure', async () => {
    const location = parseMariadbUrl(URL);
    const pool = createPool({
      host: location.host,
      port: location.port,
      user: location.user,
      password: location.password,
      database: location.database,
      connectionLimit: 1,
      charset: 'UTF8MB4_BIN',
    });
    pool.on('connection', configureConnection);
    const driver = new MariadbStoreDriver(pool, { poolMax: 1, sslMode: 'disable', poolTimeoutMs: 30_000 });
    try {
      const findings = diagnoseMariadb(await driver.health());
      expect(findings.filter((f) => f.status === 'fail')).toEqual([]);
    } finally {
      await driver.close();
    }
  });
});

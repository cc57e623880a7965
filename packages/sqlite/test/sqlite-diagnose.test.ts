import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HealthFinding, HealthInfo } from '@switchyard/core/adapter';
import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { sqliteAdapter } from '../src/sqlite-adapter.ts';
import { diagnoseSqlite } from '../src/sqlite-diagnose.ts';
import { SqliteStoreDriver } from '../src/sqlite-driver.ts';

const good: HealthInfo = {
  serverVersion: '3.53.0',
  settings: {
    encoding: 'UTF-8',
    journal_mode: 'wal',
    synchronous: 1,
    foreign_keys: true,
    busy_timeout: 5000,
    file: '/var/lib/app/app.sqlite',
  },
};

function withSettings(settings: HealthInfo['settings'], serverVersion = good.serverVersion): HealthInfo {
  return { serverVersion, settings: { ...good.settings, ...settings } };
}

function finding(info: HealthInfo, check: string): HealthFinding {
  const found = diagnoseSqlite(info).find((f) => f.check === check);
  if (!found) throw new Error(`no "${check}" finding`);
  return found;
}

describe('diagnose', () => {
  test('the settings the adapter sets give one ok finding per check, without a fix', () => {
    const findings = diagnoseSqlite(good);
    expect(findings.map((f) => f.check)).toEqual([
      'SQLite version',
      'encoding',
      'time zone',
      'journal mode',
      'foreign keys',
      'busy timeout',
      'synchronous',
    ]);
    for (const f of findings) {
      expect(f.status).toBe('ok');
      expect(f.fix).toBeUndefined();
    }
  });

  test('the adapter exposes it', () => {
    expect(sqliteAdapter.diagnose(good)).toEqual(diagnoseSqlite(good));
    expect(sqliteAdapter.transactionalDdl).toBe(true);
  });

  test.each(['3.37.2', '3.8.11', 'unknown'])('SQLite %s is too old: fail', (version) => {
    const f = finding(withSettings({}, version), 'SQLite version');
    expect(f).toMatchObject({ status: 'fail', found: version });
    expect(f.fix).toContain('3.38.0');
    expect(f.fix).toContain('--sqlite3=');
  });

  test('3.38.0 and later are fine', () => {
    expect(finding(withSettings({}, '3.38.0'), 'SQLite version').status).toBe('ok');
    expect(finding(withSettings({}, '4.0.1'), 'SQLite version').status).toBe('ok');
  });

  test('a UTF-16 database fails: its strings do not sort in code-point order', () => {
    const f = finding(withSettings({ encoding: 'UTF-16le' }), 'encoding');
    expect(f.status).toBe('fail');
    expect(f.fix).toContain('.dump');
  });

  test('a file database not in WAL mode is a warning', () => {
    const f = finding(withSettings({ journal_mode: 'delete' }), 'journal mode');
    expect(f).toMatchObject({ status: 'warn', found: 'delete' });
    expect(f.fix).toContain('PRAGMA journal_mode = WAL');
  });

  test('an in-memory database needs neither WAL nor a busy timeout', () => {
    const memory = withSettings({
      file: ':memory:',
      journal_mode: 'memory',
      busy_timeout: 0,
      synchronous: 0,
    });
    expect(diagnoseSqlite(memory).every((f) => f.status === 'ok')).toBe(true);
  });

  test('foreign keys off fail: references are not enforced', () => {
    const f = finding(withSettings({ foreign_keys: false }), 'foreign keys');
    expect(f).toMatchObject({ status: 'fail', found: 'off' });
    expect(f.fix).toContain('PRAGMA foreign_keys = ON');
  });

  test('no busy timeout on a file is a warning that names the option', () => {
    const f = finding(withSettings({ busy_timeout: 0 }), 'busy timeout');
    expect(f).toMatchObject({ status: 'warn', found: '0 ms' });
    expect(f.fix).toContain('busyTimeoutMs');
  });

  test('synchronous = OFF is a warning', () => {
    const f = finding(withSettings({ synchronous: 0 }), 'synchronous');
    expect(f).toMatchObject({ status: 'warn', found: 'OFF' });
    expect(f.fix).toContain('PRAGMA synchronous = NORMAL');
  });
});

describe('diagnose on a real database', () => {
  test('a file database opened by the driver has no failure and no warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-diagnose-'));
    const db = new Database(join(dir, 'app.sqlite'));
    try {
      const driver = new SqliteStoreDriver(db, { busyTimeoutMs: 5000, memory: false, readOnly: false });
      const findings = diagnoseSqlite(await driver.health());
      expect(findings.filter((f) => f.status !== 'ok')).toEqual([]);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { SqliteStoreDriver } from '../src/sqlite-driver.ts';
import { LruCache } from '../src/sqlite-statement-cache.ts';

describe('LruCache', () => {
  test('keeps at most capacity entries, evicting the least recently used', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now younger than b
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.has('b')).toBe(false);
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  test('setting an existing key refreshes it without growing', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 10);
    cache.set('c', 3);
    expect(cache.get('a')).toBe(10);
    expect(cache.has('b')).toBe(false);
    expect(cache.size).toBe(2);
  });

  test('a miss is undefined and the capacity must be a positive integer', () => {
    expect(new LruCache<string, number>(1).get('x')).toBeUndefined();
    expect(() => new LruCache(0)).toThrow(RangeError);
  });
});

describe('SqliteStoreDriver', () => {
  let db: Database.Database;
  let driver: SqliteStoreDriver;

  beforeEach(() => {
    db = new Database(':memory:');
    driver = new SqliteStoreDriver(db, { busyTimeoutMs: 0, memory: true, readOnly: false });
    db.exec('CREATE TABLE t (v INTEGER)');
  });

  afterEach(async () => {
    await driver.close();
    db.close();
  });

  test('a transaction refuses statements after commit and after rollback', async () => {
    const committed = await driver.begin({ isolation: undefined, readOnly: false });
    await committed.execute('INSERT INTO t (v) VALUES (?)', [1]);
    await committed.commit();
    await expect(committed.query('SELECT v FROM t', [])).rejects.toThrow(
      'The transaction has already ended.',
    );
    await expect(committed.execute('DELETE FROM t', [])).rejects.toThrow(
      'The transaction has already ended.',
    );

    const rolledBack = await driver.begin({ isolation: undefined, readOnly: false });
    await rolledBack.rollback();
    await expect(rolledBack.execute('DELETE FROM t', [])).rejects.toThrow(
      'The transaction has already ended.',
    );
    expect(await driver.query('SELECT v FROM t', [])).toEqual([{ v: 1n }]);
  });

  test('distinct statements beyond the cache size still run', async () => {
    for (let n = 1; n <= 520; n++) {
      const rows = await driver.query(`SELECT ${n} AS n`, []);
      expect(rows).toEqual([{ n: BigInt(n) }]);
    }
    expect(await driver.query('SELECT 1 AS n', [])).toEqual([{ n: 1n }]);
  });
});

describe('SqliteStoreDriver on a file', () => {
  let dir: string;
  let db: Database.Database;
  let driver: SqliteStoreDriver;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sy-wal-'));
    db = new Database(join(dir, 'wal.db'));
    driver = new SqliteStoreDriver(db, { busyTimeoutMs: 0, memory: false, readOnly: false });
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)');
    db.exec(
      'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO t (id, v) SELECT i, 0 FROM n',
    );
  });

  afterEach(async () => {
    await driver.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('single-row writes with RETURNING keep the WAL checkpointed', async () => {
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const autocheckpoint = Number(db.pragma('wal_autocheckpoint', { simple: true }));
    // Each autocommitted UPDATE appends at least one page to the WAL: 3× the checkpoint
    // threshold would triple the file if automatic checkpoints never ran.
    for (let i = 0; i < autocheckpoint * 3; i++) {
      const row = await driver.queryFirst('UPDATE t SET v = v + 1 WHERE id = ? RETURNING v', [
        (i % 2000) + 1,
      ]);
      expect(row).toBeDefined();
    }
    const walBytes = statSync(join(dir, 'wal.db-wal')).size;
    expect(walBytes).toBeLessThan(pageSize * autocheckpoint * 1.5);
  });
});

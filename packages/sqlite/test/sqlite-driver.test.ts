import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { SqliteStoreDriver } from '../src/sqlite-driver.ts';
import { LruCache } from '../src/sqlite-statement-cache.ts';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

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
    driver = new SqliteStoreDriver(db, { busyTimeoutMs: 0, memory: true });
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

  test('exclusive work waits until the open transaction ends', async () => {
    const tx = await driver.begin({ isolation: undefined, readOnly: false });
    let inTransactionDuringWork: boolean | undefined;
    const work = driver.exclusive(async () => {
      inTransactionDuringWork = db.inTransaction;
      db.exec('CREATE TABLE u (v INTEGER)');
      return 'done';
    });
    await tick();
    expect(inTransactionDuringWork).toBeUndefined();
    await tx.execute('INSERT INTO t (v) VALUES (1)', []);
    await tx.rollback();
    expect(await work).toBe('done');
    expect(inTransactionDuringWork).toBe(false);
  });

  test('statements and transactions wait while exclusive work runs', async () => {
    let finish!: () => void;
    const order: string[] = [];
    const work = driver.exclusive(async () => {
      order.push('work started');
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
      order.push('work ended');
    });
    await tick();
    const statement = driver.execute('INSERT INTO t (v) VALUES (1)', []).then(() => order.push('statement'));
    const begun = driver.begin({ isolation: undefined, readOnly: false }).then(async (tx) => {
      order.push('begin');
      await tx.commit();
    });
    await tick();
    expect(order).toEqual(['work started']);
    finish();
    await Promise.all([work, statement, begun]);
    expect(order.slice(0, 2)).toEqual(['work started', 'work ended']);
    expect(order).toHaveLength(4);
  });

  test('transactions and exclusive work waiting together take the gate one at a time', async () => {
    const first = await driver.begin({ isolation: undefined, readOnly: false });
    const order: string[] = [];
    const increments = Array.from({ length: 8 }, async (_, i) => {
      const tx = await driver.begin({ isolation: undefined, readOnly: false });
      order.push(`begin ${i}`);
      await tx.execute('INSERT INTO t (v) VALUES (?)', [i]);
      await tick();
      order.push(`commit ${i}`);
      await tx.commit();
    });
    const works = Array.from({ length: 3 }, (_, i) =>
      driver.exclusive(async () => {
        order.push(`work ${i}`);
        expect(db.inTransaction).toBe(false);
        await tick();
        order.push(`work ${i} ended`);
      }),
    );
    await tick();
    await first.commit();
    await Promise.all([...increments, ...works]);
    expect(await driver.query('SELECT count(*) AS n FROM t', [])).toEqual([{ n: 8n }]);
    // Whoever holds the gate finishes before the next one starts.
    for (let i = 0; i < order.length; i += 2) {
      const started = order[i] as string;
      const ended = started.startsWith('begin') ? started.replace('begin', 'commit') : `${started} ended`;
      expect(order[i + 1]).toBe(ended);
    }
  });

  test('exclusive releases the gate when its work throws', async () => {
    await expect(
      driver.exclusive(async () => {
        throw new Error('schema work failed');
      }),
    ).rejects.toThrow('schema work failed');
    await expect(
      driver.exclusive(() => {
        throw new Error('thrown synchronously');
      }),
    ).rejects.toThrow('thrown synchronously');
    expect(await driver.query('SELECT count(*) AS n FROM t', [])).toEqual([{ n: 0n }]);
    const tx = await driver.begin({ isolation: undefined, readOnly: false });
    await tx.commit();
  });

  test('distinct statements beyond the cache size still run', async () => {
    for (let n = 1; n <= 520; n++) {
      const rows = await driver.query(`SELECT ${n} AS n`, []);
      expect(rows).toEqual([{ n: BigInt(n) }]);
    }
    expect(await driver.query('SELECT 1 AS n', [])).toEqual([{ n: 1n }]);
  });
});

/**
 * `withLock` against a live server (CONFORMANCE_MARIADB_URL, else the local default). Each run
 * works in a database of its own, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import type { TestDatabase } from '@switchyard/conformance';
import { LockTimeoutError } from '@switchyard/core/adapter';
import { createPool, type Pool } from 'mysql2';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { MariadbStoreDriver } from '../src/mariadb-driver.ts';
import { configureConnection } from '../src/mariadb-session.ts';
import { mariadbProvider } from '../src/mariadb-testing.ts';
import { parseMariadbUrl } from '../src/mariadb-url.ts';

const SERVER_URL = process.env.CONFORMANCE_MARIADB_URL ?? 'mariadb://root@127.0.0.1:3306/test';
const LOCK = 'switchyard:migrate';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}

let database: TestDatabase;
let admin: Connection;
const drivers: MariadbStoreDriver[] = [];

function connectionOptions(url: string) {
  const location = parseMariadbUrl(url);
  return {
    host: location.host,
    port: location.port,
    user: location.user,
    password: location.password,
    database: location.database,
  };
}

beforeAll(async () => {
  database = await mariadbProvider.createDatabase(SERVER_URL, `sy_lock_${randomBytes(4).toString('hex')}`);
  admin = await createConnection(connectionOptions(database.url));
});

afterAll(async () => {
  await admin?.end();
  await database?.drop();
});

/** A store's driver: its own pool, set up as the adapter sets it up, as a separate replica would have. */
function replica(url = database.url, connectionLimit = 2): { driver: MariadbStoreDriver; pool: Pool } {
  const pool = createPool({
    ...connectionOptions(url),
    connectionLimit,
    charset: 'UTF8MB4_BIN',
    supportBigNumbers: true,
    dateStrings: true,
    flags: ['FOUND_ROWS'],
  });
  pool.on('connection', configureConnection);
  const driver = new MariadbStoreDriver(pool, connectionLimit);
  drivers.push(driver);
  return { driver, pool };
}

afterEach(async () => {
  for (const driver of drivers.splice(0)) await driver.close();
});

async function rows(sql: string): Promise<unknown[]> {
  const [result] = await admin.query(sql);
  return result as unknown[];
}

async function tableExists(name: string): Promise<boolean> {
  const [result] = await admin.query(
    'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [name],
  );
  return Number((result as { n: number }[])[0]?.n) > 0;
}

/** Holds the lock on `driver` until the returned `leave` is fired. */
async function hold(driver: MariadbStoreDriver, name = LOCK) {
  const inside = signal();
  const leave = signal();
  const done = driver.withLock(name, 1000, async () => {
    inside.fire();
    await leave.promise;
  });
  await inside.promise;
  return { leave: leave.fire, done };
}

describe('withLock on MariaDB', () => {
  test('a second replica waits up to its timeout, then rejects with LockTimeoutError', async () => {
    const a = replica();
    const b = replica();
    const held = await hold(a.driver);
    const started = performance.now();
    let ran = false;
    const attempt = b.driver.withLock(LOCK, 400, async () => {
      ran = true;
    });
    await expect(attempt).rejects.toBeInstanceOf(LockTimeoutError);
    await expect(attempt).rejects.toThrow(
      `Waited 0.4 s for the lock "${LOCK}" on this database; another process holds it.`,
    );
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(390);
    expect(waited).toBeLessThan(1500);
    expect(ran).toBe(false);
    held.leave();
    await held.done;
  });

  test('mutual exclusion: the second caller runs only after the first released the lock', async () => {
    const a = replica();
    const b = replica();
    const order: string[] = [];
    const inside = signal();
    const first = a.driver.withLock(LOCK, 5000, async () => {
      order.push('a start');
      inside.fire();
      await sleep(400);
      order.push('a end');
    });
    await inside.promise;
    const second = b.driver.withLock(LOCK, 5000, async () => {
      order.push('b start');
    });
    await Promise.all([first, second]);
    expect(order).toEqual(['a start', 'a end', 'b start']);
  });

  test('another name, or the same name on another database, is another lock', async () => {
    const held = await hold(replica().driver);
    expect(await replica().driver.withLock('another lock', 0, async () => 'ran')).toBe('ran');
    expect(await replica(SERVER_URL).driver.withLock(LOCK, 0, async () => 'ran')).toBe('ran');
    held.leave();
    await held.done;
  });

  test("the callback's statements run on one connection, and its result comes back", async () => {
    const { driver } = replica();
    const ids = await driver.withLock(LOCK, 1000, async (session) => {
      const one = await session.query('SELECT CONNECTION_ID() AS id', []);
      const two = await session.query('SELECT CONNECTION_ID() AS id', []);
      return [one[0]?.id, two[0]?.id];
    });
    expect(ids[0]).toBeDefined();
    expect(ids[1]).toBe(ids[0]);
  });

  test('session settings the callback changes never reach a pooled connection', async () => {
    const { driver } = replica(database.url, 1);
    await driver.withLock(LOCK, 1000, async (session) => {
      // What MikroORM's generated migration SQL starts with.
      await session.execute('SET NAMES utf8mb4', []);
      await session.execute('SET foreign_key_checks = 0', []);
    });
    const [row] = await driver.query(
      'SELECT @@foreign_key_checks AS fk, @@collation_connection AS collation',
      [],
    );
    expect(row).toEqual({ fk: '1', collation: 'utf8mb4_nopad_bin' });
  });

  test('after the callback throws, its error comes back unchanged and the lock is free at once', async () => {
    const { driver } = replica();
    const failure = new Error('migration step failed');
    await expect(
      driver.withLock(LOCK, 1000, async (session) => {
        await session.query('SELECT 1', []);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await replica().driver.withLock(LOCK, 0, async () => 'free')).toBe('free');
    const [row] = (await rows(`SELECT IS_USED_LOCK(SHA1(CONCAT(DATABASE(), '/', '${LOCK}'))) AS holder`)) as {
      holder: unknown;
    }[];
    expect(row?.holder).toBeNull();
  });

  test('a killed connection releases the lock, and its withLock rejects', async () => {
    const a = replica();
    const b = replica();
    const inside = signal();
    const killed = signal();
    const holding = a.driver.withLock(LOCK, 1000, async (session) => {
      const [row] = await session.query('SELECT CONNECTION_ID() AS id', []);
      await admin.query(`KILL CONNECTION ${Number(row?.id)}`);
      inside.fire();
      await killed.promise;
      await session.query('SELECT 1', []);
    });
    await inside.promise;
    const started = performance.now();
    expect(await b.driver.withLock(LOCK, 5000, async () => 'taken')).toBe('taken');
    expect(performance.now() - started).toBeLessThan(1000);
    killed.fire();
    await expect(holding).rejects.toThrow();
    expect(await a.driver.withLock(LOCK, 1000, async () => 'again')).toBe('again');
  });
});

describe('atomic on MariaDB', () => {
  test('a failing atomic block rolls its rows back', async () => {
    const { driver } = replica();
    await admin.query('CREATE TABLE sy_rows (v int)');
    const failure = new Error('step 2 failed');
    await driver.withLock(LOCK, 1000, async (session) => {
      await session.atomic(() => session.execute('INSERT INTO sy_rows (v) VALUES (1)', []));
      await expect(
        session.atomic(async () => {
          await session.execute('INSERT INTO sy_rows (v) VALUES (2)', []);
          throw failure;
        }),
      ).rejects.toBe(failure);
    });
    expect(await rows('SELECT v FROM sy_rows')).toEqual([{ v: 1 }]);
    await admin.query('DROP TABLE sy_rows');
  });

  test('DDL is not transactional: it commits what ran before it in the block, and stays', async () => {
    const { driver } = replica();
    await admin.query('CREATE TABLE sy_before (v int)');
    await driver.withLock(LOCK, 1000, async (session) => {
      await expect(
        session.atomic(async () => {
          await session.execute('INSERT INTO sy_before (v) VALUES (1)', []);
          await session.execute('CREATE TABLE sy_ddl (v int)', []);
          throw new Error('after the DDL');
        }),
      ).rejects.toThrow('after the DDL');
    });
    expect(await tableExists('sy_ddl')).toBe(true);
    expect(await rows('SELECT v FROM sy_before')).toEqual([{ v: 1 }]);
    await admin.query('DROP TABLE sy_before, sy_ddl');
  });

  test('atomic blocks nest as savepoints, also when DDL inside committed them away', async () => {
    const { driver } = replica();
    await admin.query('CREATE TABLE sy_nested (v int)');
    await driver.withLock(LOCK, 1000, async (session) => {
      await session.atomic(async () => {
        await session.execute('INSERT INTO sy_nested (v) VALUES (1)', []);
        await session
          .atomic(async () => {
            await session.execute('INSERT INTO sy_nested (v) VALUES (2)', []);
            throw new Error('inner');
          })
          .catch(() => undefined);
        await session.execute('INSERT INTO sy_nested (v) VALUES (3)', []);
      });
      // The DDL ends the outer transaction and with it the savepoint: the block still succeeds.
      await session.atomic(() =>
        session.atomic(() => session.execute('CREATE TABLE sy_nested_ddl (v int)', [])),
      );
    });
    expect(await rows('SELECT v FROM sy_nested ORDER BY v')).toEqual([{ v: 1 }, { v: 3 }]);
    expect(await tableExists('sy_nested_ddl')).toBe(true);
    await admin.query('DROP TABLE sy_nested, sy_nested_ddl');
  });

  test('an atomic block still open when the callback settles is rolled back with its connection', async () => {
    const { driver } = replica();
    await admin.query('CREATE TABLE sy_orphan (v int)');
    const leave = signal();
    let pending: Promise<unknown> | undefined;
    await driver.withLock(LOCK, 1000, async (session) => {
      pending = session.atomic(async () => {
        await session.execute('INSERT INTO sy_orphan (v) VALUES (1)', []);
        await leave.promise;
      });
      await sleep(100);
    });
    leave.fire();
    await expect(pending).rejects.toThrow('The lock has been released');
    expect(await rows('SELECT v FROM sy_orphan')).toEqual([]);
    expect(await replica().driver.withLock(LOCK, 1000, async () => 'free')).toBe('free');
    await admin.query('DROP TABLE sy_orphan');
  });
});

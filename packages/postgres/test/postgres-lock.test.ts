/**
 * `withLock` against a live server (CONFORMANCE_POSTGRES_URL, else the local default). Each run
 * works in a database of its own, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import type { TestDatabase } from '@switchyard/conformance';
import { LockTimeoutError } from '@switchyard/core/adapter';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { SESSION_OPTIONS } from '../src/postgres-adapter.ts';
import { PostgresStoreDriver } from '../src/postgres-driver.ts';
import { postgresProvider } from '../src/postgres-testing.ts';

const SERVER_URL = process.env.CONFORMANCE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
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
let admin: pg.Client;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  database = await postgresProvider.createDatabase(SERVER_URL, `sy_lock_${randomBytes(4).toString('hex')}`);
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await database?.drop();
});

/** A store's driver: its own pool, as a separate replica would have. */
function replica(url = database.url): { driver: PostgresStoreDriver; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: url, max: 2, options: SESSION_OPTIONS });
  // An idle client whose connection is killed emits 'error' on the pool.
  pool.on('error', () => undefined);
  pools.push(pool);
  return { driver: new PostgresStoreDriver(pool, 2), pool };
}

afterEach(async () => {
  // A driver's close() ends its pool itself.
  for (const pool of pools.splice(0)) if (!pool.ending && !pool.ended) await pool.end();
});

async function tableExists(name: string): Promise<boolean> {
  const { rows } = await admin.query('SELECT to_regclass($1) IS NOT NULL AS present', [name]);
  return rows[0]?.present === true;
}

/** Holds the lock on `driver` until the returned `leave` is fired. */
async function hold(driver: PostgresStoreDriver, name = LOCK) {
  const inside = signal();
  const leave = signal();
  const done = driver.withLock(name, 1000, async (session) => {
    const [row] = await session.query('SELECT pg_backend_pid() AS pid', []);
    inside.fire();
    await leave.promise;
    return row?.pid as number;
  });
  await inside.promise;
  return { leave: leave.fire, done };
}

describe('withLock on PostgreSQL', () => {
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
    // The waiter's client, which ran nothing of fn, went back to the pool.
    expect(b.pool.totalCount).toBe(1);
    expect(b.pool.idleCount).toBe(1);
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
    const a = replica();
    const held = await hold(a.driver);
    expect(await replica().driver.withLock('another lock', 0, async () => 'ran')).toBe('ran');
    expect(await replica(SERVER_URL).driver.withLock(LOCK, 0, async () => 'ran')).toBe('ran');
    held.leave();
    await held.done;
  });

  test("the callback's statements run on one connection, and its result comes back", async () => {
    const { driver } = replica();
    const pids = await driver.withLock(LOCK, 1000, async (session) => {
      const one = await session.query('SELECT pg_backend_pid() AS pid', []);
      await session.execute('SET application_name = $$sy_lock$$', []);
      const two = await session.query(
        "SELECT pg_backend_pid() AS pid, current_setting('application_name') AS app",
        [],
      );
      return [one[0], two[0]];
    });
    expect(pids[1]).toEqual({ pid: pids[0]?.pid, app: 'sy_lock' });
  });

  test('session settings the callback changes never reach a pooled connection', async () => {
    const { driver, pool } = replica();
    await driver.withLock(LOCK, 1000, async (session) => {
      // What MikroORM's generated migration SQL starts with: foreign keys and triggers off.
      await session.execute("SET session_replication_role = 'replica'", []);
    });
    expect(pool.totalCount).toBe(0);
    const [row] = await driver.query("SELECT current_setting('session_replication_role') AS role", []);
    expect(row?.role).toBe('origin');
  });

  test('after the callback throws, its error comes back unchanged and the lock is free at once', async () => {
    const a = replica();
    const failure = new Error('migration step failed');
    await expect(
      a.driver.withLock(LOCK, 1000, async (session) => {
        await session.query('SELECT 1', []);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await replica().driver.withLock(LOCK, 0, async () => 'free')).toBe('free');
    expect(a.pool.totalCount).toBe(0);
    const { rows } = await admin.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'");
    expect(rows[0]?.n).toBe(0);
  });

  test('a killed connection releases the lock, and its withLock rejects', async () => {
    const a = replica();
    const b = replica();
    const inside = signal();
    const killed = signal();
    const holding = a.driver.withLock(LOCK, 1000, async (session) => {
      const [row] = await session.query('SELECT pg_backend_pid() AS pid', []);
      await admin.query('SELECT pg_terminate_backend($1)', [row?.pid]);
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
    // The broken client was destroyed, not handed back; the pool works on.
    expect(a.pool.totalCount).toBe(0);
    expect(await a.driver.withLock(LOCK, 1000, async () => 'again')).toBe('again');
  });

  test('closing the store while a lock is held releases it', async () => {
    const a = replica();
    const held = await hold(a.driver);
    await a.driver.close();
    expect(await replica().driver.withLock(LOCK, 2000, async () => 'free')).toBe('free');
    held.leave();
    await held.done.catch(() => undefined);
  });
});

describe('atomic on PostgreSQL', () => {
  test('a failing atomic block leaves nothing behind, DDL included; committed blocks stay', async () => {
    const { driver } = replica();
    const failure = new Error('step 2 failed');
    await driver.withLock(LOCK, 1000, async (session) => {
      await session.atomic(async () => {
        await session.execute('CREATE TABLE sy_kept (v int)', []);
        await session.execute('INSERT INTO sy_kept (v) VALUES (1)', []);
      });
      await expect(
        session.atomic(async () => {
          await session.execute('INSERT INTO sy_kept (v) VALUES (2)', []);
          await session.execute('CREATE TABLE sy_dropped (v int)', []);
          throw failure;
        }),
      ).rejects.toBe(failure);
    });
    expect((await admin.query('SELECT v FROM sy_kept')).rows).toEqual([{ v: 1 }]);
    expect(await tableExists('sy_dropped')).toBe(false);
    await admin.query('DROP TABLE sy_kept');
  });

  test('atomic blocks nest as savepoints: an inner failure undoes the inner block only', async () => {
    const { driver } = replica();
    await driver.withLock(LOCK, 1000, async (session) => {
      await session.execute('CREATE TABLE sy_nested (v int)', []);
      await session.atomic(async () => {
        await session.execute('INSERT INTO sy_nested (v) VALUES (1)', []);
        await session
          .atomic(async () => {
            await session.execute('INSERT INTO sy_nested (v) VALUES (2)', []);
            await session.execute('SELECT 1/0', []);
          })
          .catch(() => undefined);
        await session.execute('INSERT INTO sy_nested (v) VALUES (3)', []);
      });
    });
    expect((await admin.query('SELECT v FROM sy_nested ORDER BY v')).rows).toEqual([{ v: 1 }, { v: 3 }]);
    await admin.query('DROP TABLE sy_nested');
  });

  test('a block whose failed statement was swallowed is not committed', async () => {
    const { driver, pool } = replica();
    await driver.withLock(LOCK, 1000, async (session) => {
      await expect(
        session.atomic(async () => {
          await session.execute('CREATE TABLE sy_swallowed (v int)', []);
          await session.execute('SELECT 1/0', []).catch(() => undefined);
        }),
      ).rejects.toThrow('rolled back, not committed');
    });
    expect(await tableExists('sy_swallowed')).toBe(false);
    expect(pool.totalCount).toBe(0);
  });

  test('an atomic block still open when the callback settles is rolled back with its connection', async () => {
    const { driver, pool } = replica();
    const leave = signal();
    let pending: Promise<unknown> | undefined;
    await driver.withLock(LOCK, 1000, async (session) => {
      pending = session.atomic(async () => {
        await session.execute('CREATE TABLE sy_orphan (v int)', []);
        await leave.promise;
      });
      await sleep(100);
    });
    leave.fire();
    await expect(pending).rejects.toThrow('The lock has been released');
    expect(await tableExists('sy_orphan')).toBe(false);
    expect(pool.totalCount).toBe(0);
    expect(await replica().driver.withLock(LOCK, 1000, async () => 'free')).toBe('free');
  });
});

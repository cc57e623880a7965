/**
 * `withLock` against a live server (CONFORMANCE_POSTGRES_URL, else the local default). Each run
 * works in a database of its own, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import {
  describeLockContract,
  holdLock,
  CONTRACT_LOCK as LOCK,
  type TestDatabase,
} from '@switchyard/conformance';
import type { Driver } from '@switchyard/core/adapter';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { SESSION_OPTIONS } from '../src/postgres-adapter.ts';
import { PostgresStoreDriver } from '../src/postgres-driver.ts';
import { postgresProvider } from '../src/postgres-testing.ts';

const SERVER_URL = process.env.CONFORMANCE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

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
  return {
    driver: new PostgresStoreDriver(pool, { poolMax: 2, sslMode: 'disable', poolTimeoutMs: 30_000 }),
    pool,
  };
}

afterEach(async () => {
  // A driver's close() ends its pool itself.
  for (const pool of pools.splice(0)) if (!pool.ending && !pool.ended) await pool.end();
});

async function tableExists(driver: Driver, name: string): Promise<boolean> {
  const [row] = await driver.query('SELECT to_regclass($1) IS NOT NULL AS present', [name]);
  return row?.present === true;
}

describeLockContract({
  backend: 'PostgreSQL',
  replica: () => replica(),
  otherDatabase: () => replica(SERVER_URL),
  tableExists,
  transactionalDdl: true,
  lockScope: 'name',
  connectionIdSql: 'SELECT pg_backend_pid() AS id',
  killConnection: async (id) => {
    await admin.query('SELECT pg_terminate_backend($1)', [id]);
  },
  checks: {
    afterKill: ({ pool }) => {
      // The broken client was destroyed, not handed back; the pool works on.
      expect(pool.totalCount).toBe(0);
    },
    afterTimeout: ({ pool }) => {
      // The waiter's client, which ran nothing of fn, went back to the pool.
      expect(pool.totalCount).toBe(1);
      expect(pool.idleCount).toBe(1);
    },
    afterThrow: async ({ pool }) => {
      expect(pool.totalCount).toBe(0);
      const { rows } = await admin.query(
        "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'",
      );
      expect(rows[0]?.n).toBe(0);
    },
    // The connection went with the open block.
    afterOpenAtomic: ({ pool }) => expect(pool.totalCount).toBe(0),
  },
});

describe('withLock on PostgreSQL', () => {
  test('session settings the callback changes never reach a pooled connection', async () => {
    const { driver, pool } = replica();
    await driver.withLock(LOCK, 1000, async (session) => {
      // What MikroORM's generated migration SQL starts with: foreign keys and triggers off.
      await session.execute("SET session_replication_role = 'replica'", []);
      // The setting holds for the callback's later statements: they share its connection.
      const [inside] = await session.query("SELECT current_setting('session_replication_role') AS role", []);
      expect(inside?.role).toBe('replica');
    });
    expect(pool.totalCount).toBe(0);
    const [row] = await driver.query("SELECT current_setting('session_replication_role') AS role", []);
    expect(row?.role).toBe('origin');
  });

  test('closing the store while a lock is held releases it', async () => {
    const a = replica();
    const held = await holdLock(a.driver);
    await a.driver.close();
    expect(await replica().driver.withLock(LOCK, 2000, async () => 'free')).toBe('free');
    held.leave();
    await held.done.catch(() => undefined);
  });
});

describe('atomic on PostgreSQL', () => {
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
    expect(pool.totalCount).toBe(0);
    expect(await tableExists(driver, 'sy_swallowed')).toBe(false);
  });
});

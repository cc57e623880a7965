/**
 * `withLock` against a live server (CONFORMANCE_MARIADB_URL, else the local default). Each run
 * works in a database of its own, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import {
  describeLockContract,
  holdLock,
  CONTRACT_LOCK as LOCK,
  type TestDatabase,
} from '@switchyard/conformance';
import { type Driver, LockTimeoutError } from '@switchyard/core/adapter';
import { createPool, type Pool } from 'mysql2';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { MariadbStoreDriver } from '../src/mariadb-driver.ts';
import { configureConnection } from '../src/mariadb-session.ts';
import { mariadbProvider } from '../src/mariadb-testing.ts';
import { parseMariadbUrl } from '../src/mariadb-url.ts';

const SERVER_URL = process.env.CONFORMANCE_MARIADB_URL ?? 'mariadb://root@127.0.0.1:3306/test';

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
  const driver = new MariadbStoreDriver(pool, {
    poolMax: connectionLimit,
    sslMode: 'disable',
    poolTimeoutMs: 30_000,
  });
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

async function tableExists(driver: Driver, name: string): Promise<boolean> {
  const [row] = await driver.query(
    'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
    [name],
  );
  return Number(row?.n) > 0;
}

describeLockContract({
  backend: 'MariaDB',
  replica: () => replica(),
  otherDatabase: () => replica(SERVER_URL),
  tableExists,
  transactionalDdl: false,
  lockScope: 'name',
  connectionIdSql: 'SELECT CONNECTION_ID() AS id',
  killConnection: async (id) => {
    await admin.query(`KILL CONNECTION ${Number(id)}`);
  },
  checks: {
    afterThrow: async () => {
      const [row] = (await rows(
        `SELECT IS_USED_LOCK(SHA1(CONCAT(DATABASE(), '/', '${LOCK}'))) AS holder`,
      )) as { holder: unknown }[];
      expect(row?.holder).toBeNull();
    },
  },
});

describe('withLock on MariaDB', () => {
  test('a name with characters outside the BMP (4-byte UTF-8) is a lock like any other', async () => {
    const { driver } = replica();
    expect(await driver.withLock('lock 🔒 𝄞', 0, async () => 'ran')).toBe('ran');
    const held = await holdLock(driver, 'lock 🔒 𝄞');
    try {
      await expect(replica().driver.withLock('lock 🔒 𝄞', 0, async () => 'ran')).rejects.toBeInstanceOf(
        LockTimeoutError,
      );
    } finally {
      held.leave();
      await held.done;
    }
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
});

describe('atomic on MariaDB', () => {
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
    expect(await tableExists(driver, 'sy_ddl')).toBe(true);
    expect(await rows('SELECT v FROM sy_before')).toEqual([{ v: 1 }]);
    await admin.query('DROP TABLE sy_before, sy_ddl');
  });

  test('nested atomic blocks around DDL succeed, though the DDL committed their transaction and savepoint away', async () => {
    const { driver } = replica();
    await driver.withLock(LOCK, 1000, async (session) => {
      // The DDL ends the outer transaction and with it the savepoint: the block still succeeds.
      await session.atomic(() =>
        session.atomic(() => session.execute('CREATE TABLE sy_nested_ddl (v int)', [])),
      );
    });
    expect(await tableExists(driver, 'sy_nested_ddl')).toBe(true);
    await admin.query('DROP TABLE sy_nested_ddl');
  });
});

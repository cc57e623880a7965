/**
 * What is MariaDB's own in `store.locks`, against a live server (CONFORMANCE_MARIADB_URL, else the
 * local default). The contract (exclusion, waiting, validation, close, four processes, SIGKILL) is
 * the conformance suite's `locks` suite, run on every backend. Here: a held lock is a `GET_LOCK` of
 * a connection of its own, and the signal when that connection is killed.
 */
import { randomBytes } from 'node:crypto';
import { abortedWithin, type TestDatabase } from '@switchyard/conformance';
import { defineEntity, LockLostError, openStore, p, type Store } from '@switchyard/core';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mariadbAdapter } from '../src/mariadb-adapter.ts';
import { mariadbProvider } from '../src/mariadb-testing.ts';
import { parseMariadbUrl } from '../src/mariadb-url.ts';

const SERVER_URL = process.env.CONFORMANCE_MARIADB_URL ?? 'mariadb://root@127.0.0.1:3306/test';

const Item = defineEntity({
  name: 'LkItem',
  tableName: 'lk_item',
  properties: { id: p.uuid().primary(), n: p.integer() },
});

describe('store.locks on MariaDB: GET_LOCK', () => {
  let database: TestDatabase;
  let admin: Connection;
  let store: Store;
  let other: Store;

  /**
   * The connection holding the application lock `name`, or null: the key is the one the adapter
   * takes, the name in the `app:` namespace scoped to the database and hashed.
   */
  async function holderOf(name: string): Promise<number | null> {
    const [rows] = await admin.query(
      `SELECT IS_USED_LOCK(SHA1(CONCAT(CONVERT(DATABASE() USING utf8mb4), '/', ?))) AS holder`,
      [`app:${name}`],
    );
    const holder = (rows as { holder: unknown }[])[0]?.holder;
    return holder === null || holder === undefined ? null : Number(holder);
  }

  beforeAll(async () => {
    database = await mariadbProvider.createDatabase(
      SERVER_URL,
      `sy_app_lock_${randomBytes(4).toString('hex')}`,
    );
    const location = parseMariadbUrl(database.url);
    admin = await createConnection({
      host: location.host,
      port: location.port,
      user: location.user,
      password: location.password,
      database: location.database,
      charset: 'UTF8MB4_BIN',
    });
    store = await openStore({ url: database.url, schema: [Item], adapter: mariadbAdapter });
    await store.migrate();
    other = await openStore({ url: database.url, schema: [Item], adapter: mariadbAdapter });
  });

  afterAll(async () => {
    await store?.close();
    await other?.close();
    await admin?.end();
    await database?.drop();
  });

  test('a held lock is a GET_LOCK of a connection other than the ones statements run on; free once released', async () => {
    expect(await holderOf('user level')).toBeNull();
    const held = await store.locks.tryLock('user level');
    const holder = await holderOf('user level');
    expect(holder).not.toBeNull();
    const [row] = (await store.orm.em.getConnection().execute('SELECT CONNECTION_ID() AS id')) as {
      id: unknown;
    }[];
    expect(Number(row?.id)).not.toBe(holder);
    expect(await store.repo(Item).count()).toBe(0);
    await held?.release();
    expect(await holderOf('user level')).toBeNull();
  });

  test("the lock's connection killed: the server lets go at once, and the signal aborts with LockLostError", async () => {
    const held = await store.locks.tryLock('killed', { ttl: 1000 });
    if (!held) throw new Error('the lock was not free');
    await admin.query(`KILL CONNECTION ${Number(await holderOf('killed'))}`);
    const started = performance.now();
    expect(await other.locks.withLock('killed', async () => 'taken', { wait: 2000 })).toBe('taken');
    expect(performance.now() - started).toBeLessThan(1000);
    // The connection is checked every ttl / 3.
    const reason = await abortedWithin(held.signal, 1500);
    expect(reason).toBeInstanceOf(LockLostError);
    expect((reason as Error).message).toContain('"killed"');
    await held.release();
    expect(await store.repo(Item).count()).toBe(0);
    const again = await store.locks.tryLock('killed');
    expect(again).not.toBeNull();
    await again?.release();
  });
});

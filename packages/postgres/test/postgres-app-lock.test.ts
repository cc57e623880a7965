/**
 * What is PostgreSQL's own in `store.locks`, against a live server (CONFORMANCE_POSTGRES_URL, else
 * the local default). The contract (exclusion, waiting, validation, close, four processes,
 * SIGKILL) is the conformance suite's `locks` suite, run on every backend. Here: a held lock is a
 * session-level advisory lock on a connection of its own, and the signal when that connection is
 * terminated by the server.
 */
import { randomBytes } from 'node:crypto';
import { abortedWithin, type TestDatabase } from '@switchyard/conformance';
import { defineEntity, LockLostError, openStore, p, type Store } from '@switchyard/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postgresAdapter } from '../src/postgres-adapter.ts';
import { postgresProvider } from '../src/postgres-testing.ts';

const SERVER_URL = process.env.CONFORMANCE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const Item = defineEntity({
  name: 'LkItem',
  tableName: 'lk_item',
  properties: { id: p.uuid().primary(), n: p.integer() },
});

describe('store.locks on PostgreSQL: advisory locks', () => {
  let database: TestDatabase;
  let admin: pg.Client;
  let store: Store;
  let other: Store;

  /** The backends holding an advisory lock in this database. */
  async function advisoryHolders(): Promise<number[]> {
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    return rows.map((row) => row.pid);
  }

  beforeAll(async () => {
    database = await postgresProvider.createDatabase(
      SERVER_URL,
      `sy_app_lock_${randomBytes(4).toString('hex')}`,
    );
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    store = await openStore({ url: database.url, schema: [Item], adapter: postgresAdapter });
    await store.migrate();
    other = await openStore({ url: database.url, schema: [Item], adapter: postgresAdapter });
  });

  afterAll(async () => {
    await store?.close();
    await other?.close();
    await admin?.end();
    await database?.drop();
  });

  test('a held lock is one advisory lock, on a connection other than the ones statements run on; gone once released', async () => {
    expect(await advisoryHolders()).toEqual([]);
    const held = await store.locks.tryLock('advisory');
    const holders = await advisoryHolders();
    expect(holders).toHaveLength(1);
    // The store's statements run meanwhile, on other connections.
    const [row] = (await store.orm.em.getConnection().execute('SELECT pg_backend_pid() AS pid')) as {
      pid: number;
    }[];
    expect(row?.pid).not.toBe(holders[0]);
    expect(await store.repo(Item).count()).toBe(0);
    await held?.release();
    expect(await advisoryHolders()).toEqual([]);
  });

  test("the lock's connection terminated: the server lets go at once, and the signal aborts with LockLostError", async () => {
    const held = await store.locks.tryLock('terminated', { ttl: 1000 });
    if (!held) throw new Error('the lock was not free');
    const [pid] = await advisoryHolders();
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    const started = performance.now();
    expect(await other.locks.withLock('terminated', async () => 'taken', { wait: 2000 })).toBe('taken');
    expect(performance.now() - started).toBeLessThan(1000);
    // The connection is checked every ttl / 3.
    const reason = await abortedWithin(held.signal, 1500);
    expect(reason).toBeInstanceOf(LockLostError);
    expect((reason as Error).message).toContain('"terminated"');
    await held.release();
    expect(await store.repo(Item).count()).toBe(0);
    const again = await store.locks.tryLock('terminated');
    expect(again).not.toBeNull();
    await again?.release();
  });
});

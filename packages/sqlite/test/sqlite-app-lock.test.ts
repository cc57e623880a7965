/**
 * What is SQLite's own in `store.locks`: the lease table. The contract (exclusion, waiting,
 * validation, close, four processes, SIGKILL) is the conformance suite's `locks` suite, run on
 * every backend. Here: the table and its DDL, the lease row (owner, expiry) and its renewal, the
 * take-over of an expired lease, the signal when the lease is deleted, taken over or runs out
 * before it could be renewed, a store without the table, and that a held lease blocks no writer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { abortedWithin } from '@switchyard/conformance';
import {
  ConfigurationError,
  defineEntity,
  type HeldLock,
  LockLostError,
  LockTimeoutError,
  openStore,
  p,
  type Store,
} from '@switchyard/core';
import { compile, LOCK_TABLE } from '@switchyard/core/adapter';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sqliteAdapter } from '../src/sqlite-adapter.ts';
import { sqliteDialect } from '../src/sqlite-dialect.ts';
import { sqliteLockStorage } from '../src/sqlite-lock-lease.ts';

const Item = defineEntity({
  name: 'LkItem',
  tableName: 'lk_item',
  properties: { id: p.uuid().primary(), n: p.integer() },
});

interface LeaseRow {
  owner: string;
  expires_at: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function runAll(db: Database.Database, fragments: ReturnType<typeof sqliteLockStorage.createStorage>): void {
  for (const fragment of fragments) {
    const { sql, params } = compile(fragment, sqliteDialect);
    expect(params).toEqual([]);
    db.prepare(sql).run();
  }
}

describe('store.locks on SQLite: the lease table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-app-lock-'));
  const file = join(dir, 'locks.sqlite');
  const url = `sqlite:${file}`;
  const stores: Store[] = [];
  let store: Store;
  let other: Store;
  /** A connection of its own, as another process (or the sqlite3 shell) would have. */
  let raw: Database.Database;
  let counter = 0;
  const lockName = () => `lease-${++counter}`;

  const open = async (options: { busyTimeoutMs?: number; url?: string } = {}) => {
    const opened = await openStore({
      url: options.url ?? url,
      schema: [Item],
      adapter: sqliteAdapter,
      adapterOptions: options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs },
    });
    stores.push(opened);
    return opened;
  };

  const rowOf = (name: string) =>
    raw.prepare(`SELECT owner, expires_at FROM ${LOCK_TABLE} WHERE name = ?`).get(name) as
      | LeaseRow
      | undefined;

  async function take(on: Store, name: string, ttl: number): Promise<HeldLock> {
    const held = await on.locks.tryLock(name, { ttl });
    if (!held) throw new Error(`the lock "${name}" was not free`);
    return held;
  }

  beforeAll(async () => {
    store = await open();
    await store.migrate();
    other = await open();
    raw = new Database(file);
    raw.pragma('busy_timeout = 5000');
  });

  afterAll(async () => {
    for (const s of stores) await s.close();
    raw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('migrate() creates the table; its DDL is idempotent, and dropStorage removes it', () => {
    const columns = raw
      .prepare(`SELECT name, type, pk, "notnull" FROM pragma_table_info('${LOCK_TABLE}')`)
      .all();
    expect(columns).toEqual([
      { name: 'name', type: 'TEXT', pk: 1, notnull: 1 },
      { name: 'owner', type: 'TEXT', pk: 0, notnull: 1 },
      { name: 'expires_at', type: 'INTEGER', pk: 0, notnull: 1 },
    ]);
    const scratch = new Database(':memory:');
    const tables = () => scratch.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all();
    runAll(scratch, sqliteLockStorage.createStorage());
    runAll(scratch, sqliteLockStorage.createStorage());
    expect(tables()).toEqual([{ name: LOCK_TABLE }]);
    runAll(scratch, sqliteLockStorage.dropStorage());
    runAll(scratch, sqliteLockStorage.dropStorage());
    expect(tables()).toEqual([]);
    scratch.close();
  });

  test("a held lock is one row with an owner of the acquisition's own and an expiry of now + ttl; release deletes it", async () => {
    const name = lockName();
    const before = Date.now();
    const held = await take(store, name, 5000);
    const row = rowOf(name);
    expect(row?.owner).toMatch(UUID);
    expect(row?.expires_at).toBeGreaterThanOrEqual(before + 5000);
    expect(row?.expires_at).toBeLessThanOrEqual(Date.now() + 5000);
    await held.release();
    expect(rowOf(name)).toBeUndefined();
    const again = await take(store, name, 5000);
    expect(rowOf(name)?.owner).not.toBe(row?.owner);
    await again.release();
  });

  test('the lease is renewed every ttl / 3: it outlives its ttl and nobody can take it meanwhile', async () => {
    const name = lockName();
    const held = await take(store, name, 1000);
    const first = rowOf(name) as LeaseRow;
    await sleep(2500);
    const renewed = rowOf(name) as LeaseRow;
    expect(renewed.owner).toBe(first.owner);
    expect(renewed.expires_at).toBeGreaterThan(first.expires_at + 1000);
    expect(renewed.expires_at).toBeGreaterThan(Date.now());
    expect(await other.locks.tryLock(name)).toBeNull();
    expect(held.signal.aborted).toBe(false);
    await held.release();
  });

  test('an expired lease is taken over; one that has not expired is waited for until it does', async () => {
    const insert = raw.prepare(`INSERT INTO ${LOCK_TABLE} (name, owner, expires_at) VALUES (?, ?, ?)`);
    const dead = lockName();
    insert.run(dead, 'a dead process', Date.now() - 1);
    const taken = await take(other, dead, 5000);
    expect(rowOf(dead)?.owner).toMatch(UUID);
    await taken.release();

    const alive = lockName();
    insert.run(alive, 'a live process', Date.now() + 60_000);
    expect(await other.locks.tryLock(alive)).toBeNull();
    await expect(other.locks.withLock(alive, async () => 'ran', { wait: 300 })).rejects.toBeInstanceOf(
      LockTimeoutError,
    );
    expect(rowOf(alive)?.owner).toBe('a live process');

    const dying = lockName();
    const expiresAt = Date.now() + 600;
    insert.run(dying, 'a dying process', expiresAt);
    const enteredAt = await other.locks.withLock(dying, async () => Date.now(), { wait: 5000 });
    expect(enteredAt).toBeGreaterThanOrEqual(expiresAt);
    expect(enteredAt).toBeLessThan(expiresAt + 1000);
  });

  test('the signal aborts with LockLostError when the lease row is deleted', async () => {
    const name = lockName();
    const held = await take(store, name, 1000);
    raw.prepare(`DELETE FROM ${LOCK_TABLE} WHERE name = ?`).run(name);
    const reason = await abortedWithin(held.signal, 2000);
    expect(reason).toBeInstanceOf(LockLostError);
    expect((reason as LockLostError).code).toBe('LOCK_LOST');
    expect((reason as Error).message).toContain(`"${name}"`);
    await held.release();
    expect(rowOf(name)).toBeUndefined();
  });

  test('the signal aborts when another holder has taken the lease over, and release leaves its row alone', async () => {
    const name = lockName();
    const held = await take(store, name, 1000);
    raw.prepare(`UPDATE ${LOCK_TABLE} SET owner = 'the next holder' WHERE name = ?`).run(name);
    expect(await abortedWithin(held.signal, 2000)).toBeInstanceOf(LockLostError);
    await held.release();
    expect(rowOf(name)?.owner).toBe('the next holder');
  });

  test('the signal aborts when the lease runs out before it could be renewed (a transaction of the store outlasted the ttl)', async () => {
    const name = lockName();
    const held = await take(store, name, 1000);
    // The transaction holds the store's only connection: the renewal waits for it.
    await store.transaction(async (tx) => {
      await tx.repo(Item).insert({ n: 1 });
      await sleep(1500);
    });
    expect(held.signal.aborted).toBe(true);
    expect((held.signal.reason as Error).message).toContain('ran out before it could be renewed');
    await held.release();
  });

  test('renewals failing with SQLITE_BUSY are retried; once the lease has run out the signal aborts with the failure as cause', async () => {
    const busy = await open({ busyTimeoutMs: 50 });
    const name = lockName();
    const held = await take(busy, name, 1000);
    raw.exec('BEGIN IMMEDIATE');
    try {
      const reason = (await abortedWithin(held.signal, 3000)) as LockLostError;
      expect(reason).toBeInstanceOf(LockLostError);
      expect((reason.cause as { code?: string }).code).toMatch(/^SQLITE_BUSY/);
    } finally {
      raw.exec('ROLLBACK');
    }
    await held.release();
    expect(rowOf(name)).toBeUndefined();
  });

  test('a held lease blocks no writer: the store, another store and another connection write meanwhile', async () => {
    const name = lockName();
    const held = await take(store, name, 5000);
    await store.repo(Item).insert({ n: 2 });
    await other.transaction((tx) => tx.repo(Item).insert({ n: 3 }));
    raw.exec('BEGIN IMMEDIATE');
    raw.prepare('INSERT INTO lk_item (id, n) VALUES (?, ?)').run(crypto.randomUUID(), 4);
    raw.exec('COMMIT');
    expect(await store.repo(Item).count({ n: { in: [2, 3, 4] } })).toBe(3);
    await held.release();
  });

  test('without the table (no migrate()), store.locks is refused with ConfigurationError naming the fix', async () => {
    const bare = await open({ url: `sqlite:${join(dir, 'unmigrated.sqlite')}` });
    const error = await bare.locks.tryLock('anything').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(LOCK_TABLE);
    expect((error as Error).message).toContain('migrate');
  });
});

/**
 * Lost updates under REPEATABLE READ, against a live server (CONFORMANCE_MARIADB_URL; skipped
 * without it). PostgreSQL refuses the second writer with a serialization failure; with
 * `innodb_snapshot_isolation` (set by the session setup) MariaDB does the same, error 1020.
 */
import { defineEntity, openStore, p, SerializationError, type Store } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adapter } from '../src/index.ts';
import { mariadbProvider } from '../src/testing.ts';

const serverUrl = process.env.CONFORMANCE_MARIADB_URL;

const Counter = defineEntity({
  name: 'Counter',
  tableName: 'sy_counter',
  properties: { id: p.uuid().primary(), value: p.integer() },
});

/** Resolves when `count` callers have arrived. */
function barrier(count: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return () => {
    if (++arrived === count) open();
    return opened;
  };
}

describe.skipIf(!serverUrl)('snapshot isolation on MariaDB', () => {
  let drop: () => Promise<void>;
  let store: Store;

  beforeAll(async () => {
    const database = await mariadbProvider.createDatabase(serverUrl as string, `sy_snapshot_${process.pid}`);
    drop = database.drop;
    store = await openStore({ url: database.url, schema: [Counter], adapter });
    await store.migrate();
  });

  afterAll(async () => {
    await store?.close();
    await drop?.();
  });

  test('the sessions have innodb_snapshot_isolation on where the server has it', async () => {
    const { settings } = await store.health();
    const [row] = (await store.orm.em
      .getConnection()
      .execute(
        "SELECT COUNT(*) AS n FROM information_schema.SYSTEM_VARIABLES WHERE VARIABLE_NAME = 'INNODB_SNAPSHOT_ISOLATION'",
      )) as { n: number | string }[];
    expect(settings.innodb_snapshot_isolation).toBe(Number(row?.n) > 0);
  });

  test('two REPEATABLE READ transactions that read then update one row: the second fails, nothing is lost', async () => {
    const { settings } = await store.health();
    if (settings.innodb_snapshot_isolation !== true) return; // a server older than 10.6.18 / 10.11.8 / 11.4.2
    const counters = store.repo(Counter);
    const { id } = await counters.insert({ value: 100 });
    const bothRead = barrier(2);
    let firstCommitted!: () => void;
    const committed = new Promise<void>((resolve) => {
      firstCommitted = resolve;
    });
    const add = (delta: number, waitForOther: boolean) =>
      store.transaction(
        async (tx) => {
          const row = await tx.repo(Counter).get(id);
          await bothRead();
          if (waitForOther) await committed;
          await tx.repo(Counter).update(id, { value: (row?.value ?? 0) + delta });
        },
        { isolation: 'repeatable read', retry: false },
      );
    const first = add(10, false).finally(firstCommitted);
    const second = add(20, true);
    const [a, b] = await Promise.allSettled([first, second]);
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('rejected');
    expect((b as PromiseRejectedResult).reason).toBeInstanceOf(SerializationError);
    expect((await counters.get(id))?.value).toBe(110);
  });
});

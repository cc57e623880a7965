/**
 * `close()` finishes in bounded time even when a connection is wedged: the server process behind
 * an open transaction is frozen (SIGSTOP), so nothing on that connection will ever answer.
 * Against a live, local server (CONFORMANCE_POSTGRES_URL); freezing a server process needs root
 * on the server's host, so without it the test is skipped with that reason.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { holdTransaction, type TestDatabase } from '@switchyard/conformance';
import { defineEntity, openStore, p } from '@switchyard/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postgresAdapter } from '../src/postgres-adapter.ts';
import { postgresProvider } from '../src/testing.ts';

const serverUrl = process.env.CONFORMANCE_POSTGRES_URL;
const local = serverUrl !== undefined && ['127.0.0.1', 'localhost'].includes(new URL(serverUrl).hostname);
const root = process.getuid?.() === 0;
const reason = !local
  ? 'the server is not on this host'
  : !root
    ? 'freezing a server process needs root'
    : '';

const Item = defineEntity({
  name: 'WedgeItem',
  tableName: 'wedge_item',
  properties: { id: p.uuid().primary(), n: p.integer() },
});

describe.skipIf(!serverUrl || reason !== '')(
  `close() with a wedged connection${reason ? ` (skipped: ${reason})` : ''}`,
  () => {
    let database: TestDatabase;
    let admin: pg.Client;
    const frozen: number[] = [];

    beforeAll(async () => {
      database = await postgresProvider.createDatabase(
        serverUrl as string,
        `sy_wedge_${randomBytes(4).toString('hex')}`,
      );
      admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
    });

    afterAll(async () => {
      for (const pid of frozen) execFileSync('kill', ['-CONT', String(pid)]);
      for (const pid of frozen)
        await admin.query('SELECT pg_terminate_backend($1)', [pid]).catch(() => undefined);
      await admin?.end();
      await database?.drop();
    });

    test('resolves within two seconds although the open transaction will never get an answer', async () => {
      const store = await openStore({ url: database.url, schema: [Item], adapter: postgresAdapter });
      await store.migrate();
      // Never answered once its connection is wedged: the count after proceed().
      const held = holdTransaction(store, Item, { n: 1 });
      await held.entered;
      const { rows } = await admin.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND state LIKE 'idle in transaction%'",
        [new URL(database.url).pathname.slice(1)],
      );
      expect(rows).toHaveLength(1);
      for (const { pid } of rows) {
        execFileSync('kill', ['-STOP', String(pid)]);
        frozen.push(pid);
      }
      held.proceed();
      // The count is on its way to a server that will not read it.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = performance.now();
      await store.close();
      expect(performance.now() - started).toBeLessThan(2000);
      // The transaction's caller is not left hanging either: it fails.
      expect(await held.outcome).toBeInstanceOf(Error);
    });
  },
);

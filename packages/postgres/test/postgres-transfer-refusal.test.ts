/**
 * A transfer into a PostgreSQL database whose role may read but not write the tables is refused
 * before any row moves (the write probe), naming the table — against a live server
 * (CONFORMANCE_POSTGRES_URL; skipped without it). Both sides are PostgreSQL here; the transfer
 * suite covers every direction between backends.
 */
import { randomBytes } from 'node:crypto';
import type { TestDatabase } from '@switchyard/conformance';
import { defineEntity, openStore, p, TransferError, transfer } from '@switchyard/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postgresAdapter } from '../src/postgres-adapter.ts';
import { postgresProvider } from '../src/testing.ts';

const serverUrl = process.env.CONFORMANCE_POSTGRES_URL;

const Item = defineEntity({
  name: 'TxItem',
  tableName: 'tx_item',
  properties: { id: p.uuid().primary(), label: p.string().length(40) },
});

describe.skipIf(!serverUrl)('transfer into a PostgreSQL target that refuses writes', () => {
  const role = `sy_reader_${randomBytes(4).toString('hex')}`;
  let source: TestDatabase;
  let target: TestDatabase;
  let admin: pg.Client;

  beforeAll(async () => {
    const suffix = randomBytes(4).toString('hex');
    source = await postgresProvider.createDatabase(serverUrl as string, `sy_tx_src_${suffix}`);
    target = await postgresProvider.createDatabase(serverUrl as string, `sy_tx_dst_${suffix}`);
    for (const url of [source.url, target.url]) {
      const store = await openStore({ url, schema: [Item], adapter: postgresAdapter });
      await store.migrate();
      if (url === source.url) await store.repo(Item).insertMany([{ label: 'a' }, { label: 'b' }]);
      await store.close();
    }
    admin = new pg.Client({ connectionString: target.url });
    admin.on('error', () => undefined);
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER`);
    await admin.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
    await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
  });

  afterAll(async () => {
    await admin?.end().catch(() => undefined);
    await source?.drop();
    await target?.drop();
    const cleanup = new pg.Client({ connectionString: serverUrl });
    await cleanup.connect();
    await cleanup.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await cleanup.end();
  });

  test('the write probe refuses before any row moves, naming the table', async () => {
    const readerUrl = new URL(target.url);
    readerUrl.username = role;
    const error = await transfer({
      from: source.url,
      to: readerUrl.toString(),
      schema: [Item],
      adapters: { from: postgresAdapter, to: postgresAdapter },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TransferError);
    expect((error as Error).message).toMatch(/The target refuses writes to tx_item \(TxItem\)/);
    expect(Number((await admin.query('SELECT count(*) AS n FROM tx_item')).rows[0]?.n)).toBe(0);
  });
});

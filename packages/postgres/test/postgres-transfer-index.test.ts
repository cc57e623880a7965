/**
 * A transfer into PostgreSQL drops the search index table's GIN index while the documents load and
 * builds it again alongside verification: the index must be there when `transfer()` returns, with
 * verification on or off. Searches would still answer without it (by a scan), so the shared
 * transfer suite cannot see a missing index; this checks the catalogue of a live server
 * (CONFORMANCE_POSTGRES_URL; skipped without it).
 */
import { randomBytes } from 'node:crypto';
import type { TestDatabase } from '@switchyard/conformance';
import { defineEntity, openStore, p, searchable, transfer } from '@switchyard/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postgresAdapter } from '../src/postgres-adapter.ts';
import { postgresProvider } from '../src/testing.ts';

const serverUrl = process.env.CONFORMANCE_POSTGRES_URL;

const Memo = searchable(
  defineEntity({
    name: 'TxMemo',
    tableName: 'tx_memo',
    properties: { id: p.uuid().primary(), text: p.string().length(200) },
  }),
  { fields: ['text'] },
);

async function ginIndexes(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE tablename = 'tx_memo__search' AND indexdef LIKE '%USING gin%'",
    );
    return rows.map((r) => r.indexname);
  } finally {
    await client.end();
  }
}

describe.skipIf(!serverUrl)('transfer into PostgreSQL: the full-text index is rebuilt', () => {
  const suffix = randomBytes(4).toString('hex');
  const databases: TestDatabase[] = [];
  let source: TestDatabase;

  beforeAll(async () => {
    source = await postgresProvider.createDatabase(serverUrl as string, `sy_txi_src_${suffix}`);
    databases.push(source);
    const store = await openStore({ url: source.url, schema: [Memo], adapter: postgresAdapter });
    try {
      await store.migrate();
      await store
        .repo(Memo)
        .insertMany(Array.from({ length: 300 }, (_, i) => ({ text: `memo ${i} cobalt ${i % 7}` })));
    } finally {
      await store.close();
    }
  });

  afterAll(async () => {
    for (const database of databases) await database.drop();
  });

  for (const verify of [true, false]) {
    test(`with verification ${verify ? 'on' : 'off'}`, async () => {
      const target = await postgresProvider.createDatabase(
        serverUrl as string,
        `sy_txi_dst_${verify ? 'v' : 'n'}_${suffix}`,
      );
      databases.push(target);
      const before = await ginIndexes(source.url);
      expect(before).toHaveLength(1);
      const report = await transfer({
        from: source.url,
        to: target.url,
        schema: [Memo],
        adapters: { from: postgresAdapter, to: postgresAdapter },
        verify,
      });
      expect(report.ok).toBe(true);
      expect(report.searchIndexes.map((e) => e.rows)).toEqual([300]);
      expect(await ginIndexes(target.url)).toEqual(before);
      expect(report.phases.index).toBeGreaterThan(0);
    });
  }
});

/**
 * Array `contains` on MariaDB reads JSON text that other writers may have spelled differently
 * from Switchyard: escaped characters (`"\u006fps"` is "ops"), nested arrays, objects. A cheap
 * text prefilter spares the exact JSON_TABLE test the rows that cannot match; it must never drop a
 * row that matches. Against a live server (CONFORMANCE_MARIADB_URL; skipped without it): rows
 * written through Switchyard and rows rewritten by raw SQL.
 */
import { randomBytes } from 'node:crypto';
import type { TestDatabase } from '@switchyard/conformance';
import { defineEntity, openStore, p, type Store } from '@switchyard/core';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mariadbAdapter } from '../src/mariadb-adapter.ts';
import { parseMariadbUrl } from '../src/mariadb-url.ts';
import { mariadbProvider } from '../src/testing.ts';

const serverUrl = process.env.CONFORMANCE_MARIADB_URL;

const Tagged = defineEntity({
  name: 'JcTagged',
  tableName: 'jc_tagged',
  properties: {
    id: p.string().length(20).primary(),
    tags: p.json<unknown>(),
  },
});

/** Rows written through Switchyard, then the ones whose JSON text raw SQL replaces. */
const written: Record<string, unknown> = {
  plain: ['ops'],
  underscore: ['a_c'],
  letters: ['abc'],
  quote: ['x"y'],
  percent: ['100%'],
  other: ['db', 'release'],
};
const rewritten: Record<string, string> = {
  escaped: '["\\u006fps"]',
  escapedAccent: '["caf\\u00e9", "x"]',
  escapedSlash: '["a\\/b"]',
  spaced: '[ "db" ,\n"ops" ]',
  nested: '[["ops"]]',
  object: '{"ops": ["ops"]}',
  key: '[{"ops": 1}]',
};

describe.skipIf(!serverUrl)('array contains on MariaDB over JSON text from any writer', () => {
  let database: TestDatabase;
  let store: Store;
  let raw: Connection;

  beforeAll(async () => {
    database = await mariadbProvider.createDatabase(
      serverUrl as string,
      `sy_jc_${randomBytes(4).toString('hex')}`,
    );
    store = await openStore({ url: database.url, schema: [Tagged], adapter: mariadbAdapter });
    await store.migrate();
    const repo = store.repo(Tagged);
    await repo.insertMany(Object.entries(written).map(([id, tags]) => ({ id, tags })));
    await repo.insertMany(Object.keys(rewritten).map((id) => ({ id, tags: [] })));
    raw = await createConnection({ ...parseMariadbUrl(database.url) });
    for (const [id, text] of Object.entries(rewritten)) {
      await raw.execute('UPDATE jc_tagged SET tags = ? WHERE id = ?', [text, id]);
    }
  });

  afterAll(async () => {
    await raw?.end();
    await store?.close();
    await database?.drop();
  });

  const matching = async (value: string) =>
    (await store.repo(Tagged).find({ tags: { contains: value } }, { orderBy: { id: 'asc' } })).items
      .map((r) => r.id)
      .sort();

  test('an element spelled with escapes is found; nested arrays and object keys are not elements', async () => {
    expect(await matching('ops')).toEqual(['escaped', 'plain', 'spaced']);
    expect(await matching('café')).toEqual(['escapedAccent']);
    expect(await matching('a/b')).toEqual(['escapedSlash']);
  });

  test('LIKE wildcards and quotes in the element are matched literally', async () => {
    expect(await matching('a_c')).toEqual(['underscore']);
    expect(await matching('100%')).toEqual(['percent']);
    expect(await matching('100')).toEqual([]);
    expect(await matching('x"y')).toEqual(['quote']);
  });
});

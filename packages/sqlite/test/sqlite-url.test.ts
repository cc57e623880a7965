import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, defineEntity, openStore, p, SwitchyardError } from '@switchyard/core';
import { afterAll, describe, expect, test } from 'vitest';
import { sqliteAdapter } from '../src/sqlite-adapter.ts';
import { parseSqliteUrl } from '../src/sqlite-url.ts';

describe('SQLite URLs', () => {
  test('relative, absolute and in-memory databases', () => {
    expect(parseSqliteUrl('sqlite::memory:')).toEqual({
      filename: ':memory:',
      memory: true,
      readOnly: false,
      busyTimeoutMs: undefined,
    });
    expect(parseSqliteUrl('sqlite:///var/db/app.sqlite').filename).toBe('/var/db/app.sqlite');
    expect(parseSqliteUrl('file:data/x.db').filename).toBe(`${process.cwd()}/data/x.db`);
    expect(parseSqliteUrl('sqlite:./x.db?').filename).toBe(`${process.cwd()}/x.db`);
  });

  test('mode=ro and busy_timeout are read; other parameters are refused by name, listing the known ones', () => {
    expect(parseSqliteUrl('sqlite:./x.db?mode=ro&busy_timeout=250')).toMatchObject({
      readOnly: true,
      busyTimeoutMs: 250,
    });
    expect(parseSqliteUrl('sqlite:./x.db?mode=rw').readOnly).toBe(false);
    expect(() => parseSqliteUrl('sqlite:./x.db?mode=ro&cache=shared')).toThrow(
      /Unknown SQLite URL parameter "cache"; known: mode, busy_timeout\./,
    );
    expect(() => parseSqliteUrl('sqlite:./x.db?mode=rwc')).toThrow(ConfigurationError);
    expect(() => parseSqliteUrl('sqlite:./x.db?busy_timeout=soon')).toThrow(/busy_timeout/);
    expect(() => parseSqliteUrl('sqlite:./x.db?busy_timeout=1&busy_timeout=2')).toThrow(/more than once/);
    expect(() => parseSqliteUrl('sqlite::memory:?mode=ro')).toThrow(/in-memory/);
  });
});

const Item = defineEntity({
  name: 'UrlItem',
  tableName: 'url_item',
  properties: { id: p.uuid().primary(), label: p.string().length(20) },
});

describe('SQLite URL options on a store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-sqlite-url-'));
  const file = join(dir, 'app.sqlite');
  const digest = () => createHash('sha256').update(readFileSync(file)).digest('hex');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('mode=ro reads, refuses every write with a Switchyard error, and leaves the file as it was', async () => {
    const writer = await openStore({ url: `sqlite:${file}`, schema: [Item], adapter: sqliteAdapter });
    await writer.migrate();
    const row = await writer.repo(Item).insert({ label: 'kept' });
    await writer.close();
    const before = digest();
    const reader = await openStore({ url: `sqlite:${file}?mode=ro`, schema: [Item], adapter: sqliteAdapter });
    try {
      expect(await reader.repo(Item).get(row.id)).toEqual(row);
      expect((await reader.health()).settings).toMatchObject({ read_only: true });
      await expect(reader.repo(Item).insert({ label: 'refused' })).rejects.toBeInstanceOf(SwitchyardError);
      // Nothing to change: migrate() finds the schema in place and writes nothing.
      expect((await reader.migrate()).migrations).toEqual([]);
    } finally {
      await reader.close();
    }
    expect(digest()).toBe(before);
  });

  test('mode=ro on a missing file fails to open instead of creating it', async () => {
    const missing = join(dir, 'nowhere', 'missing.sqlite');
    await expect(
      openStore({ url: `sqlite:${missing}?mode=ro`, schema: [Item], adapter: sqliteAdapter }),
    ).rejects.toBeInstanceOf(SwitchyardError);
    expect(() => readFileSync(missing)).toThrow();
  });

  test('busy_timeout from the URL is the connection setting, and must agree with adapterOptions', async () => {
    const store = await openStore({
      url: `sqlite:${file}?busy_timeout=1234`,
      schema: [Item],
      adapter: sqliteAdapter,
    });
    try {
      expect((await store.health()).settings).toMatchObject({ busy_timeout: 1234, read_only: false });
    } finally {
      await store.close();
    }
    await expect(
      openStore({
        url: `sqlite:${file}?busy_timeout=1234`,
        schema: [Item],
        adapter: sqliteAdapter,
        adapterOptions: { busyTimeoutMs: 99 },
      }),
    ).rejects.toThrow(/disagree/);
  });
});

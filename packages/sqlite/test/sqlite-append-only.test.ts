/**
 * Append-only tables on SQLite: the guard's triggers refuse UPDATE and DELETE from any connection
 * (the store's, MikroORM's escape hatch, a second better-sqlite3 handle on the same file).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AppendOnlyError,
  appendOnly,
  createMigration,
  defineEntity,
  openStore,
  p,
  type Store,
  searchable,
} from '@switchyard/core';
import { compile, type Sql } from '@switchyard/core/adapter';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sqliteAdapter } from '../src/sqlite-adapter.ts';
import { appendOnlyTriggerNames, sqliteAppendOnly } from '../src/sqlite-append-only.ts';
import { sqliteDialect } from '../src/sqlite-dialect.ts';

const Account = defineEntity({
  name: 'AoAccount',
  tableName: 'ao_account',
  properties: { id: p.uuid().primary(), name: p.string().length(100) },
});

/** Append-only, searchable, and deleted with its account (ON DELETE CASCADE). */
const Event = appendOnly(
  searchable(
    defineEntity({
      name: 'AoEvent',
      tableName: 'ao_event',
      properties: {
        id: p.uuid().primary(),
        account: () => p.manyToOne(Account).deleteRule('cascade'),
        kind: p.string().length(50),
        body: p.text(),
      },
    }),
    { fields: { body: 1 } },
  ),
);

/** Append-only with a nullable reference: MikroORM's default rule is ON DELETE SET NULL. */
const Note = appendOnly(
  defineEntity({
    name: 'AoNote',
    tableName: 'ao_note',
    properties: {
      id: p.uuid().primary(),
      account: () => p.manyToOne(Account).nullable(),
      text: p.string().length(100),
    },
  }),
);

const schema = [Account, Event, Note];
const dir = mkdtempSync(join(tmpdir(), 'switchyard-append-only-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const context = (url: string) => ({ url, options: {} });

/** The error `fn` throws (fails the test when it throws nothing). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const runAll = (db: Database.Database, fragments: Sql[]) => {
  for (const fragment of fragments) {
    const { sql, params } = compile(fragment, sqliteDialect);
    expect(params).toEqual([]);
    db.prepare(sql).run();
  }
};

const triggersOf = (db: Database.Database) =>
  (
    db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%append_only%'")
      .all() as {
      name: string;
    }[]
  ).map((r) => r.name);

describe('append-only tables in push mode', () => {
  const file = join(dir, 'push.sqlite');
  const url = `sqlite:${file}`;
  let store: Store;
  let other: Database.Database;
  let accountId: string;
  let eventId: string;
  let noteId: string;

  beforeAll(async () => {
    store = await openStore({ url, schema, adapter: sqliteAdapter });
    await store.migrate();
    other = new Database(file);
    other.pragma('foreign_keys = ON');
    other.pragma('busy_timeout = 5000');
    accountId = (await store.repo(Account).insert({ name: 'ops' })).id;
    eventId = (
      await store.repo(Event).insert({ account: accountId, kind: 'created', body: 'write lock taken' })
    ).id;
    noteId = (await store.repo(Note).insert({ account: accountId, text: 'first' })).id;
  });

  afterAll(async () => {
    other?.close();
    await store?.close();
  });

  const eventRow = () => other.prepare('SELECT kind, body FROM ao_event WHERE id = ?').get(eventId);

  test('the capability is on, and inserts, reads and search work', async () => {
    expect(store.capabilities.appendOnly).toBe(true);
    expect(await store.repo(Event).get(eventId)).toMatchObject({ kind: 'created', body: 'write lock taken' });
    const hits = await store.search(Event, 'lock');
    expect(hits.hits.map((h) => h.item.id)).toEqual([eventId]);
    expect(triggersOf(other).sort()).toEqual([
      'ao_event__append_only_delete',
      'ao_event__append_only_update',
      'ao_note__append_only_delete',
      'ao_note__append_only_update',
    ]);
  });

  test('a second connection cannot update or delete, and the refusal classifies as AppendOnlyError', () => {
    const update = thrown(() => other.prepare("UPDATE ao_event SET kind = 'changed'").run());
    expect(update).toMatchObject({ code: 'SQLITE_CONSTRAINT_TRIGGER' });
    expect((update as Error).message).toBe('switchyard: append-only table "ao_event" refuses UPDATE');
    const remove = thrown(() => other.prepare('DELETE FROM ao_event').run());
    expect((remove as Error).message).toBe('switchyard: append-only table "ao_event" refuses DELETE');
    expect(eventRow()).toEqual({ kind: 'created', body: 'write lock taken' });

    for (const error of [update, remove]) {
      const classified = sqliteAdapter.classifyError(error, context(url));
      expect(classified).toBeInstanceOf(AppendOnlyError);
      expect(classified.code).toBe('APPEND_ONLY');
      expect(classified.message).toContain('"ao_event"');
      expect(classified.cause).toBe(error);
    }
  });

  test("MikroORM's connection (the escape hatch) is refused too", async () => {
    const connection = store.orm.em.getConnection();
    for (const statement of [
      "UPDATE ao_event SET body = 'x'",
      'DELETE FROM ao_event',
      // REPLACE deletes the conflicting row: the store's connection fires DELETE triggers for it.
      `INSERT OR REPLACE INTO ao_event (id, account_id, kind, body) VALUES ('${eventId}', '${accountId}', 'k', 'b')`,
    ]) {
      const error = await rejection(connection.execute(statement));
      expect(sqliteAdapter.classifyError(error, context(url))).toBeInstanceOf(AppendOnlyError);
    }
    expect(eventRow()).toEqual({ kind: 'created', body: 'write lock taken' });
  });

  test('the repository refuses update, delete, deleteMany and upsert, changing nothing', async () => {
    const events = store.repo(Event);
    await expect(events.update(eventId, { kind: 'x' })).rejects.toBeInstanceOf(AppendOnlyError);
    await expect(events.delete(eventId)).rejects.toBeInstanceOf(AppendOnlyError);
    await expect(events.deleteMany({ kind: 'created' })).rejects.toBeInstanceOf(AppendOnlyError);
    await expect(
      events.upsert({ id: eventId, account: accountId, kind: 'x', body: 'y' }),
    ).rejects.toBeInstanceOf(AppendOnlyError);
    expect(await events.count()).toBe(1);
    expect(eventRow()).toEqual({ kind: 'created', body: 'write lock taken' });
  });

  test('deleting the parent is refused: ON DELETE CASCADE and SET NULL would change append-only rows', async () => {
    const error = await rejection(store.repo(Account).delete(accountId));
    expect(error).toBeInstanceOf(AppendOnlyError);
    expect(thrown(() => other.prepare('DELETE FROM ao_account').run())).toMatchObject({
      code: 'SQLITE_CONSTRAINT_TRIGGER',
    });
    expect(await store.repo(Account).get(accountId)).not.toBeNull();
    expect(await store.repo(Event).get(eventId)).not.toBeNull();
    expect(await store.repo(Note).get(noteId)).toMatchObject({ account: accountId });

    // The SET NULL path alone: a parent with only a note.
    const lone = await store.repo(Account).insert({ name: 'lone' });
    const note = await store.repo(Note).insert({ account: lone.id, text: 'kept' });
    const setNull = thrown(() => other.prepare('DELETE FROM ao_account WHERE id = ?').run(lone.id));
    expect((setNull as Error).message).toBe('switchyard: append-only table "ao_note" refuses UPDATE');
    expect(await store.repo(Note).get(note.id)).toMatchObject({ account: lone.id });
    // A parent nothing append-only refers to is deleted as usual.
    const free = await store.repo(Account).insert({ name: 'free' });
    expect(await store.repo(Account).delete(free.id)).toBe(true);
  });

  test('inside a transaction the refused statement fails alone; the transaction goes on', () => {
    other.exec('BEGIN IMMEDIATE');
    try {
      other
        .prepare('INSERT INTO ao_note (id, account_id, text) VALUES (?, NULL, ?)')
        .run('00000000-0000-4000-8000-000000000001', 'in tx');
      expect(thrown(() => other.prepare("UPDATE ao_note SET text = 'changed'").run())).toMatchObject({
        code: 'SQLITE_CONSTRAINT_TRIGGER',
      });
      expect(other.inTransaction).toBe(true);
      other.exec('COMMIT');
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
    }
    expect(
      other.prepare('SELECT text FROM ao_note WHERE id = ?').get('00000000-0000-4000-8000-000000000001'),
    ).toEqual({ text: 'in tx' });
  });

  test('reindexing a searchable append-only entity rewrites its index table only', async () => {
    expect(await store.reindex(Event)).toBe(1);
    expect((await store.search(Event, 'write')).hits).toHaveLength(1);
  });

  test('migrate() again keeps the guard (idempotent, and MikroORM leaves the triggers alone)', async () => {
    await store.migrate();
    // MikroORM introspects triggers: the guard's must not look like drift to drop.
    expect(await store.migrations.diff()).toEqual([]);
    runAll(other, sqliteAppendOnly.guard('ao_event'));
    runAll(other, sqliteAppendOnly.guard('ao_event'));
    expect(triggersOf(other)).toHaveLength(4);
    expect(() => other.prepare("UPDATE ao_event SET kind = 'x'").run()).toThrow(/refuses UPDATE/);
  });

  test('after unguard a raw update and delete work; guard puts the refusal back', () => {
    runAll(other, sqliteAppendOnly.unguard('ao_note'));
    runAll(other, sqliteAppendOnly.unguard('ao_note'));
    expect(triggersOf(other).sort()).toEqual([
      'ao_event__append_only_delete',
      'ao_event__append_only_update',
    ]);
    other.prepare("UPDATE ao_note SET text = 'edited' WHERE id = ?").run(noteId);
    expect(other.prepare('SELECT text FROM ao_note WHERE id = ?').get(noteId)).toEqual({ text: 'edited' });
    runAll(other, sqliteAppendOnly.guard('ao_note'));
    expect(() => other.prepare('DELETE FROM ao_note').run()).toThrow(/refuses DELETE/);
  });

  test('dropSchema leaves no trigger behind', async () => {
    await store.dropSchema();
    expect(triggersOf(other)).toEqual([]);
    expect(other.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'ao_%'").all()).toEqual([]);
  });
});

describe('append-only tables through the migration history', () => {
  test('migrate create writes the guard as plain SQL; up guards, down to null removes everything', async () => {
    const migrations = join(dir, 'migrations');
    const created = await createMigration({
      schema,
      directory: migrations,
      name: 'init',
      adapters: [sqliteAdapter],
    });
    expect(created.file).not.toBeNull();
    const [name] = readdirSync(migrations);
    const text = readFileSync(join(migrations, name as string), 'utf8');
    const steps = JSON.parse(text).dialects.sqlite as { up: unknown[]; down: unknown[] };
    const names = appendOnlyTriggerNames('ao_event');
    expect(steps.up).toContain(
      `CREATE TRIGGER IF NOT EXISTS "${names.update}" BEFORE UPDATE ON "ao_event" BEGIN SELECT RAISE(ABORT, 'switchyard: append-only table "ao_event" refuses UPDATE'); END`,
    );
    expect(steps.down).toContain(`DROP TRIGGER IF EXISTS "${names.delete}"`);

    const file = join(dir, 'history.sqlite');
    const store = await openStore({ url: `sqlite:${file}`, schema, adapter: sqliteAdapter, migrations });
    const other = new Database(file);
    try {
      await store.migrate();
      expect(triggersOf(other)).toHaveLength(4);
      const account = await store.repo(Account).insert({ name: 'a' });
      await store.repo(Event).insert({ account: account.id, kind: 'k', body: 'b' });
      expect(() => other.prepare("UPDATE ao_event SET kind = 'x'").run()).toThrow(/refuses UPDATE/);
      expect(() => other.prepare('DELETE FROM ao_event').run()).toThrow(/refuses DELETE/);

      await store.migrations.down({ to: null });
      expect(triggersOf(other)).toEqual([]);
      expect(other.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'ao_%'").all()).toEqual([]);
    } finally {
      other.close();
      await store.close();
    }
  });
});

describe('names and statements', () => {
  test('a table name with quotes is quoted in identifiers and in the message', () => {
    const db = new Database(':memory:');
    try {
      db.exec('CREATE TABLE "we""ird\'s" (id INTEGER PRIMARY KEY, v TEXT)');
      db.exec(`INSERT INTO "we""ird's" VALUES (1, 'a')`);
      runAll(db, sqliteAppendOnly.guard(`we"ird's`));
      const error = thrown(() => db.exec(`UPDATE "we""ird's" SET v = 'b'`));
      const classified = sqliteAdapter.classifyError(error, context('sqlite::memory:'));
      expect(classified).toBeInstanceOf(AppendOnlyError);
      expect(classified.message).toContain(`"we"ird's"`);
      runAll(db, sqliteAppendOnly.unguard(`we"ird's`));
      db.exec(`UPDATE "we""ird's" SET v = 'b'`);
    } finally {
      db.close();
    }
  });

  test('an unrelated RAISE from a trigger stays a DriverError', () => {
    const db = new Database(':memory:');
    try {
      db.exec(
        "CREATE TABLE t (v); CREATE TRIGGER t_x BEFORE INSERT ON t BEGIN SELECT RAISE(ABORT, 'nope'); END",
      );
      const error = thrown(() => db.exec('INSERT INTO t VALUES (1)'));
      expect(sqliteAdapter.classifyError(error, context('sqlite::memory:')).code).toBe('DRIVER');
    } finally {
      db.close();
    }
  });
});

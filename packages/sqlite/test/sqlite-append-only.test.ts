/**
 * What is SQLite's own in append-only tables. The contract (repository refusals, raw UPDATE /
 * DELETE / upsert / REPLACE through another store, foreign key actions, transactions, push mode,
 * the migration history) is the conformance suite's `append-only` suite, run on every backend.
 * Here: the triggers the guard creates and removes (sqlite_master), the driver's error and how it
 * is classified, REPLACE and `recursive_triggers`, a refusal inside another connection's
 * transaction, and table names that need quoting.
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

/** Append-only and searchable: its index table `ao_event__search` sits next to it, unguarded. */
const Event = appendOnly(
  searchable(
    defineEntity({
      name: 'AoEvent',
      tableName: 'ao_event',
      properties: { id: p.uuid().primary(), kind: p.string().length(50), body: p.text() },
    }),
    { fields: { body: 1 } },
  ),
);

const Note = appendOnly(
  defineEntity({
    name: 'AoNote',
    tableName: 'ao_note',
    properties: { id: p.uuid().primary(), text: p.string().length(100) },
  }),
);

const schema = [Event, Note];
const dir = mkdtempSync(join(tmpdir(), 'switchyard-append-only-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const classify = (error: unknown) =>
  sqliteAdapter.classifyError(error, { url: 'sqlite::memory:', options: {} });

/** The error `fn` throws (fails the test when it throws nothing). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/** Runs the guard's (or unguard's) statements, which must have no bound parameter. */
function runAll(db: Database.Database, fragments: Sql[]): void {
  for (const fragment of fragments) {
    const { sql, params } = compile(fragment, sqliteDialect);
    expect(params).toEqual([]);
    db.prepare(sql).run();
  }
}

/** The guard's triggers in the file, as `table.trigger`. */
const guardTriggers = (db: Database.Database) =>
  (
    db
      .prepare(
        "SELECT tbl_name || '.' || name AS name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%append_only%' ORDER BY 1",
      )
      .all() as { name: string }[]
  ).map((r) => r.name);

const tablesLeft = (db: Database.Database) =>
  db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'ao_%'").all();

const refusal = (table: string, operation: 'UPDATE' | 'DELETE') =>
  `switchyard: append-only table "${table}" refuses ${operation}`;

describe('the guard on a file database (push mode)', () => {
  const file = join(dir, 'push.sqlite');
  let store: Store;
  /** A plain better-sqlite3 handle on the same file: no pragma of the store's set. */
  let other: Database.Database;
  let eventId: string;
  let noteId: string;

  beforeAll(async () => {
    store = await openStore({ url: `sqlite:${file}`, schema, adapter: sqliteAdapter });
    await store.migrate();
    other = new Database(file);
    other.pragma('busy_timeout = 5000');
    eventId = (await store.repo(Event).insert({ kind: 'created', body: 'write lock taken' })).id;
    noteId = (await store.repo(Note).insert({ text: 'first' })).id;
  });

  afterAll(async () => {
    other?.close();
    await store?.close();
  });

  const text = (id: string) =>
    (other.prepare('SELECT text FROM ao_note WHERE id = ?').get(id) as { text: string }).text;

  test('migrate() creates two BEFORE triggers per table and none on the search index table, which reindex() rewrites', async () => {
    const all = [
      'ao_event.ao_event__append_only_delete',
      'ao_event.ao_event__append_only_update',
      'ao_note.ao_note__append_only_delete',
      'ao_note.ao_note__append_only_update',
    ];
    expect(guardTriggers(other)).toEqual(all);
    // IF NOT EXISTS: running the guard again changes nothing.
    runAll(other, sqliteAppendOnly.guard('ao_event'));
    expect(guardTriggers(other)).toEqual(all);
    expect(await store.reindex(Event)).toBe(1);
    expect((await store.search(Event, 'lock')).hits.map((h) => h.item.id)).toEqual([eventId]);
  });

  test("the driver's error for a refusal classifies as AppendOnlyError naming the table; another trigger's RAISE does not", () => {
    const update = thrown(() => other.prepare("UPDATE ao_event SET kind = 'changed'").run());
    const remove = thrown(() => other.prepare('DELETE FROM ao_event').run());
    expect(update).toMatchObject({
      code: 'SQLITE_CONSTRAINT_TRIGGER',
      message: refusal('ao_event', 'UPDATE'),
    });
    expect(remove).toMatchObject({
      code: 'SQLITE_CONSTRAINT_TRIGGER',
      message: refusal('ao_event', 'DELETE'),
    });
    for (const error of [update, remove]) {
      const classified = classify(error);
      expect(classified).toBeInstanceOf(AppendOnlyError);
      expect(classified.code).toBe('APPEND_ONLY');
      expect(classified.message).toContain('"ao_event"');
      expect(classified.cause).toBe(error);
    }

    // Same driver code, another message: the message tells the guard's refusals apart.
    other.exec(
      "CREATE TABLE ao_other (v); CREATE TRIGGER ao_other_x BEFORE INSERT ON ao_other BEGIN SELECT RAISE(ABORT, 'nope'); END",
    );
    try {
      const unrelated = thrown(() => other.exec('INSERT INTO ao_other VALUES (1)'));
      expect(unrelated).toMatchObject({ code: 'SQLITE_CONSTRAINT_TRIGGER' });
      expect(classify(unrelated).code).toBe('DRIVER');
    } finally {
      other.exec('DROP TABLE ao_other');
    }
  });

  test('REPLACE is refused only with recursive_triggers: the store turns it on, a connection without it replaces the row (documented)', async () => {
    const pragma = (await store.orm.em.getConnection().execute('PRAGMA recursive_triggers')) as {
      recursive_triggers: unknown;
    }[];
    expect(pragma.map((r) => Number(r.recursive_triggers))).toEqual([1]);

    const { id } = await store.repo(Note).insert({ text: 'original' });
    const replace = (value: string) =>
      `INSERT OR REPLACE INTO ao_note (id, text) VALUES ('${id}', '${value}')`;
    const bare = new Database(file);
    try {
      expect(bare.pragma('recursive_triggers', { simple: true })).toBe(0);
      // An upsert fires the UPDATE trigger whatever the pragma says.
      const upsert = thrown(() =>
        bare
          .prepare(
            "INSERT INTO ao_note (id, text) VALUES (?, 'x') ON CONFLICT (id) DO UPDATE SET text = excluded.text",
          )
          .run(id),
      );
      expect((upsert as Error).message).toBe(refusal('ao_note', 'UPDATE'));
      // REPLACE deletes the old row without firing DELETE triggers: the guard never sees it.
      bare.prepare(replace('replaced')).run();
      expect(text(id)).toBe('replaced');

      bare.pragma('recursive_triggers = ON');
      for (const statement of [
        replace('again'),
        `REPLACE INTO ao_note (id, text) VALUES ('${id}', 'again')`,
      ]) {
        const error = thrown(() => bare.prepare(statement).run());
        expect((error as Error).message).toBe(refusal('ao_note', 'DELETE'));
        expect(classify(error)).toBeInstanceOf(AppendOnlyError);
      }
      expect(text(id)).toBe('replaced');
    } finally {
      bare.close();
    }
  });

  test("inside another connection's transaction RAISE(ABORT) fails the statement alone; the transaction goes on", () => {
    const id = '00000000-0000-4000-8000-000000000001';
    other.exec('BEGIN IMMEDIATE');
    try {
      other.prepare("INSERT INTO ao_note (id, text) VALUES (?, 'in tx')").run(id);
      expect(thrown(() => other.prepare("UPDATE ao_note SET text = 'changed'").run())).toMatchObject({
        code: 'SQLITE_CONSTRAINT_TRIGGER',
      });
      expect(other.inTransaction).toBe(true);
      other.exec('COMMIT');
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
    }
    expect(text(id)).toBe('in tx');
  });

  test("unguard drops the table's two triggers (again is fine); guard puts them back", () => {
    runAll(other, sqliteAppendOnly.unguard('ao_note'));
    runAll(other, sqliteAppendOnly.unguard('ao_note'));
    expect(guardTriggers(other)).toEqual([
      'ao_event.ao_event__append_only_delete',
      'ao_event.ao_event__append_only_update',
    ]);
    other.prepare("UPDATE ao_note SET text = 'edited' WHERE id = ?").run(noteId);
    expect(text(noteId)).toBe('edited');
    runAll(other, sqliteAppendOnly.guard('ao_note'));
    expect(guardTriggers(other)).toHaveLength(4);
    expect(() => other.prepare('DELETE FROM ao_note').run()).toThrow(refusal('ao_note', 'DELETE'));
  });

  test('dropSchema() leaves no trigger behind', async () => {
    await store.dropSchema();
    expect(guardTriggers(other)).toEqual([]);
    expect(tablesLeft(other)).toEqual([]);
  });
});

test('a migration holds the guard as plain SQL text; up creates the triggers, down to null leaves none', async () => {
  const migrations = join(dir, 'migrations');
  await createMigration({ schema, directory: migrations, name: 'init', adapters: [sqliteAdapter] });
  const [name] = readdirSync(migrations);
  const steps = JSON.parse(readFileSync(join(migrations, name as string), 'utf8')).dialects.sqlite as {
    up: unknown[];
    down: unknown[];
  };
  const names = appendOnlyTriggerNames('ao_event');
  const guard = (operation: 'UPDATE' | 'DELETE', trigger: string) =>
    `CREATE TRIGGER IF NOT EXISTS "${trigger}" BEFORE ${operation} ON "ao_event" BEGIN SELECT RAISE(ABORT, '${refusal('ao_event', operation)}'); END`;
  expect(steps.up).toEqual(
    expect.arrayContaining([guard('UPDATE', names.update), guard('DELETE', names.delete)]),
  );
  expect(steps.down).toEqual(
    expect.arrayContaining([
      `DROP TRIGGER IF EXISTS "${names.update}"`,
      `DROP TRIGGER IF EXISTS "${names.delete}"`,
    ]),
  );

  const file = join(dir, 'history.sqlite');
  const store = await openStore({ url: `sqlite:${file}`, schema, adapter: sqliteAdapter, migrations });
  const db = new Database(file);
  try {
    await store.migrate();
    expect(guardTriggers(db)).toHaveLength(4);
    await store.migrations.down({ to: null });
    expect(guardTriggers(db)).toEqual([]);
    expect(tablesLeft(db)).toEqual([]);
  } finally {
    db.close();
    await store.close();
  }
});

test('a table name with quotes and a backslash is quoted in the triggers and in the message', () => {
  const table = `we"ird's\\`;
  const quoted = `"we""ird's\\"`;
  const db = new Database(':memory:');
  try {
    db.exec(`CREATE TABLE ${quoted} (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO ${quoted} VALUES (1, 'a')`);
    runAll(db, sqliteAppendOnly.guard(table));
    const error = thrown(() => db.exec(`UPDATE ${quoted} SET v = 'b'`));
    expect((error as Error).message).toBe(refusal(`we""ird's\\`, 'UPDATE'));
    const classified = classify(error);
    expect(classified).toBeInstanceOf(AppendOnlyError);
    expect(classified.message).toContain(`"${table}"`);
    runAll(db, sqliteAppendOnly.unguard(table));
    expect(guardTriggers(db)).toEqual([]);
    db.exec(`UPDATE ${quoted} SET v = 'b'`);
  } finally {
    db.close();
  }
});

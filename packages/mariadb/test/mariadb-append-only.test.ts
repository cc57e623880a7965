/**
 * Append-only tables on MariaDB, against a live server (CONFORMANCE_MARIADB_URL; skipped without
 * it): the guard's triggers refuse UPDATE and DELETE from any connection, and the triggers on the
 * referenced tables refuse what a cascading foreign key would do to append-only rows.
 */
import { randomUUID } from 'node:crypto';
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
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mariadbAdapter } from '../src/mariadb-adapter.ts';
import { appendOnlyTriggerNames, mariadbAppendOnly, SIGNAL_ERRNO } from '../src/mariadb-append-only.ts';
import { mariadbDialect } from '../src/mariadb-dialect.ts';
import { parseMariadbUrl } from '../src/mariadb-url.ts';
import { mariadbProvider } from '../src/testing.ts';

const serverUrl = process.env.CONFORMANCE_MARIADB_URL;

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
const context = (url: string) => ({ url, options: {} });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function runAll(connection: Connection, fragments: Sql[]): Promise<void> {
  for (const fragment of fragments) {
    const { sql, params } = compile(fragment, mariadbDialect);
    expect(params).toEqual([]);
    await connection.query(sql);
  }
}

/** The guard's triggers in the database, as `table.trigger`. */
async function guardTriggers(connection: Connection): Promise<string[]> {
  const [rows] = await connection.query(
    "SELECT CONCAT(EVENT_OBJECT_TABLE, '.', TRIGGER_NAME) AS name FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME LIKE '%append\\_only%' ORDER BY 1",
  );
  return (rows as { name: string }[]).map((r) => r.name);
}

async function connect(url: string): Promise<Connection> {
  const location = parseMariadbUrl(url);
  return createConnection({
    host: location.host,
    port: location.port,
    user: location.user,
    password: location.password,
    database: location.database,
  });
}

describe.skipIf(!serverUrl)('append-only tables on MariaDB', () => {
  let url: string;
  let drop: () => Promise<void>;
  let store: Store;
  let other: Connection;
  let accountId: string;
  let eventId: string;
  let noteId: string;
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-append-only-'));

  beforeAll(async () => {
    const database = await mariadbProvider.createDatabase(
      serverUrl as string,
      `sy_append_only_${randomUUID().slice(0, 8)}`,
    );
    url = database.url;
    drop = database.drop;
    store = await openStore({ url, schema, adapter: mariadbAdapter });
    await store.migrate();
    other = await connect(url);
    accountId = (await store.repo(Account).insert({ name: 'ops' })).id;
    eventId = (
      await store.repo(Event).insert({ account: accountId, kind: 'created', body: 'write lock taken' })
    ).id;
    noteId = (await store.repo(Note).insert({ account: accountId, text: 'first' })).id;
  });

  afterAll(async () => {
    await other?.end().catch(() => undefined);
    await store?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  const eventRow = async () => {
    const [rows] = await other.query('SELECT kind, body FROM ao_event WHERE id = ?', [eventId]);
    return (rows as unknown[])[0];
  };

  /** What the guard installs for this schema: two triggers per table, and on ao_account one per cascade. */
  const guarded = [
    expect.stringMatching(/^ao_account\.ao_event__append_only_fk_[0-9a-f]{8}_d$/),
    expect.stringMatching(/^ao_account\.ao_note__append_only_fk_[0-9a-f]{8}_d$/),
    'ao_event.ao_event__append_only_delete',
    'ao_event.ao_event__append_only_update',
    'ao_note.ao_note__append_only_delete',
    'ao_note.ao_note__append_only_update',
  ];

  describe('push mode', () => {
    test('the capability is on, and inserts, reads and search work', async () => {
      expect(store.capabilities.appendOnly).toBe(true);
      expect(await store.repo(Event).get(eventId)).toMatchObject({
        kind: 'created',
        body: 'write lock taken',
      });
      await mariadbProvider.settleSearch?.(url);
      const page = await store.search(Event, 'lock');
      expect(page.hits.map((h) => h.item.id)).toEqual([eventId]);
      expect(await guardTriggers(other)).toEqual(guarded);
    });

    test('a second connection cannot update or delete; the refusal is an AppendOnlyError', async () => {
      const errors = [
        await rejection(other.query("UPDATE ao_event SET kind = 'changed'")),
        await rejection(other.query('DELETE FROM ao_event')),
        // REPLACE deletes the conflicting row (DELETE triggers fire); ON DUPLICATE KEY UPDATE updates it.
        await rejection(
          other.query("REPLACE INTO ao_event (id, account_id, kind, body) VALUES (?, ?, 'k', 'b')", [
            eventId,
            accountId,
          ]),
        ),
        await rejection(
          other.query(
            "INSERT INTO ao_event (id, account_id, kind, body) VALUES (?, ?, 'k', 'b') ON DUPLICATE KEY UPDATE kind = 'k'",
            [eventId, accountId],
          ),
        ),
      ];
      expect(errors.map((e) => (e as { sqlMessage: string }).sqlMessage)).toEqual([
        'switchyard: append-only table "ao_event" refuses UPDATE',
        'switchyard: append-only table "ao_event" refuses DELETE',
        'switchyard: append-only table "ao_event" refuses DELETE',
        'switchyard: append-only table "ao_event" refuses UPDATE',
      ]);
      expect(await eventRow()).toEqual({ kind: 'created', body: 'write lock taken' });
      for (const error of errors) {
        expect(error).toMatchObject({ errno: SIGNAL_ERRNO, sqlState: '45000' });
        const classified = mariadbAdapter.classifyError(error, context(url));
        expect(classified).toBeInstanceOf(AppendOnlyError);
        expect(classified.code).toBe('APPEND_ONLY');
        expect(classified.message).toContain('"ao_event"');
        expect(classified.cause).toBe(error);
      }
    });

    test("MikroORM's connection (the escape hatch) is refused too", async () => {
      const connection = store.orm.em.getConnection();
      for (const statement of ["UPDATE ao_event SET body = 'x'", 'DELETE FROM ao_event']) {
        const error = await rejection(connection.execute(statement));
        expect(mariadbAdapter.classifyError(error, context(url))).toBeInstanceOf(AppendOnlyError);
      }
      expect(await eventRow()).toEqual({ kind: 'created', body: 'write lock taken' });
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
      expect(await eventRow()).toEqual({ kind: 'created', body: 'write lock taken' });
    });

    test('deleting the parent is refused, although InnoDB fires no trigger for ON DELETE CASCADE / SET NULL', async () => {
      await expect(store.repo(Account).delete(accountId)).rejects.toBeInstanceOf(AppendOnlyError);
      const cascade = await rejection(other.query('DELETE FROM ao_account WHERE id = ?', [accountId]));
      expect(mariadbAdapter.classifyError(cascade, context(url))).toBeInstanceOf(AppendOnlyError);
      expect(await store.repo(Account).get(accountId)).not.toBeNull();
      expect(await store.repo(Event).get(eventId)).not.toBeNull();
      expect(await store.repo(Note).get(noteId)).toMatchObject({ account: accountId });

      // The SET NULL path alone: a parent with only a note.
      const lone = await store.repo(Account).insert({ name: 'lone' });
      const note = await store.repo(Note).insert({ account: lone.id, text: 'kept' });
      const setNull = await rejection(other.query('DELETE FROM ao_account WHERE id = ?', [lone.id]));
      expect((setNull as { sqlMessage: string }).sqlMessage).toBe(
        'switchyard: append-only table "ao_note" refuses UPDATE',
      );
      expect(await store.repo(Note).get(note.id)).toMatchObject({ account: lone.id });
      // A parent nothing append-only refers to is deleted (and updated) as usual.
      const free = await store.repo(Account).insert({ name: 'free' });
      await store.repo(Account).update(free.id, { name: 'still free' });
      expect(await store.repo(Account).delete(free.id)).toBe(true);
    });

    test('ON UPDATE CASCADE from a parent is refused too', async () => {
      await other.query('CREATE TABLE ao_key (k VARCHAR(10) PRIMARY KEY) ENGINE=InnoDB');
      await other.query(
        'CREATE TABLE ao_keyed (id INT PRIMARY KEY, k VARCHAR(10), FOREIGN KEY (k) REFERENCES ao_key (k) ON UPDATE CASCADE) ENGINE=InnoDB',
      );
      try {
        await other.query("INSERT INTO ao_key VALUES ('a'), ('b')");
        await other.query("INSERT INTO ao_keyed VALUES (1, 'a')");
        await runAll(other, mariadbAppendOnly.guard('ao_keyed'));
        const error = await rejection(other.query("UPDATE ao_key SET k = 'z' WHERE k = 'a'"));
        expect((error as { sqlMessage: string }).sqlMessage).toBe(
          'switchyard: append-only table "ao_keyed" refuses UPDATE',
        );
        // Keys nothing refers to change; the guard allows DELETE (the key is RESTRICT there).
        await other.query("UPDATE ao_key SET k = 'y' WHERE k = 'b'");
        const [rows] = await other.query('SELECT k FROM ao_keyed');
        expect(rows).toEqual([{ k: 'a' }]);
        await runAll(other, mariadbAppendOnly.unguard('ao_keyed'));
        expect((await guardTriggers(other)).filter((t) => t.includes('ao_keyed'))).toEqual([]);
      } finally {
        await other.query('DROP TABLE IF EXISTS ao_keyed');
        await other.query('DROP TABLE IF EXISTS ao_key');
      }
    });

    test('inside a transaction the refused statement fails alone; the transaction goes on', async () => {
      const id = randomUUID();
      await other.query('BEGIN');
      try {
        await other.query("INSERT INTO ao_note (id, account_id, text) VALUES (?, NULL, 'in tx')", [id]);
        await expect(other.query("UPDATE ao_note SET text = 'changed'")).rejects.toMatchObject({
          errno: SIGNAL_ERRNO,
        });
        await other.query('COMMIT');
      } catch (error) {
        await other.query('ROLLBACK');
        throw error;
      }
      const [rows] = await other.query('SELECT text FROM ao_note WHERE id = ?', [id]);
      expect(rows).toEqual([{ text: 'in tx' }]);
    });

    test('in a store transaction the refusal is an AppendOnlyError and nothing of it is committed', async () => {
      const before = await store.repo(Note).count();
      const error = await rejection(
        store.transaction(async (tx) => {
          await tx.repo(Note).insert({ text: 'rolled back' });
          await tx.repo(Account).delete(accountId);
        }),
      );
      expect(error).toBeInstanceOf(AppendOnlyError);
      expect(await store.repo(Note).count()).toBe(before);
    });

    test('reindexing a searchable append-only entity rewrites its index table only', async () => {
      expect(await store.reindex(Event)).toBe(1);
      await mariadbProvider.settleSearch?.(url);
      expect((await store.search(Event, 'write')).hits).toHaveLength(1);
    });

    test('migrate() again keeps the guard (idempotent, and MikroORM leaves the triggers alone)', async () => {
      await store.migrate();
      expect(await store.migrations.diff()).toEqual([]);
      await runAll(other, mariadbAppendOnly.guard('ao_event'));
      await runAll(other, mariadbAppendOnly.guard('ao_event'));
      expect(await guardTriggers(other)).toEqual(guarded);
      await expect(other.query("UPDATE ao_event SET kind = 'x'")).rejects.toThrow(/refuses UPDATE/);
    });

    test('after unguard a raw update and delete work; guard puts the refusal back', async () => {
      await runAll(other, mariadbAppendOnly.unguard('ao_note'));
      await runAll(other, mariadbAppendOnly.unguard('ao_note'));
      expect(await guardTriggers(other)).toEqual([
        expect.stringMatching(/^ao_account\.ao_event__append_only_fk_[0-9a-f]{8}_d$/),
        'ao_event.ao_event__append_only_delete',
        'ao_event.ao_event__append_only_update',
      ]);
      await other.query("UPDATE ao_note SET text = 'edited' WHERE id = ?", [noteId]);
      const [rows] = await other.query('SELECT text FROM ao_note WHERE id = ?', [noteId]);
      expect(rows).toEqual([{ text: 'edited' }]);
      await runAll(other, mariadbAppendOnly.guard('ao_note'));
      expect(await guardTriggers(other)).toEqual(guarded);
      await expect(other.query('DELETE FROM ao_note')).rejects.toThrow(/refuses DELETE/);
    });

    test('TRUNCATE is not guarded (DDL, no trigger fires), unless a foreign key refers to the table', async () => {
      // The search index table refers to ao_event: InnoDB refuses to truncate it.
      await expect(other.query('TRUNCATE ao_event')).rejects.toMatchObject({ errno: 1701 });
      expect(await eventRow()).toEqual({ kind: 'created', body: 'write lock taken' });
    });

    test('dropSchema leaves no trigger behind', async () => {
      await store.dropSchema();
      expect(await guardTriggers(other)).toEqual([]);
      const [rows] = await other.query(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'ao\\_%'",
      );
      expect(rows).toEqual([]);
    });
  });

  describe('the migration history', () => {
    test('migrate create writes the guard as plain SQL; up guards, down to null removes everything', async () => {
      const migrations = join(dir, 'migrations');
      const created = await createMigration({
        schema,
        directory: migrations,
        name: 'init',
        adapters: [mariadbAdapter],
      });
      expect(created.file).not.toBeNull();
      const [name] = readdirSync(migrations);
      const steps = JSON.parse(readFileSync(join(migrations, name as string), 'utf8')).dialects.mariadb as {
        up: unknown[];
        down: unknown[];
      };
      const names = appendOnlyTriggerNames('ao_event');
      expect(steps.up).toContain(
        `CREATE TRIGGER IF NOT EXISTS \`${names.update}\` BEFORE UPDATE ON \`ao_event\` FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'switchyard: append-only table "ao_event" refuses UPDATE'`,
      );
      expect(steps.down).toContain(`DROP TRIGGER IF EXISTS \`${names.delete}\``);

      const history = await openStore({ url, schema, adapter: mariadbAdapter, migrations });
      try {
        await history.migrate();
        expect(await guardTriggers(other)).toEqual(guarded);
        const account = await history.repo(Account).insert({ name: 'a' });
        await history.repo(Event).insert({ account: account.id, kind: 'k', body: 'b' });
        await expect(other.query("UPDATE ao_event SET kind = 'x'")).rejects.toThrow(/refuses UPDATE/);
        await expect(other.query('DELETE FROM ao_event')).rejects.toThrow(/refuses DELETE/);
        await expect(other.query('DELETE FROM ao_account')).rejects.toThrow(/refuses DELETE/);

        await history.migrations.down({ to: null });
        expect(await guardTriggers(other)).toEqual([]);
        const [rows] = await other.query(
          "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'ao\\_%'",
        );
        expect(rows).toEqual([]);
      } finally {
        await history.close();
      }
    });
  });

  describe('names', () => {
    test('long table names get trigger names within 64 characters, the same for guard and unguard', async () => {
      const parent = `p_${'y'.repeat(62)}`;
      const table = `t_${'x'.repeat(62)}`;
      const names = appendOnlyTriggerNames(table);
      expect([...names.update].length).toBeLessThanOrEqual(64);
      expect([...names.delete].length).toBeLessThanOrEqual(64);
      expect([...names.parentPrefix].length + 10).toBeLessThanOrEqual(64);
      expect(appendOnlyTriggerNames(`${table.slice(0, -1)}z`).update).not.toBe(names.update);
      await other.query(`CREATE TABLE \`${parent}\` (id INT PRIMARY KEY) ENGINE=InnoDB`);
      await other.query(
        `CREATE TABLE \`${table}\` (id INT PRIMARY KEY, pid INT, CONSTRAINT long_fk FOREIGN KEY (pid) REFERENCES \`${parent}\` (id) ON DELETE CASCADE) ENGINE=InnoDB`,
      );
      try {
        await other.query(`INSERT INTO \`${parent}\` VALUES (1)`);
        await other.query(`INSERT INTO \`${table}\` VALUES (1, 1)`);
        await runAll(other, mariadbAppendOnly.guard(table));
        await runAll(other, mariadbAppendOnly.guard(table));
        expect(await guardTriggers(other)).toHaveLength(3);
        const error = await rejection(other.query(`UPDATE \`${table}\` SET pid = NULL`));
        const classified = mariadbAdapter.classifyError(error, context(url));
        expect(classified).toBeInstanceOf(AppendOnlyError);
        expect(classified.message).toContain(`"${table}"`);
        await expect(other.query(`DELETE FROM \`${parent}\``)).rejects.toThrow(/refuses DELETE/);
        await runAll(other, mariadbAppendOnly.unguard(table));
        expect(await guardTriggers(other)).toEqual([]);
      } finally {
        await other.query(`DROP TABLE IF EXISTS \`${table}\``);
        await other.query(`DROP TABLE IF EXISTS \`${parent}\``);
      }
    });

    test('a table name with quotes, backticks and backslashes is quoted everywhere', async () => {
      const parent = 'pa`r\'e"nt\\';
      const table = 'we`ird\'s"\\';
      const q = (name: string) => `\`${name.replace(/`/g, '``')}\``;
      await other.query(`CREATE TABLE ${q(parent)} (\`i\`\`d\` INT PRIMARY KEY) ENGINE=InnoDB`);
      await other.query(
        `CREATE TABLE ${q(table)} (id INT PRIMARY KEY, \`p'i\`\`d\` INT, FOREIGN KEY (\`p'i\`\`d\`) REFERENCES ${q(parent)} (\`i\`\`d\`) ON DELETE CASCADE) ENGINE=InnoDB`,
      );
      try {
        await other.query(`INSERT INTO ${q(parent)} VALUES (1)`);
        await other.query(`INSERT INTO ${q(table)} VALUES (1, 1)`);
        await runAll(other, mariadbAppendOnly.guard(table));
        const error = await rejection(other.query(`DELETE FROM ${q(table)}`));
        const classified = mariadbAdapter.classifyError(error, context(url));
        expect(classified).toBeInstanceOf(AppendOnlyError);
        expect(classified.message).toContain(`"${table}"`);
        await expect(other.query(`DELETE FROM ${q(parent)}`)).rejects.toThrow(/refuses DELETE/);
        await runAll(other, mariadbAppendOnly.unguard(table));
        expect(await guardTriggers(other)).toEqual([]);
        await other.query(`DELETE FROM ${q(parent)}`);
      } finally {
        await other.query(`DROP TABLE IF EXISTS ${q(table)}`);
        await other.query(`DROP TABLE IF EXISTS ${q(parent)}`);
      }
    });

    test('another SIGNAL stays a DriverError', async () => {
      const error = await rejection(
        other.query("BEGIN NOT ATOMIC SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'nope'; END"),
      );
      expect(error).toMatchObject({ errno: SIGNAL_ERRNO });
      expect(mariadbAdapter.classifyError(error, context(url)).code).toBe('DRIVER');
    });
  });
});

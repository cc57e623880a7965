/**
 * Append-only tables on PostgreSQL, against a live server (CONFORMANCE_POSTGRES_URL; skipped
 * without it): the guard's triggers refuse UPDATE, DELETE and TRUNCATE from any connection.
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
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postgresAdapter } from '../src/postgres-adapter.ts';
import { APPEND_ONLY_SQLSTATE, appendOnlyNames, postgresAppendOnly } from '../src/postgres-append-only.ts';
import { postgresDialect } from '../src/postgres-dialect.ts';
import { postgresProvider } from '../src/testing.ts';

const serverUrl = process.env.CONFORMANCE_POSTGRES_URL;

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

async function runAll(client: pg.Client, fragments: Sql[]): Promise<void> {
  for (const fragment of fragments) {
    const { sql, params } = compile(fragment, postgresDialect);
    expect(params).toEqual([]);
    await client.query(sql);
  }
}

/** The guard's triggers and functions in the database (any table). */
async function guardObjects(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT tgname AS name FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE '%append_only%'
     UNION ALL SELECT proname || '()' FROM pg_proc WHERE proname LIKE '%append_only%' ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

describe.skipIf(!serverUrl)('append-only tables on PostgreSQL', () => {
  let url: string;
  let drop: () => Promise<void>;
  let store: Store;
  let other: pg.Client;
  let accountId: string;
  let eventId: string;
  let noteId: string;
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-append-only-'));

  beforeAll(async () => {
    const database = await postgresProvider.createDatabase(
      serverUrl as string,
      `sy_append_only_${randomUUID().slice(0, 8)}`,
    );
    url = database.url;
    drop = database.drop;
    store = await openStore({ url, schema, adapter: postgresAdapter });
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

  const eventRow = async () =>
    (await other.query('SELECT kind, body FROM ao_event WHERE id = $1', [eventId])).rows[0];

  describe('push mode', () => {
    test('the capability is on, and inserts, reads and search work', async () => {
      expect(store.capabilities.appendOnly).toBe(true);
      expect(await store.repo(Event).get(eventId)).toMatchObject({
        kind: 'created',
        body: 'write lock taken',
      });
      const page = await store.search(Event, 'lock');
      expect(page.hits.map((h) => h.item.id)).toEqual([eventId]);
      expect(await guardObjects(other)).toEqual([
        'ao_event__append_only',
        'ao_event__append_only()',
        'ao_event__append_only_truncate',
        'ao_note__append_only',
        'ao_note__append_only()',
        'ao_note__append_only_truncate',
      ]);
    });

    test('a second connection cannot update, delete or truncate; the refusal is an AppendOnlyError', async () => {
      const errors = [
        await rejection(other.query("UPDATE ao_event SET kind = 'changed'")),
        await rejection(other.query('DELETE FROM ao_event')),
        // The search index table refers to ao_event: TRUNCATE needs CASCADE, and the guard refuses it.
        await rejection(other.query('TRUNCATE ao_event CASCADE')),
      ];
      expect(errors.map((e) => (e as Error).message)).toEqual([
        'switchyard: append-only table "ao_event" refuses UPDATE',
        'switchyard: append-only table "ao_event" refuses DELETE',
        'switchyard: append-only table "ao_event" refuses TRUNCATE',
      ]);
      expect(await eventRow()).toEqual({ kind: 'created', body: 'write lock taken' });
      for (const error of errors) {
        expect(error).toMatchObject({ code: APPEND_ONLY_SQLSTATE, table: 'ao_event' });
        const classified = postgresAdapter.classifyError(error, context(url));
        expect(classified).toBeInstanceOf(AppendOnlyError);
        expect(classified.code).toBe('APPEND_ONLY');
        expect(classified.message).toContain('"ao_event"');
        expect(classified.cause).toBe(error);
      }
    });

    test('INSERT … ON CONFLICT DO UPDATE is refused when it would update', async () => {
      const error = await rejection(
        other.query(
          "INSERT INTO ao_event (id, account_id, kind, body) VALUES ($1, $2, 'k', 'b') ON CONFLICT (id) DO UPDATE SET kind = excluded.kind",
          [eventId, accountId],
        ),
      );
      expect(postgresAdapter.classifyError(error, context(url))).toBeInstanceOf(AppendOnlyError);
      expect(await eventRow()).toEqual({ kind: 'created', body: 'write lock taken' });
    });

    test("MikroORM's connection (the escape hatch) is refused too", async () => {
      const connection = store.orm.em.getConnection();
      for (const statement of [
        "UPDATE ao_event SET body = 'x'",
        'DELETE FROM ao_event',
        'TRUNCATE ao_note',
      ]) {
        const error = await rejection(connection.execute(statement));
        expect(postgresAdapter.classifyError(error, context(url))).toBeInstanceOf(AppendOnlyError);
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

    test('deleting the parent is refused: ON DELETE CASCADE and SET NULL would change append-only rows', async () => {
      await expect(store.repo(Account).delete(accountId)).rejects.toBeInstanceOf(AppendOnlyError);
      const cascade = await rejection(other.query('DELETE FROM ao_account WHERE id = $1', [accountId]));
      expect(postgresAdapter.classifyError(cascade, context(url))).toBeInstanceOf(AppendOnlyError);
      expect(await store.repo(Account).get(accountId)).not.toBeNull();
      expect(await store.repo(Event).get(eventId)).not.toBeNull();
      expect(await store.repo(Note).get(noteId)).toMatchObject({ account: accountId });
      // TRUNCATE … CASCADE from the parent fires the child's TRUNCATE trigger.
      const truncate = await rejection(other.query('TRUNCATE ao_account CASCADE'));
      expect((truncate as Error).message).toMatch(/append-only table "ao_(event|note)" refuses TRUNCATE/);

      // The SET NULL path alone: a parent with only a note.
      const lone = await store.repo(Account).insert({ name: 'lone' });
      const note = await store.repo(Note).insert({ account: lone.id, text: 'kept' });
      const setNull = await rejection(other.query('DELETE FROM ao_account WHERE id = $1', [lone.id]));
      expect((setNull as Error).message).toBe('switchyard: append-only table "ao_note" refuses UPDATE');
      expect(await store.repo(Note).get(note.id)).toMatchObject({ account: lone.id });
      // A parent nothing append-only refers to is deleted as usual.
      const free = await store.repo(Account).insert({ name: 'free' });
      expect(await store.repo(Account).delete(free.id)).toBe(true);
    });

    test('inside a transaction the refused statement aborts the transaction, as any error does', async () => {
      const id = randomUUID();
      await other.query('BEGIN');
      try {
        await other.query("INSERT INTO ao_note (id, account_id, text) VALUES ($1, NULL, 'in tx')", [id]);
        await expect(other.query("UPDATE ao_note SET text = 'changed'")).rejects.toMatchObject({
          code: APPEND_ONLY_SQLSTATE,
        });
        await expect(other.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
      } finally {
        await other.query('ROLLBACK');
      }
      expect((await other.query('SELECT 1 FROM ao_note WHERE id = $1', [id])).rowCount).toBe(0);

      // A savepoint keeps the transaction going past the refusal.
      await other.query('BEGIN');
      try {
        await other.query("INSERT INTO ao_note (id, account_id, text) VALUES ($1, NULL, 'in tx')", [id]);
        await other.query('SAVEPOINT s');
        await expect(other.query('DELETE FROM ao_note')).rejects.toMatchObject({
          code: APPEND_ONLY_SQLSTATE,
        });
        await other.query('ROLLBACK TO SAVEPOINT s');
        await other.query('COMMIT');
      } catch (error) {
        await other.query('ROLLBACK');
        throw error;
      }
      expect((await other.query('SELECT text FROM ao_note WHERE id = $1', [id])).rows).toEqual([
        { text: 'in tx' },
      ]);
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
      expect((await store.search(Event, 'write')).hits).toHaveLength(1);
    });

    test('migrate() again keeps the guard (idempotent, and MikroORM leaves triggers and functions alone)', async () => {
      await store.migrate();
      expect(await store.migrations.diff()).toEqual([]);
      await runAll(other, postgresAppendOnly.guard('ao_event'));
      await runAll(other, postgresAppendOnly.guard('ao_event'));
      expect(await guardObjects(other)).toHaveLength(6);
      await expect(other.query("UPDATE ao_event SET kind = 'x'")).rejects.toThrow(/refuses UPDATE/);
    });

    test('after unguard a raw update and delete work; guard puts the refusal back', async () => {
      await runAll(other, postgresAppendOnly.unguard('ao_note'));
      await runAll(other, postgresAppendOnly.unguard('ao_note'));
      expect(await guardObjects(other)).toEqual([
        'ao_event__append_only',
        'ao_event__append_only()',
        'ao_event__append_only_truncate',
      ]);
      await other.query("UPDATE ao_note SET text = 'edited' WHERE id = $1", [noteId]);
      expect((await other.query('SELECT text FROM ao_note WHERE id = $1', [noteId])).rows).toEqual([
        { text: 'edited' },
      ]);
      await runAll(other, postgresAppendOnly.guard('ao_note'));
      await expect(other.query('DELETE FROM ao_note')).rejects.toThrow(/refuses DELETE/);
    });

    test('dropSchema leaves no trigger or function behind', async () => {
      await store.dropSchema();
      expect(await guardObjects(other)).toEqual([]);
      const { rows } = await other.query("SELECT tablename FROM pg_tables WHERE tablename LIKE 'ao_%'");
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
        adapters: [postgresAdapter],
      });
      expect(created.file).not.toBeNull();
      const [name] = readdirSync(migrations);
      const steps = JSON.parse(readFileSync(join(migrations, name as string), 'utf8')).dialects.postgres as {
        up: unknown[];
        down: unknown[];
      };
      expect(steps.up.every((s) => typeof s === 'string' || !('params' in (s as object)))).toBe(true);
      expect(steps.up.filter((s) => typeof s === 'string' && s.includes('append_only'))).toHaveLength(6);
      expect(steps.down).toContain('DROP FUNCTION IF EXISTS "ao_event__append_only"()');

      const history = await openStore({ url, schema, adapter: postgresAdapter, migrations });
      try {
        await history.migrate();
        expect(await guardObjects(other)).toHaveLength(6);
        const account = await history.repo(Account).insert({ name: 'a' });
        await history.repo(Event).insert({ account: account.id, kind: 'k', body: 'b' });
        await expect(other.query("UPDATE ao_event SET kind = 'x'")).rejects.toThrow(/refuses UPDATE/);
        await expect(other.query('DELETE FROM ao_event')).rejects.toThrow(/refuses DELETE/);

        await history.migrations.down({ to: null });
        expect(await guardObjects(other)).toEqual([]);
        const { rows } = await other.query("SELECT tablename FROM pg_tables WHERE tablename LIKE 'ao_%'");
        expect(rows).toEqual([]);
      } finally {
        await history.close();
      }
    });
  });

  describe('names', () => {
    test('long table names get names within 63 bytes, the same for guard and unguard', async () => {
      const table = `t_${'é'.repeat(28)}_${'x'.repeat(3)}`; // 62 bytes: every suffix overflows
      const names = appendOnlyNames(table);
      for (const name of Object.values(names)) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
      expect(names.truncate).not.toBe(names.rows);
      expect(appendOnlyNames(`${table}y`).rows).not.toBe(names.rows);
      await other.query(`CREATE TABLE "${table}" (id int PRIMARY KEY, v text)`);
      try {
        await other.query(`INSERT INTO "${table}" VALUES (1, 'a')`);
        await runAll(other, postgresAppendOnly.guard(table));
        await runAll(other, postgresAppendOnly.guard(table));
        const error = await rejection(other.query(`UPDATE "${table}" SET v = 'b'`));
        const classified = postgresAdapter.classifyError(error, context(url));
        expect(classified).toBeInstanceOf(AppendOnlyError);
        expect(classified.message).toContain(`"${table}"`);
        await runAll(other, postgresAppendOnly.unguard(table));
        expect(await guardObjects(other)).toEqual([]);
        await other.query(`UPDATE "${table}" SET v = 'b'`);
      } finally {
        await other.query(`DROP TABLE IF EXISTS "${table}"`);
      }
    });

    test('a table name with quotes and dollars is quoted everywhere', async () => {
      const table = `we"ird's $sy$`;
      const quoted = `"we""ird's $sy$"`;
      await other.query(`CREATE TABLE ${quoted} (id int PRIMARY KEY)`);
      try {
        await other.query(`INSERT INTO ${quoted} VALUES (1)`);
        await runAll(other, postgresAppendOnly.guard(table));
        const error = await rejection(other.query(`DELETE FROM ${quoted}`));
        const classified = postgresAdapter.classifyError(error, context(url));
        expect(classified).toBeInstanceOf(AppendOnlyError);
        expect(classified.message).toContain(`"${table}"`);
        await runAll(other, postgresAppendOnly.unguard(table));
        expect(await guardObjects(other)).toEqual([]);
      } finally {
        await other.query(`DROP TABLE IF EXISTS ${quoted}`);
      }
    });

    test('another error raised with a user SQLSTATE stays a DriverError', async () => {
      const error = await rejection(other.query("DO $$ BEGIN RAISE EXCEPTION 'nope'; END $$"));
      expect(postgresAdapter.classifyError(error, context(url)).code).toBe('DRIVER');
    });
  });
});

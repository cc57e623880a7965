/**
 * What is PostgreSQL's own in append-only tables, against a live server (CONFORMANCE_POSTGRES_URL;
 * skipped without it). The contract (repository refusals, raw UPDATE / DELETE / upsert through
 * another store, foreign key actions, transactions, push mode, the migration history) is the
 * conformance suite's `append-only` suite, run on every backend. Here: the function and triggers
 * the guard creates and removes (pg_trigger, pg_proc), SQLSTATE SY001 and how it is classified,
 * TRUNCATE, a refusal inside a transaction (25P02), and names past 63 bytes or needing quotes.
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

/** A plain parent: TRUNCATE … CASCADE from it reaches the append-only events. */
const Ledger = defineEntity({
  name: 'AoLedger',
  tableName: 'ao_ledger',
  properties: { id: p.uuid().primary(), title: p.string().length(100) },
});

/** Append-only and searchable: the index table `ao_event__search` refers to it, unguarded. */
const Event = appendOnly(
  searchable(
    defineEntity({
      name: 'AoEvent',
      tableName: 'ao_event',
      properties: {
        id: p.uuid().primary(),
        ledger: () => p.manyToOne(Ledger).deleteRule('cascade'),
        body: p.text(),
      },
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

const schema = [Ledger, Event, Note];

/** The trigger definitions and functions `guard(table)` creates. */
const objectsOf = (table: string) => [
  `CREATE TRIGGER ${table}__append_only BEFORE DELETE OR UPDATE ON public.${table} FOR EACH ROW EXECUTE FUNCTION ${table}__append_only()`,
  `CREATE TRIGGER ${table}__append_only_truncate BEFORE TRUNCATE ON public.${table} FOR EACH STATEMENT EXECUTE FUNCTION ${table}__append_only()`,
  `function ${table}__append_only()`,
];

const refusal = (table: string, operation: string) =>
  `switchyard: append-only table "${table}" refuses ${operation}`;

describe.skipIf(!serverUrl)('append-only tables on PostgreSQL', () => {
  let url: string;
  let drop: () => Promise<void>;
  let store: Store;
  /** A connection of its own, outside any store. */
  let other: pg.Client;
  let eventId: string;
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-append-only-'));

  const classify = (error: unknown) => postgresAdapter.classifyError(error, { url, options: {} });

  /** Runs the guard's (or unguard's) statements, which must have no bound parameter. */
  async function runAll(fragments: Sql[]): Promise<void> {
    for (const fragment of fragments) {
      const { sql, params } = compile(fragment, postgresDialect);
      expect(params).toEqual([]);
      await other.query(sql);
    }
  }

  /** Every trigger and function in the database whose name says append-only, sorted. */
  async function guardObjects(): Promise<string[]> {
    const { rows } = await other.query<{ name: string }>(
      `SELECT pg_get_triggerdef(oid) AS name FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE '%append_only%'
       UNION ALL SELECT 'function ' || proname || '()' FROM pg_proc WHERE proname LIKE '%append_only%' ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  }

  /** The error `sql` fails with on the other connection. */
  async function refused(sql: string): Promise<unknown> {
    return other.query(sql).then(
      () => expect.fail(`${sql} ran`),
      (error: unknown) => error,
    );
  }

  const count = async (table: string) =>
    Number((await other.query(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n);

  beforeAll(async () => {
    ({ url, drop } = await postgresProvider.createDatabase(
      serverUrl as string,
      `sy_append_only_${randomUUID().slice(0, 8)}`,
    ));
    store = await openStore({ url, schema, adapter: postgresAdapter });
    await store.migrate();
    other = new pg.Client({ connectionString: url });
    other.on('error', () => undefined);
    await other.connect();
    const ledger = await store.repo(Ledger).insert({ title: 'ops' });
    eventId = (await store.repo(Event).insert({ ledger: ledger.id, body: 'write lock taken' })).id;
    await store.repo(Note).insert({ text: 'first' });
  });

  afterAll(async () => {
    await other?.end().catch(() => undefined);
    await store?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  test('migrate() creates a function, a row trigger and a TRUNCATE trigger per table, none on the search index table, which reindex() rewrites', async () => {
    const all = [...objectsOf('ao_event'), ...objectsOf('ao_note')].sort();
    expect(await guardObjects()).toEqual(all);
    // The triggers are created only when missing: running the guard again changes nothing.
    await runAll(postgresAppendOnly.guard('ao_event'));
    expect(await guardObjects()).toEqual(all);
    expect(await store.reindex(Event)).toBe(1);
    expect((await store.search(Event, 'lock')).hits.map((h) => h.item.id)).toEqual([eventId]);
  });

  test('a refused UPDATE, DELETE or TRUNCATE raises SY001 naming the table, classified as AppendOnlyError; another RAISE is not', async () => {
    const errors = [
      await refused("UPDATE ao_event SET body = 'changed'"),
      await refused('DELETE FROM ao_event'),
      // The search index table refers to ao_event: TRUNCATE needs CASCADE, and the guard refuses it.
      await refused('TRUNCATE ao_event CASCADE'),
    ];
    expect(errors.map((e) => (e as Error).message)).toEqual(
      ['UPDATE', 'DELETE', 'TRUNCATE'].map((operation) => refusal('ao_event', operation)),
    );
    for (const error of errors) {
      expect(error).toMatchObject({ code: APPEND_ONLY_SQLSTATE, table: 'ao_event', schema: 'public' });
      const classified = classify(error);
      expect(classified).toBeInstanceOf(AppendOnlyError);
      expect(classified.code).toBe('APPEND_ONLY');
      expect(classified.message).toContain('"ao_event"');
      expect(classified.cause).toBe(error);
    }
    expect(await count('ao_event')).toBe(1);

    const unrelated = await refused("DO $$ BEGIN RAISE EXCEPTION 'nope'; END $$");
    expect(unrelated).toMatchObject({ code: 'P0001' });
    expect(classify(unrelated).code).toBe('DRIVER');
  });

  test("TRUNCATE is refused, through MikroORM's connection too, and TRUNCATE of a parent … CASCADE reaching the table", async () => {
    const connection = store.orm.em.getConnection();
    const wrapped = await connection.execute('TRUNCATE ao_note').then(
      () => expect.fail('TRUNCATE ao_note ran'),
      (error: unknown) => error,
    );
    expect(classify(wrapped)).toBeInstanceOf(AppendOnlyError);
    expect(classify(wrapped).message).toContain('"ao_note"');
    const cascade = await refused('TRUNCATE ao_ledger CASCADE');
    expect((cascade as Error).message).toBe(refusal('ao_event', 'TRUNCATE'));
    expect([await count('ao_ledger'), await count('ao_event'), await count('ao_note')]).toEqual([1, 1, 1]);
  });

  test('a refusal aborts the transaction it runs in (25P02 afterwards) unless a savepoint catches it', async () => {
    const id = randomUUID();
    const insert = () => other.query("INSERT INTO ao_note (id, text) VALUES ($1, 'in tx')", [id]);
    await other.query('BEGIN');
    try {
      await insert();
      await expect(other.query("UPDATE ao_note SET text = 'changed'")).rejects.toMatchObject({
        code: APPEND_ONLY_SQLSTATE,
      });
      await expect(other.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
    } finally {
      await other.query('ROLLBACK');
    }
    expect((await other.query('SELECT 1 FROM ao_note WHERE id = $1', [id])).rowCount).toBe(0);

    await other.query('BEGIN');
    try {
      await insert();
      await other.query('SAVEPOINT s');
      await expect(other.query('DELETE FROM ao_note')).rejects.toMatchObject({ code: APPEND_ONLY_SQLSTATE });
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

  test("unguard drops the table's triggers and function (again is fine); guard puts them back", async () => {
    await runAll(postgresAppendOnly.unguard('ao_note'));
    await runAll(postgresAppendOnly.unguard('ao_note'));
    expect(await guardObjects()).toEqual(objectsOf('ao_event').sort());
    await other.query("UPDATE ao_note SET text = 'edited'");
    await other.query('TRUNCATE ao_note');
    await runAll(postgresAppendOnly.guard('ao_note'));
    expect(await guardObjects()).toHaveLength(6);
    await expect(other.query('TRUNCATE ao_note')).rejects.toThrow(refusal('ao_note', 'TRUNCATE'));
  });

  test('dropSchema() leaves no trigger or function behind', async () => {
    await store.dropSchema();
    expect(await guardObjects()).toEqual([]);
    expect((await other.query("SELECT tablename FROM pg_tables WHERE tablename LIKE 'ao_%'")).rows).toEqual(
      [],
    );
  });

  test('a migration holds the guard as plain SQL text; up creates it, down to null leaves nothing', async () => {
    const migrations = join(dir, 'migrations');
    await createMigration({ schema, directory: migrations, name: 'init', adapters: [postgresAdapter] });
    const [name] = readdirSync(migrations);
    const steps = JSON.parse(readFileSync(join(migrations, name as string), 'utf8')).dialects.postgres as {
      up: unknown[];
      down: unknown[];
    };
    const guardSteps = (list: unknown[]) => list.filter((s) => JSON.stringify(s).includes('append_only'));
    expect(guardSteps(steps.up)).toHaveLength(6);
    expect(guardSteps(steps.up).every((s) => typeof s === 'string')).toBe(true);
    expect(steps.down).toContain('DROP FUNCTION IF EXISTS "ao_event__append_only"()');

    const history = await openStore({ url, schema, adapter: postgresAdapter, migrations });
    try {
      await history.migrate();
      expect(await guardObjects()).toHaveLength(6);
      await history.migrations.down({ to: null });
      expect(await guardObjects()).toEqual([]);
    } finally {
      await history.close();
    }
  });

  test('a table name past 63 bytes is cut and hashed, the same for guard and unguard', async () => {
    const table = `t_${'é'.repeat(28)}_${'x'.repeat(3)}`; // 62 bytes: every suffix overflows
    const names = appendOnlyNames(table);
    for (const name of Object.values(names)) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    expect(names.truncate).not.toBe(names.rows);
    expect(appendOnlyNames(`${table}y`).rows).not.toBe(names.rows);
    await other.query(`CREATE TABLE "${table}" (id int PRIMARY KEY, v text)`);
    try {
      await other.query(`INSERT INTO "${table}" VALUES (1, 'a')`);
      await runAll(postgresAppendOnly.guard(table));
      await runAll(postgresAppendOnly.guard(table));
      expect(await guardObjects()).toHaveLength(3);
      const classified = classify(await refused(`UPDATE "${table}" SET v = 'b'`));
      expect(classified).toBeInstanceOf(AppendOnlyError);
      expect(classified.message).toContain(`"${table}"`);
      await runAll(postgresAppendOnly.unguard(table));
      expect(await guardObjects()).toEqual([]);
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
      await runAll(postgresAppendOnly.guard(table));
      const error = await refused(`DELETE FROM ${quoted}`);
      expect((error as Error).message).toBe(refusal(`we""ird's $sy$`, 'DELETE'));
      const classified = classify(error);
      expect(classified).toBeInstanceOf(AppendOnlyError);
      expect(classified.message).toContain(`"${table}"`);
      await runAll(postgresAppendOnly.unguard(table));
      expect(await guardObjects()).toEqual([]);
    } finally {
      await other.query(`DROP TABLE IF EXISTS ${quoted}`);
    }
  });
});

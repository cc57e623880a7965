/**
 * What is MariaDB's own in append-only tables, against a live server (CONFORMANCE_MARIADB_URL;
 * skipped without it). The contract (repository refusals, raw UPDATE / DELETE / upsert / REPLACE
 * through another store, foreign key actions, transactions, push mode, the migration history) is
 * the conformance suite's `append-only` suite, run on every backend. Here: the triggers the guard
 * creates and removes (information_schema.TRIGGERS), on the table and on the tables it refers to
 * with a cascading foreign key (InnoDB fires no child trigger for those); error 1644 and how it is
 * classified; a refusal inside a transaction; TRUNCATE, which is not guarded; names past 64
 * characters or needing quotes.
 */
import { createHash, randomUUID } from 'node:crypto';
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

const Owner = defineEntity({
  name: 'AoOwner',
  tableName: 'ao_owner',
  properties: { id: p.uuid().primary(), label: p.string().length(100) },
});

/** Append-only, searchable (`ao_event__search` refers to it), deleted with its owner (CASCADE). */
const Event = appendOnly(
  searchable(
    defineEntity({
      name: 'AoEvent',
      tableName: 'ao_event',
      properties: {
        id: p.uuid().primary(),
        owner: () => p.manyToOne(Owner).deleteRule('cascade'),
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
    properties: { id: p.uuid().primary(), owner: () => p.manyToOne(Owner).nullable(), text: p.text() },
  }),
);

const schema = [Owner, Event, Note];

const refusal = (table: string, operation: 'UPDATE' | 'DELETE') =>
  `switchyard: append-only table "${table}" refuses ${operation}`;

/** A trigger `table.name TIMING EVENT` the guard of `table` creates on itself. */
const own = (table: string, operation: 'UPDATE' | 'DELETE') =>
  `${table}.${appendOnlyTriggerNames(table)[operation === 'UPDATE' ? 'update' : 'delete']} BEFORE ${operation}`;

describe.skipIf(!serverUrl)('append-only tables on MariaDB', () => {
  let url: string;
  let drop: () => Promise<void>;
  let store: Store;
  /** A connection of its own, outside any store. */
  let other: Connection;
  let ownerId: string;
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-append-only-'));

  const classify = (error: unknown) => mariadbAdapter.classifyError(error, { url, options: {} });

  /** Runs the guard's (or unguard's) statements, which must have no bound parameter. */
  async function runAll(fragments: Sql[]): Promise<void> {
    for (const fragment of fragments) {
      const { sql, params } = compile(fragment, mariadbDialect);
      expect(params).toEqual([]);
      await other.query(sql);
    }
  }

  /** Every trigger of the database whose name says append-only, as `table.name TIMING EVENT`. */
  async function guardTriggers(): Promise<string[]> {
    const [rows] = await other.query(
      "SELECT CONCAT(EVENT_OBJECT_TABLE, '.', TRIGGER_NAME, ' ', ACTION_TIMING, ' ', EVENT_MANIPULATION) AS t FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME LIKE '%append\\_only%' ORDER BY 1",
    );
    return (rows as { t: string }[]).map((r) => r.t);
  }

  /** The BEFORE DELETE trigger the guard of `child` puts on `parent` for its only foreign key there. */
  async function onParent(child: string, parent: string): Promise<string> {
    const [rows] = await other.query(
      'SELECT CONSTRAINT_NAME AS name FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ? AND REFERENCED_TABLE_NAME = ?',
      [child, parent],
    );
    const [constraint] = rows as { name: string }[];
    const hash = createHash('sha256')
      .update(constraint?.name ?? '')
      .digest('hex');
    return `${parent}.${appendOnlyTriggerNames(child).parentPrefix}${hash.slice(0, 8)}_d BEFORE DELETE`;
  }

  /** What the guard installs for this schema. */
  const guarded = async () =>
    [
      await onParent('ao_event', 'ao_owner'),
      await onParent('ao_note', 'ao_owner'),
      own('ao_event', 'DELETE'),
      own('ao_event', 'UPDATE'),
      own('ao_note', 'DELETE'),
      own('ao_note', 'UPDATE'),
    ].sort();

  /** The error `sql` fails with on the other connection. */
  async function refused(sql: string, params: unknown[] = []): Promise<unknown> {
    return other.query(sql, params).then(
      () => expect.fail(`${sql} ran`),
      (error: unknown) => error,
    );
  }

  const count = async (table: string) => {
    const [rows] = await other.query(`SELECT count(*) AS n FROM ${table}`);
    return Number((rows as { n: unknown }[])[0]?.n);
  };

  beforeAll(async () => {
    ({ url, drop } = await mariadbProvider.createDatabase(
      serverUrl as string,
      `sy_append_only_${randomUUID().slice(0, 8)}`,
    ));
    store = await openStore({ url, schema, adapter: mariadbAdapter });
    await store.migrate();
    other = await createConnection({ ...parseMariadbUrl(url) });
    ownerId = (await store.repo(Owner).insert({ label: 'ops' })).id;
    await store.repo(Event).insert({ owner: ownerId, body: 'write lock taken' });
    await store.repo(Note).insert({ owner: ownerId, text: 'first' });
  });

  afterAll(async () => {
    await other?.end().catch(() => undefined);
    await store?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  test('migrate() creates two triggers per table and one on the parent per cascading foreign key, none on the search index table, which reindex() rewrites', async () => {
    const all = await guarded();
    expect(await guardTriggers()).toEqual(all);
    // IF NOT EXISTS, the parent's triggers included: running the guard again changes nothing.
    await runAll(mariadbAppendOnly.guard('ao_event'));
    await store.migrate();
    expect(await guardTriggers()).toEqual(all);
    expect(await store.reindex(Event)).toBe(1);
    await mariadbProvider.settleSearch?.(url);
    expect((await store.search(Event, 'lock')).hits).toHaveLength(1);
  });

  test("error 1644 from the guard's triggers, the parent's included, classifies as AppendOnlyError naming the table; another SIGNAL does not", async () => {
    const cascading = await store.repo(Owner).insert({ label: 'events only' });
    await store.repo(Event).insert({ owner: cascading.id, body: 'kept' });
    const settingNull = await store.repo(Owner).insert({ label: 'notes only' });
    await store.repo(Note).insert({ owner: settingNull.id, text: 'kept' });
    const cases: [unknown, string, 'UPDATE' | 'DELETE'][] = [
      [await refused("UPDATE ao_event SET body = 'changed'"), 'ao_event', 'UPDATE'],
      [await refused('DELETE FROM ao_event'), 'ao_event', 'DELETE'],
      // The parent's trigger names the child and what the foreign key's action would do to it.
      [await refused('DELETE FROM ao_owner WHERE id = ?', [cascading.id]), 'ao_event', 'DELETE'],
      [await refused('DELETE FROM ao_owner WHERE id = ?', [settingNull.id]), 'ao_note', 'UPDATE'],
    ];
    for (const [error, table, operation] of cases) {
      expect(error).toMatchObject({
        errno: SIGNAL_ERRNO,
        sqlState: '45000',
        sqlMessage: refusal(table, operation),
      });
      const classified = classify(error);
      expect(classified).toBeInstanceOf(AppendOnlyError);
      expect(classified.code).toBe('APPEND_ONLY');
      expect(classified.message).toContain(`"${table}"`);
      expect(classified.cause).toBe(error);
    }
    expect([await count('ao_owner'), await count('ao_event'), await count('ao_note')]).toEqual([3, 2, 2]);

    const unrelated = await refused(
      "BEGIN NOT ATOMIC SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'nope'; END",
    );
    expect(unrelated).toMatchObject({ errno: SIGNAL_ERRNO });
    expect(classify(unrelated).code).toBe('DRIVER');
  });

  test("the parent's triggers follow the foreign key's actions: ON UPDATE CASCADE gets BEFORE UPDATE, RESTRICT nothing; unguard removes them", async () => {
    await other.query('CREATE TABLE ao_key (k VARCHAR(10) PRIMARY KEY) ENGINE=InnoDB');
    await other.query(
      'CREATE TABLE ao_keyed (id INT PRIMARY KEY, k VARCHAR(10), CONSTRAINT ao_keyed_k FOREIGN KEY (k) REFERENCES ao_key (k) ON UPDATE CASCADE) ENGINE=InnoDB',
    );
    try {
      await other.query("INSERT INTO ao_key VALUES ('a'), ('b')");
      await other.query("INSERT INTO ao_keyed VALUES (1, 'a')");
      await runAll(mariadbAppendOnly.guard('ao_keyed'));
      const hash = createHash('sha256').update('ao_keyed_k').digest('hex').slice(0, 8);
      expect((await guardTriggers()).filter((t) => t.includes('ao_keyed'))).toEqual([
        `ao_key.${appendOnlyTriggerNames('ao_keyed').parentPrefix}${hash}_u BEFORE UPDATE`,
        own('ao_keyed', 'DELETE'),
        own('ao_keyed', 'UPDATE'),
      ]);
      const error = await refused("UPDATE ao_key SET k = 'z' WHERE k = 'a'");
      expect(error).toMatchObject({ errno: SIGNAL_ERRNO, sqlMessage: refusal('ao_keyed', 'UPDATE') });
      // A key nothing refers to changes; deleting a referred key is InnoDB's RESTRICT, not the guard.
      await other.query("UPDATE ao_key SET k = 'y' WHERE k = 'b'");
      await expect(other.query("DELETE FROM ao_key WHERE k = 'a'")).rejects.toMatchObject({ errno: 1451 });
      await runAll(mariadbAppendOnly.unguard('ao_keyed'));
      expect((await guardTriggers()).filter((t) => t.includes('ao_keyed'))).toEqual([]);
      await other.query("UPDATE ao_key SET k = 'z' WHERE k = 'a'");
      const [rows] = await other.query('SELECT k FROM ao_keyed');
      expect(rows).toEqual([{ k: 'z' }]);
    } finally {
      await other.query('DROP TABLE IF EXISTS ao_keyed');
      await other.query('DROP TABLE IF EXISTS ao_key');
    }
  });

  test('inside a transaction the refused statement fails alone; the transaction goes on and commits', async () => {
    const id = randomUUID();
    await other.query('BEGIN');
    try {
      await other.query("INSERT INTO ao_note (id, owner_id, text) VALUES (?, NULL, 'in tx')", [id]);
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

  test('TRUNCATE is not guarded (DDL fires no trigger, documented): InnoDB refuses it only for a table a foreign key refers to', async () => {
    // The search index table refers to ao_event.
    await expect(other.query('TRUNCATE ao_event')).rejects.toMatchObject({ errno: 1701 });
    expect(await count('ao_event')).toBe(2);
    await other.query('CREATE TABLE ao_loose (id INT PRIMARY KEY) ENGINE=InnoDB');
    try {
      await other.query('INSERT INTO ao_loose VALUES (1), (2)');
      await runAll(mariadbAppendOnly.guard('ao_loose'));
      await expect(other.query('DELETE FROM ao_loose')).rejects.toThrow(refusal('ao_loose', 'DELETE'));
      await other.query('TRUNCATE ao_loose');
      expect(await count('ao_loose')).toBe(0);
      await runAll(mariadbAppendOnly.unguard('ao_loose'));
    } finally {
      await other.query('DROP TABLE IF EXISTS ao_loose');
    }
  });

  test("unguard drops the table's triggers and its parent's (again is fine); guard puts them back", async () => {
    const all = await guarded();
    await runAll(mariadbAppendOnly.unguard('ao_note'));
    await runAll(mariadbAppendOnly.unguard('ao_note'));
    expect(await guardTriggers()).toEqual(all.filter((t) => !t.includes('ao_note__')));
    await other.query("UPDATE ao_note SET text = 'edited'");
    await runAll(mariadbAppendOnly.guard('ao_note'));
    expect(await guardTriggers()).toEqual(all);
  });

  test('dropSchema() leaves no trigger behind, on the tables or their parents', async () => {
    await store.dropSchema();
    expect(await guardTriggers()).toEqual([]);
    const [rows] = await other.query(
      "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'ao\\_%'",
    );
    expect(rows).toEqual([]);
  });

  test('a migration holds the guard as plain SQL text; up creates the triggers, down to null leaves none', async () => {
    const migrations = join(dir, 'migrations');
    await createMigration({ schema, directory: migrations, name: 'init', adapters: [mariadbAdapter] });
    const [name] = readdirSync(migrations);
    const steps = JSON.parse(readFileSync(join(migrations, name as string), 'utf8')).dialects.mariadb as {
      up: unknown[];
      down: unknown[];
    };
    const names = appendOnlyTriggerNames('ao_event');
    expect(steps.up).toContain(
      `CREATE TRIGGER IF NOT EXISTS \`${names.update}\` BEFORE UPDATE ON \`ao_event\` FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${refusal('ao_event', 'UPDATE')}'`,
    );
    expect(steps.down).toContain(`DROP TRIGGER IF EXISTS \`${names.delete}\``);
    const guardSteps = steps.up.filter((s) => JSON.stringify(s).includes('append_only'));
    expect(guardSteps).toHaveLength(6);
    expect(guardSteps.every((s) => typeof s === 'string')).toBe(true);

    const history = await openStore({ url, schema, adapter: mariadbAdapter, migrations });
    try {
      await history.migrate();
      expect(await guardTriggers()).toEqual(await guarded());
      await history.migrations.down({ to: null });
      expect(await guardTriggers()).toEqual([]);
    } finally {
      await history.close();
    }
  });

  test('a table name past 64 characters is cut and hashed, the same for guard and unguard, the parent trigger included', async () => {
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
      await runAll(mariadbAppendOnly.guard(table));
      await runAll(mariadbAppendOnly.guard(table));
      expect(await guardTriggers()).toHaveLength(3);
      const classified = classify(await refused(`UPDATE \`${table}\` SET pid = NULL`));
      expect(classified).toBeInstanceOf(AppendOnlyError);
      expect(classified.message).toContain(`"${table}"`);
      await expect(other.query(`DELETE FROM \`${parent}\``)).rejects.toThrow(refusal(table, 'DELETE'));
      await runAll(mariadbAppendOnly.unguard(table));
      expect(await guardTriggers()).toEqual([]);
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
      await runAll(mariadbAppendOnly.guard(table));
      const error = await refused(`DELETE FROM ${q(table)}`);
      expect(error).toMatchObject({ sqlMessage: refusal('we`ird\'s""\\', 'DELETE') });
      const classified = classify(error);
      expect(classified).toBeInstanceOf(AppendOnlyError);
      expect(classified.message).toContain(`"${table}"`);
      await expect(other.query(`DELETE FROM ${q(parent)}`)).rejects.toThrow(/refuses DELETE/);
      await runAll(mariadbAppendOnly.unguard(table));
      expect(await guardTriggers()).toEqual([]);
      await other.query(`DELETE FROM ${q(parent)}`);
    } finally {
      await other.query(`DROP TABLE IF EXISTS ${q(table)}`);
      await other.query(`DROP TABLE IF EXISTS ${q(parent)}`);
    }
  });
});

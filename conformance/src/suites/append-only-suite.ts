import {
  AppendOnlyError,
  checkMigrations,
  type Row,
  type Store,
  TransactionAbortedError,
} from '@switchyard/core';
import { expect } from 'vitest';
import {
  AoBook,
  AoClerk,
  AoEntry,
  AoEventGuarded,
  AoEventPlain,
  AoEventWidened,
  eventSchemas,
  eventTable,
  foreignKeySchema,
} from '../append-only/append-only-schemas.ts';
import { Account, Ledger, Sample } from '../conformance-schema.ts';
import { type MigrationLab, tableExists, withSchemaLab } from '../migrations/migration-lab.ts';
import { defineSuite, type SuiteContext } from '../suite-definition.ts';
import { expectError } from './expect-error.ts';
import { newTag } from './suite-helpers.ts';

/**
 * Append-only entities (`appendOnly`): rows are inserted and read, never changed. The repository
 * refuses `update`, `upsert`, `delete` and `deleteMany` before anything runs, and the database
 * refuses UPDATE and DELETE of the rows itself — raw SQL through another connection, a foreign
 * key's action, a store whose schema does not say the entity is append-only. The guard comes
 * with the table: `migrate()` in push mode, or the migration that declares it.
 *
 * Raw statements run through another store's MikroORM connection (`orm.em.getConnection()`),
 * outside the repository. A refusal is asserted as a rejection only: the messages are the
 * drivers'. Each statement shape is shown to run where nothing refuses it (on rows it matches
 * nowhere, on a table without a guard, before a migration adds the guard), so a rejection here is
 * the guard's, not a typo's.
 */

type LedgerRow = Row<typeof Ledger>;
type Connection = ReturnType<Store['orm']['em']['getConnection']>;

const at = (second: number) => new Date(Date.UTC(2024, 4, 1, 12, 0, second));

const entry = (account: string, amount: number, note: string | null = null, second = 0) => ({
  account,
  amount,
  note,
  createdAt: at(second),
});

/** Every ledger row of the database, in primary-key order: a refused write must change none. */
async function everything(store: Store): Promise<LedgerRow[]> {
  return (await store.repo(Ledger).find()).items;
}

/** Inserts a few rows of a new account; returns the account and the rows. */
async function seed(store: Store, count = 3): Promise<{ account: string; rows: LedgerRow[] }> {
  const account = newTag();
  const rows = await store
    .repo(Ledger)
    .insertMany(Array.from({ length: count }, (_, i) => entry(account, (i + 1) * 10, `n${i}`, i)));
  return { account, rows };
}

/** A raw connection of another store: statements on it bypass the repository entirely. */
async function otherConnection(context: SuiteContext, url?: string): Promise<Connection> {
  const other = await context.openStore(url === undefined ? {} : { url, schema: [AoEventPlain] });
  return other.orm.em.getConnection();
}

/** Asserts that the statement is refused (any driver error: the messages are the drivers'). */
async function refused(connection: Connection, sql: string, params: readonly unknown[] = []): Promise<void> {
  await expect(connection.execute(sql, [...params]), sql).rejects.toBeInstanceOf(Error);
}

const ran = (connection: Connection, sql: string, params: readonly unknown[] = []) =>
  connection.execute(sql, [...params]);

/** The raw statement shapes every test uses, on any table with an `amount` column. */
const statements = {
  update: (table: string) => `UPDATE ${table} SET amount = ? WHERE id = ?`,
  /** Changes no value: refused all the same, the guard refuses the statement, not the change. */
  touch: (table: string) => `UPDATE ${table} SET amount = amount WHERE id = ?`,
  delete: (table: string) => `DELETE FROM ${table} WHERE id = ?`,
  deleteAll: (table: string) => `DELETE FROM ${table}`,
};

/**
 * The backend's raw statements that would replace the ledger row `?` (its amount set to 999)
 * through an insert: an upsert, and REPLACE where the backend has it (a delete, then an insert).
 */
function rawReplacements(adapter: string): string[] {
  const columns = 'sy_ledger (id, account, amount, note, created_at)';
  const copy = 'SELECT id, account, 999, note, created_at FROM sy_ledger WHERE id = ?';
  const onConflict = `INSERT INTO ${columns} ${copy} ON CONFLICT (id) DO UPDATE SET amount = excluded.amount`;
  switch (adapter) {
    case 'sqlite':
      return [onConflict, `REPLACE INTO ${columns} ${copy}`, `INSERT OR REPLACE INTO ${columns} ${copy}`];
    case 'postgres':
      return [onConflict];
    case 'mariadb':
      return [
        `INSERT INTO ${columns} ${copy} ON DUPLICATE KEY UPDATE amount = VALUES(amount)`,
        `REPLACE INTO ${columns} ${copy}`,
      ];
    default:
      throw new Error(`no raw upsert statements known for the ${adapter} backend: add them here`);
  }
}

/** Asserts every raw UPDATE and DELETE of `id` in `table` is refused through `connection`. */
async function expectGuarded(connection: Connection, table: string, id: string): Promise<void> {
  await refused(connection, statements.update(table), [999, id]);
  await refused(connection, statements.touch(table), [id]);
  await refused(connection, statements.delete(table), [id]);
  await refused(connection, statements.deleteAll(table));
}

/** `[kind, amount]` of every event, by kind: the two versions read the same table alike. */
async function eventsOf(
  store: Store,
  entity: typeof AoEventPlain | typeof AoEventGuarded,
): Promise<[string, number][]> {
  const rows = (await store.repo(entity as typeof AoEventPlain).find({}, { orderBy: { kind: 'asc' } })).items;
  return rows.map((r) => [r.kind, r.amount]);
}

const byId = <R extends { id: string }>(list: readonly R[]): R[] =>
  [...list].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));

export const appendOnlySuite = defineSuite('append-only', {
  'insert, insertMany and bulkInsert append rows, and every read returns them': {
    needs: ['appendOnly'],
    run: async ({ store }) => {
      const repo = store.repo(Ledger);
      const account = newTag();
      const one = await repo.insert(entry(account, 5, 'single', 1));
      expect(one).toMatchObject({ account, amount: 5, note: 'single', createdAt: at(1) });
      expect(await repo.get(one.id)).toEqual(one);
      const many = await repo.insertMany([entry(account, 6, null, 2), entry(account, 7, 'x', 3)]);
      expect(many.map((r) => r.amount)).toEqual([6, 7]);
      expect(await repo.getMany([many[1]?.id ?? '', one.id])).toEqual([many[1], one]);
      const bulk = Array.from({ length: 5 }, (_, i) => entry(account, 100 + i, 'bulk', 10 + i));
      expect(await repo.bulkInsert(bulk, { batchSize: 2 })).toBe(5);

      const all = (await repo.find({ account }, { orderBy: { amount: 'asc' } })).items;
      expect(all.map((r) => r.amount)).toEqual([5, 6, 7, 100, 101, 102, 103, 104]);
      expect(all.slice(0, 3)).toEqual([one, ...many]);
      expect(await repo.count({ account, note: 'bulk' })).toBe(5);
      const streamed: number[] = [];
      for await (const row of repo.stream({ account }, { orderBy: { amount: 'desc' }, batchSize: 3 })) {
        streamed.push(row.amount);
      }
      expect(streamed).toEqual([104, 103, 102, 101, 100, 7, 6, 5]);
      const page = await repo.find({ account }, { orderBy: { amount: 'asc' }, limit: 3 });
      const next = await repo.find(
        { account },
        { orderBy: { amount: 'asc' }, limit: 3, cursor: page.nextCursor },
      );
      expect(next.items.map((r) => r.amount)).toEqual([100, 101, 102]);
    },
  },

  'update() throws AppendOnlyError and changes nothing, whether the row exists or not': {
    needs: ['appendOnly'],
    run: async ({ store }) => {
      const { rows } = await seed(store);
      const row = rows[0] as LedgerRow;
      const before = await everything(store);
      await expectError(store.repo(Ledger).update(row.id, { amount: 999 }), AppendOnlyError, 'APPEND_ONLY');
      await expectError(store.repo(Ledger).update(row.id, {}), AppendOnlyError, 'APPEND_ONLY');
      // Refused before anything runs: not NotFoundError for a key with no row.
      await expectError(
        store.repo(Ledger).update(crypto.randomUUID(), { note: 'x' }),
        AppendOnlyError,
        'APPEND_ONLY',
      );
      expect(await everything(store)).toEqual(before);
    },
  },

  'upsert() of a new key throws AppendOnlyError and inserts nothing': {
    needs: ['appendOnly'],
    run: async ({ store }) => {
      await seed(store);
      const before = await everything(store);
      const id = crypto.randomUUID();
      await expectError(
        store.repo(Ledger).upsert({ id, ...entry(newTag(), 1) }),
        AppendOnlyError,
        'APPEND_ONLY',
      );
      expect(await store.repo(Ledger).get(id)).toBeNull();
      expect(await everything(store)).toEqual(before);
    },
  },

  'upsert() of an existing key throws AppendOnlyError and changes nothing': {
    needs: ['appendOnly'],
    run: async ({ store }) => {
      const { account, rows } = await seed(store);
      const row = rows[1] as LedgerRow;
      const before = await everything(store);
      await expectError(
        store.repo(Ledger).upsert({ id: row.id, ...entry(account, 999, 'changed') }),
        AppendOnlyError,
        'APPEND_ONLY',
      );
      // The very same values: still refused, an upsert may update.
      const { id, ...same } = row;
      await expectError(store.repo(Ledger).upsert({ id, ...same }), AppendOnlyError, 'APPEND_ONLY');
      expect(await everything(store)).toEqual(before);
    },
  },

  'delete() throws AppendOnlyError and deletes nothing, whether the row exists or not': {
    needs: ['appendOnly'],
    run: async ({ store }) => {
      const { rows } = await seed(store);
      const before = await everything(store);
      await expectError(store.repo(Ledger).delete((rows[0] as LedgerRow).id), AppendOnlyError, 'APPEND_ONLY');
      await expectError(store.repo(Ledger).delete(crypto.randomUUID()), AppendOnlyError, 'APPEND_ONLY');
      expect(await everything(store)).toEqual(before);
    },
  },

  'deleteMany() throws AppendOnlyError and deletes nothing, whatever the filter': {
    needs: ['appendOnly'],
    run: async ({ store }) => {
      const { account } = await seed(store);
      const before = await everything(store);
      for (const where of [{ account }, { account: newTag() }, { $and: [] }]) {
        await expectError(store.repo(Ledger).deleteMany(where), AppendOnlyError, 'APPEND_ONLY');
      }
      expect(await everything(store)).toEqual(before);
    },
  },

  'a refused write inside a transaction fails the transaction, and none of its writes are kept': {
    needs: ['appendOnly'],
    run: async ({ store }) => {
      const { rows } = await seed(store, 1);
      const before = await everything(store);
      const tag = newTag();
      await expectError(
        store.transaction(async (tx) => {
          await tx.repo(Sample).insert({ label: tag });
          await tx.repo(Ledger).insert(entry(tag, 1));
          await tx.repo(Ledger).update((rows[0] as LedgerRow).id, { amount: 2 });
        }),
        AppendOnlyError,
        'APPEND_ONLY',
      );
      expect(await store.repo(Sample).count({ label: tag })).toBe(0);
      expect(await everything(store)).toEqual(before);
    },
  },

  'a refusal caught inside a transaction ran no statement: the transaction goes on and commits': {
    needs: ['appendOnly'],
    run: async ({ store }) => {
      const account = newTag();
      await store.transaction(async (tx) => {
        const first = await tx.repo(Ledger).insert(entry(account, 1));
        await expectError(tx.repo(Ledger).delete(first.id), AppendOnlyError, 'APPEND_ONLY');
        await expectError(tx.repo(Ledger).update(first.id, { amount: 5 }), AppendOnlyError);
        await tx.repo(Ledger).insert(entry(account, 2));
      });
      const kept = (await store.repo(Ledger).find({ account }, { orderBy: { amount: 'asc' } })).items;
      expect(kept.map((r) => r.amount)).toEqual([1, 2]);
    },
  },

  'raw INSERT through another connection is accepted: the guard refuses only changes': {
    needs: ['appendOnly'],
    run: async (context) => {
      const { store } = context;
      const { account, rows } = await seed(store, 1);
      const source = rows[0] as LedgerRow;
      const raw = await otherConnection(context);
      const id = crypto.randomUUID();
      // Copies the columns from an existing row: no datetime literal to encode per backend.
      await ran(
        raw,
        'INSERT INTO sy_ledger (id, account, amount, note, created_at) SELECT ?, account, ?, ?, created_at FROM sy_ledger WHERE id = ?',
        [id, 77, 'raw', source.id],
      );
      expect(await store.repo(Ledger).get(id)).toEqual({ ...source, id, amount: 77, note: 'raw' });
      expect(await store.repo(Ledger).count({ account })).toBe(2);
    },
  },

  'raw UPDATE through another connection is refused, even one changing no value, and the row is unchanged': {
    needs: ['appendOnly'],
    run: async (context) => {
      const { store } = context;
      const { account, rows } = await seed(store);
      const row = rows[0] as LedgerRow;
      const before = await everything(store);
      const raw = await otherConnection(context);
      await refused(raw, statements.update('sy_ledger'), [999, row.id]);
      await refused(raw, statements.touch('sy_ledger'), [row.id]);
      await refused(raw, 'UPDATE sy_ledger SET note = ? WHERE account = ?', ['raw', account]);
      await refused(raw, 'UPDATE sy_ledger SET note = NULL');
      expect(await everything(store)).toEqual(before);
    },
  },

  'raw DELETE through another connection is refused, and every row is kept': {
    needs: ['appendOnly'],
    run: async (context) => {
      const { store } = context;
      const { account, rows } = await seed(store);
      const before = await everything(store);
      const raw = await otherConnection(context);
      await refused(raw, statements.delete('sy_ledger'), [(rows[2] as LedgerRow).id]);
      await refused(raw, 'DELETE FROM sy_ledger WHERE account = ?', [account]);
      await refused(raw, statements.deleteAll('sy_ledger'));
      expect(await everything(store)).toEqual(before);
    },
  },

  'a raw upsert or REPLACE of an existing row through another connection is refused, and the row is unchanged':
    {
      needs: ['appendOnly'],
      run: async (context) => {
        const { store } = context;
        const { rows } = await seed(store, 2);
        const before = await everything(store);
        const raw = await otherConnection(context);
        for (const statement of rawReplacements(context.adapter.name)) {
          await refused(raw, statement, [(rows[0] as LedgerRow).id]);
        }
        expect(await everything(store)).toEqual(before);
      },
    },

  'a raw UPDATE or DELETE matching no row succeeds and changes nothing: the guard refuses changes to rows': {
    needs: ['appendOnly'],
    run: async (context) => {
      const { store } = context;
      await seed(store, 1);
      const before = await everything(store);
      const raw = await otherConnection(context);
      const nobody = crypto.randomUUID();
      await ran(raw, statements.update('sy_ledger'), [999, nobody]);
      await ran(raw, statements.touch('sy_ledger'), [nobody]);
      await ran(raw, statements.delete('sy_ledger'), [nobody]);
      await ran(raw, 'DELETE FROM sy_ledger WHERE account = ?', [newTag()]);
      expect(await everything(store)).toEqual(before);
    },
  },

  'the guard is per table: other entities of the same store update and delete as before': {
    needs: ['appendOnly'],
    run: async (context) => {
      const { store } = context;
      await seed(store, 1);
      const before = await everything(store);
      const tag = newTag();
      const sample = await store.repo(Sample).insert({ label: tag, int: 1 });
      expect(await store.repo(Sample).update(sample.id, { int: 2 })).toEqual({ ...sample, int: 2 });
      const upserted = await store.repo(Sample).upsert({ id: sample.id, label: tag, int: 3 });
      expect(upserted.int).toBe(3);
      const email = `${crypto.randomUUID()}@example.com`;
      const account = await store.repo(Account).insert({ email, name: 'Ada', balance: 1 });
      expect((await store.repo(Account).update(account.id, { balance: 2 })).balance).toBe(2);
      expect(await store.repo(Account).delete(account.id)).toBe(true);

      // The same raw statements the ledger refuses run on a table without a guard.
      const raw = await otherConnection(context);
      const other = await store
        .repo(Account)
        .insert({ email: `${crypto.randomUUID()}@example.com`, name: 'Raw', balance: 1 });
      await ran(raw, 'UPDATE sy_account SET balance = ? WHERE id = ?', [5, other.id]);
      expect((await store.repo(Account).get(other.id))?.balance).toBe(5);
      await ran(raw, 'UPDATE sy_account SET balance = balance WHERE id = ?', [other.id]);
      await ran(raw, 'DELETE FROM sy_account WHERE id = ?', [other.id]);
      expect(await store.repo(Account).get(other.id)).toBeNull();
      expect(await store.repo(Sample).deleteMany({ label: tag })).toBe(1);
      expect(await store.repo(Sample).get(sample.id)).toBeNull();
      expect(await everything(store)).toEqual(before);
    },
  },

  'deleting a parent (or changing its key) whose ON DELETE (UPDATE) CASCADE would change append-only rows is refused with AppendOnlyError, in a transaction too, and nothing changes':
    {
      needs: ['appendOnly'],
      run: async (context) => {
        const store = await context.openStore({ schema: foreignKeySchema });
        await store.migrate();
        const [book, empty, moved] = await store
          .repo(AoBook)
          .insertMany([{ name: 'kept' }, { name: 'empty' }, { name: 'moved' }]);
        if (!book || !empty || !moved) throw new Error('insertMany returned too few rows');
        const entries = await store.repo(AoEntry).insertMany([
          { book: book.id, amount: 1 },
          { book: book.id, amount: 2 },
        ]);
        const snapshot = async () => ({
          books: (await store.repo(AoBook).find()).items,
          entries: (await store.repo(AoEntry).find({ book: book.id })).items,
        });
        // A parent without append-only rows deletes and changes its key as usual, and one with
        // them changes its other columns as usual.
        expect(await store.repo(AoBook).delete(empty.id)).toBe(true);
        const raw = await otherConnection(context);
        const newKey = crypto.randomUUID();
        await ran(raw, 'UPDATE sy_ao_book SET id = ? WHERE id = ?', [newKey, moved.id]);
        expect(await store.repo(AoBook).get(newKey)).toEqual({ ...moved, id: newKey });
        expect((await store.repo(AoBook).update(book.id, { name: 'renamed' })).name).toBe('renamed');
        const before = await snapshot();
        expect(before.entries).toEqual(byId(entries));

        await expectError(store.repo(AoBook).delete(book.id), AppendOnlyError, 'APPEND_ONLY');
        expect(await snapshot()).toEqual(before);
        const tag = newTag();
        await expectError(
          store.transaction(async (tx) => {
            await tx.repo(AoBook).insert({ name: tag });
            await tx.repo(AoBook).delete(book.id);
          }),
          AppendOnlyError,
          'APPEND_ONLY',
        );
        expect(await snapshot()).toEqual(before);
        expect(await store.repo(AoBook).count({ name: tag })).toBe(0);
        await refused(raw, statements.delete('sy_ao_book'), [book.id]);
        // ON UPDATE CASCADE would change the rows' reference: refused as well.
        await refused(raw, 'UPDATE sy_ao_book SET id = ? WHERE id = ?', [crypto.randomUUID(), book.id]);
        expect(await snapshot()).toEqual(before);
      },
    },

  'a database refusal caught inside a transaction still aborts it, keeping nothing; caught in a nested transaction, only that rolls back':
    {
      needs: ['appendOnly', 'savepoints'],
      run: async (context) => {
        const store = await context.openStore({ schema: foreignKeySchema });
        await store.migrate();
        const book = await store.repo(AoBook).insert({ name: 'abort' });
        const kept = await store.repo(AoEntry).insert({ book: book.id, amount: 1 });
        const tag = newTag();
        // The cascade reaches the database, and its refusal fails the statement: the transaction
        // is then over, whatever the callback does with the error.
        await expectError(
          store.transaction(async (tx) => {
            await tx.repo(AoBook).insert({ name: tag });
            await expectError(tx.repo(AoBook).delete(book.id), AppendOnlyError, 'APPEND_ONLY');
            await tx.repo(AoBook).insert({ name: tag });
          }),
          TransactionAbortedError,
        );
        expect(await store.repo(AoBook).count({ name: tag })).toBe(0);

        const later = `${tag}_later`;
        await store.transaction(async (tx) => {
          await tx.repo(AoBook).insert({ name: tag });
          await expectError(
            tx.transaction((inner) => inner.repo(AoBook).delete(book.id)),
            AppendOnlyError,
            'APPEND_ONLY',
          );
          await tx.repo(AoBook).insert({ name: later });
        });
        expect(await store.repo(AoBook).count({ name: { startsWith: tag } })).toBe(2);
        expect(await store.repo(AoBook).get(book.id)).toEqual(book);
        expect((await store.repo(AoEntry).find({ book: book.id })).items).toEqual([kept]);
      },
    },

  'deleting a parent whose ON DELETE SET NULL would change append-only rows is refused with AppendOnlyError, and nothing changes':
    {
      needs: ['appendOnly'],
      run: async (context) => {
        const store = await context.openStore({ schema: foreignKeySchema });
        await store.migrate();
        const book = await store.repo(AoBook).insert({ name: 'set-null' });
        const clerk = await store.repo(AoClerk).insert({ name: 'clerk' });
        const idle = await store.repo(AoClerk).insert({ name: 'idle' });
        const entries = await store.repo(AoEntry).insertMany([
          { book: book.id, clerk: clerk.id, amount: 1 },
          { book: book.id, clerk: null, amount: 2 },
        ]);
        expect(entries.map((e) => e.clerk)).toEqual([clerk.id, null]);
        // A parent no append-only row references deletes as usual.
        expect(await store.repo(AoClerk).delete(idle.id)).toBe(true);

        await expectError(store.repo(AoClerk).delete(clerk.id), AppendOnlyError, 'APPEND_ONLY');
        const raw = await otherConnection(context);
        await refused(raw, 'DELETE FROM sy_ao_clerk WHERE id = ?', [clerk.id]);
        expect(await store.repo(AoClerk).get(clerk.id)).toEqual(clerk);
        expect((await store.repo(AoEntry).find({ book: book.id })).items).toEqual(byId(entries));
      },
    },

  'migrate() in push mode installs the guard once, keeps it on a second run, and dropSchema() removes table and guard':
    {
      needs: ['appendOnly'],
      run: async (context) => {
        const url = await context.freshDatabase();
        const store = await context.openStore({ url, schema: [Ledger] });
        expect(await store.migrate()).toEqual({ migrations: [], mode: 'push' });
        const { rows } = await seed(store, 2);
        const raw = await otherConnection(context, url);
        await expectGuarded(raw, 'sy_ledger', (rows[0] as LedgerRow).id);
        // The guard's DDL is idempotent: a second run (and a replica's) changes nothing.
        expect(await store.migrate()).toEqual({ migrations: [], mode: 'push' });
        const replica = await context.openStore({ url, schema: [Ledger] });
        expect(await replica.migrate()).toEqual({ migrations: [], mode: 'push' });
        await expectGuarded(raw, 'sy_ledger', (rows[1] as LedgerRow).id);
        expect(await everything(store)).toEqual(byId(rows));

        await store.dropSchema();
        expect(await tableExists(store, 'sy_ledger')).toBe(false);
        await store.migrate();
        const again = await store.repo(Ledger).insert(entry(newTag(), 1));
        expect(await everything(store)).toEqual([again]);
        await expectGuarded(raw, 'sy_ledger', again.id);
        expect(await everything(store)).toEqual([again]);
      },
    },

  'a migration creating an append-only entity installs its guard: after up raw UPDATE and DELETE are refused and diff() is empty':
    {
      needs: ['appendOnly'],
      run: async (context) => {
        await withSchemaLab(context, eventSchemas, async (lab) => {
          const v1 = await lab.create('guarded', 'create_events');
          expect(Object.keys(lab.read(v1).snapshot[lab.dialect]?.objects ?? {})).toContain(
            `append-only:${eventTable}`,
          );
          const store = await lab.open('guarded');
          expect(await store.migrate()).toEqual({ migrations: [v1], mode: 'history' });
          expect(await store.migrations.diff()).toEqual([]);
          const rows = await store.repo(AoEventGuarded).insertMany([
            { kind: 'a', amount: 1 },
            { kind: 'b', amount: 2 },
          ]);
          const raw = await otherConnection(context, lab.url);
          await expectGuarded(raw, eventTable, (rows[0] as { id: string }).id);
          await expectError(store.repo(AoEventGuarded).deleteMany({ kind: 'a' }), AppendOnlyError);
          expect((await store.repo(AoEventGuarded).find()).items).toEqual(byId(rows));

          // down removes the table with its guard, and up brings both back.
          expect(await store.migrations.down({ to: null })).toEqual({ migrations: [v1], mode: 'history' });
          expect(await tableExists(store, eventTable)).toBe(false);
          expect(await store.migrate()).toEqual({ migrations: [v1], mode: 'history' });
          const again = await store.repo(AoEventGuarded).insert({ kind: 'c', amount: 3 });
          await expectGuarded(raw, eventTable, again.id);
          expect((await store.repo(AoEventGuarded).find()).items).toEqual([again]);
          expect(await store.migrations.diff()).toEqual([]);
        });
      },
    },

  'a migration making an existing plain entity append-only guards the rows already there, and down removes the guard':
    {
      needs: ['appendOnly'],
      run: async (context) => {
        await withSchemaLab(context, eventSchemas, async (lab) => {
          const v1 = await lab.create('plain', 'create_events');
          const plain = await lab.open('plain');
          await plain.migrate();
          const [first, second] = await plain.repo(AoEventPlain).insertMany([
            { kind: 'a', amount: 1 },
            { kind: 'b', amount: 2 },
            { kind: 'c', amount: 3 },
          ]);
          if (!first || !second) throw new Error('insertMany returned too few rows');
          const raw = await otherConnection(context, lab.url);
          // Before the guard, the statements the guard refuses all run.
          await ran(raw, statements.update(eventTable), [10, first.id]);
          await ran(raw, statements.touch(eventTable), [first.id]);
          expect((await plain.repo(AoEventPlain).get(first.id))?.amount).toBe(10);

          const v2 = await lab.create('guarded', 'guard_events');
          const guarded = await lab.open('guarded');
          expect(await guarded.migrate()).toEqual({ migrations: [v2], mode: 'history' });
          expect(await guarded.migrations.diff()).toEqual([]);
          const before = await eventsOf(guarded, AoEventGuarded);
          expect(before).toEqual([
            ['a', 10],
            ['b', 2],
            ['c', 3],
          ]);
          await expectGuarded(raw, eventTable, first.id);
          await expectGuarded(raw, eventTable, second.id);
          await expectError(guarded.repo(AoEventGuarded).update(first.id, { amount: 4 }), AppendOnlyError);
          // A store whose schema still says "plain" is refused by the database itself, and the
          // adapter maps that refusal to AppendOnlyError too.
          await expectError(
            plain.repo(AoEventPlain).update(first.id, { amount: 5 }),
            AppendOnlyError,
            'APPEND_ONLY',
          );
          await expectError(plain.repo(AoEventPlain).delete(second.id), AppendOnlyError, 'APPEND_ONLY');
          expect(await eventsOf(guarded, AoEventGuarded)).toEqual(before);

          // down removes the guard only: the rows stay, and change again.
          expect(await guarded.migrations.down()).toEqual({ migrations: [v2], mode: 'history' });
          expect(await eventsOf(plain, AoEventPlain)).toEqual(before);
          await ran(raw, statements.update(eventTable), [20, first.id]);
          expect((await plain.repo(AoEventPlain).update(second.id, { amount: 30 })).amount).toBe(30);
          await ran(raw, statements.delete(eventTable), [second.id]);
          expect(await plain.repo(AoEventPlain).get(second.id)).toBeNull();
          expect((await plain.repo(AoEventPlain).get(first.id))?.amount).toBe(20);
          expect(await plain.migrations.diff()).toEqual([]);
          expect((await guarded.migrations.status()).migrations.map((m) => [m.name, m.state])).toEqual([
            [v1, 'applied'],
            [v2, 'pending'],
          ]);

          // up guards them again.
          expect(await guarded.migrate()).toEqual({ migrations: [v2], mode: 'history' });
          await expectGuarded(raw, eventTable, first.id);
          expect((await guarded.repo(AoEventGuarded).get(first.id))?.amount).toBe(20);
        });
      },
    },

  'a migration changing the columns of an append-only table keeps its rows and its guard, up and down': {
    needs: ['appendOnly'],
    run: async (context) => {
      await withSchemaLab(context, eventSchemas, async (lab) => {
        await lab.create('guarded', 'create_events');
        const guarded = await lab.open('guarded');
        await guarded.migrate();
        const rows = await guarded.repo(AoEventGuarded).insertMany([
          { kind: 'a', amount: 1 },
          { kind: 'b', amount: 2 },
        ]);

        const v2 = await lab.create('widened', 'add_memo');
        const widened = await lab.open('widened');
        expect(await widened.migrate()).toEqual({ migrations: [v2], mode: 'history' });
        expect(await widened.migrations.diff()).toEqual([]);
        expect((await widened.repo(AoEventWidened).find()).items).toEqual(
          byId(rows).map((r) => ({ ...r, memo: null })),
        );
        const added = await widened.repo(AoEventWidened).insert({ kind: 'c', amount: 3, memo: 'new' });
        const raw = await otherConnection(context, lab.url);
        for (const row of [...rows, added]) await expectGuarded(raw, eventTable, row.id);
        await refused(raw, `UPDATE ${eventTable} SET memo = ? WHERE id = ?`, ['changed', added.id]);
        await expectError(widened.repo(AoEventWidened).update(added.id, { memo: 'x' }), AppendOnlyError);

        // Reverting the column change keeps the rows, and the table stays guarded.
        expect(await widened.migrations.down()).toEqual({ migrations: [v2], mode: 'history' });
        expect(await guarded.migrations.diff()).toEqual([]);
        const { memo: _, ...addedBack } = added;
        expect((await guarded.repo(AoEventGuarded).find()).items).toEqual(byId([...rows, addedBack]));
        for (const row of [...rows, added]) await expectGuarded(raw, eventTable, row.id);
        expect((await guarded.repo(AoEventGuarded).find()).items).toEqual(byId([...rows, addedBack]));
      });
    },
  },

  'checkMigrations fails while an entity made append-only has no migration, and passes once one guards it': {
    needs: ['appendOnly'],
    run: async (context) => {
      await withSchemaLab(context, eventSchemas, async (lab: MigrationLab<keyof typeof eventSchemas>) => {
        const options = { directory: lab.directory, adapters: [context.adapter] };
        await lab.create('plain', 'create_events');
        expect((await checkMigrations({ ...options, schema: eventSchemas.plain })).ok).toBe(true);
        const behind = await checkMigrations({ ...options, schema: eventSchemas.guarded });
        expect(behind.ok).toBe(false);
        expect(behind.problems.map((p) => p.dialect)).toEqual([context.adapter.name]);
        await lab.create('guarded', 'guard_events');
        const check = await checkMigrations({ ...options, schema: eventSchemas.guarded });
        expect(check.problems).toEqual([]);
        expect(check.ok).toBe(true);
        // The history now says append-only: the plain definition is the one without a migration.
        expect((await checkMigrations({ ...options, schema: eventSchemas.plain })).ok).toBe(false);
      });
    },
  },
});

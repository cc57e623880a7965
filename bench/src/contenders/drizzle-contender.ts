import Database from 'better-sqlite3';
import { and, asc, desc, eq, gt, type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { type ConnectionTarget, connectionTarget } from './connection-target.ts';
import type { Contender, ContenderFactory, NewNote, NoteRow, SearchCase } from './contender.ts';
import * as mysqlTables from './drizzle-mysql-tables.ts';
import * as postgresTables from './drizzle-postgres-tables.ts';
import * as sqliteTables from './drizzle-sqlite-tables.ts';
import { searchDocument } from './search-document.ts';

/**
 * Drizzle ORM on each dialect's own driver, as its docs advise for speed: prepared queries with
 * placeholders for reads and updates, multi-row inserts in one transaction, raw `sql` for search.
 */
export const drizzleContender: ContenderFactory = async (url) => {
  const target = connectionTarget(url);
  switch (target.backend) {
    case 'sqlite':
      return sqliteContender(target);
    case 'postgres':
      return postgresContender(target);
    case 'mariadb':
      return mariadbContender(target);
  }
};

type NoteColumn = 'id' | 'ownerId' | 'title' | 'body' | 'tags' | 'pinned' | 'createdAt' | 'version';
type NoteSelection<T extends Record<NoteColumn, unknown>> = {
  [K in keyof NoteRow]: T[K extends 'owner' ? 'ownerId' : K];
};

/** The selection that makes drizzle build NoteRow objects itself (the table calls the owner `ownerId`). */
function noteRow<T extends Record<NoteColumn, unknown>>(note: T): NoteSelection<T> {
  return {
    id: note.id,
    owner: note.ownerId,
    title: note.title,
    body: note.body,
    tags: note.tags,
    pinned: note.pinned,
    createdAt: note.createdAt,
    version: note.version,
  };
}

const insertRow = (note: NewNote) => ({
  id: note.id,
  ownerId: note.owner,
  title: note.title,
  body: note.body,
  tags: note.tags,
  pinned: note.pinned,
  createdAt: note.createdAt,
});

/** The note's search document (`searchDocument`) in the tables' property names. */
function searchRow(note: NewNote) {
  const document = searchDocument(note);
  return { syId: document.sy_id, syF0: document.sy_f0, syF1: document.sy_f1 };
}

/**
 * A placeholder where drizzle's types accept only values (`update().set()`); at run time drizzle
 * binds it through the column's encoder like a value (drizzle-orm issue 5084).
 */
const bound = (name: string) => sql.placeholder(name) as never;

const conflict = (id: string, expectedVersion: number) =>
  new Error(`Note ${id} is missing or not at version ${expectedVersion} (version conflict)`);

/** The hand-written search statement with its `?` placeholders bound as drizzle parameters. */
function searchSql({ statement }: SearchCase): SQL {
  const texts = statement.sql.split('?');
  if (texts.length !== statement.params.length + 1) {
    throw new Error(
      `The search statement has ${texts.length - 1} placeholders for ${statement.params.length} values`,
    );
  }
  return sql.join(
    texts.flatMap((text, i) =>
      i === 0 ? [sql.raw(text)] : [sql.param(statement.params[i - 1]), sql.raw(text)],
    ),
  );
}

/** Keyset pagination by id: the first batch, then the batch after the last id seen. */
async function* keyset(
  batchSize: number,
  first: (limit: number) => NoteRow[] | Promise<NoteRow[]>,
  after: (id: string, limit: number) => NoteRow[] | Promise<NoteRow[]>,
): AsyncGenerator<NoteRow> {
  let batch = await first(batchSize);
  for (;;) {
    yield* batch;
    const last = batch.at(-1);
    if (last === undefined || batch.length < batchSize) return;
    batch = await after(last.id, batchSize);
  }
}

// ---------------------------------------------------------------------------------------------
// SQLite: better-sqlite3 is synchronous; drizzle's prepared queries keep their native statements.

function sqliteContender(target: Extract<ConnectionTarget, { backend: 'sqlite' }>): Contender {
  const { note, noteSearch } = sqliteTables;
  const client = new Database(target.file);
  const db = drizzleSqlite({ client });
  const row = noteRow(note);
  const byId = db
    .select(row)
    .from(note)
    .where(eq(note.id, sql.placeholder('id')))
    .prepare();
  const page = db
    .select(row)
    .from(note)
    .where(
      and(
        eq(note.ownerId, sql.placeholder('owner')),
        sql`EXISTS (SELECT 1 FROM json_each(${note.tags}) WHERE value = ${sql.placeholder('tag')})`,
      ),
    )
    .orderBy(desc(note.createdAt), desc(note.id))
    .limit(sql.placeholder('limit'))
    .prepare();
  const update = db
    .update(note)
    .set({ pinned: bound('pinned'), tags: bound('tags'), version: sql`${note.version} + 1` })
    .where(and(eq(note.id, sql.placeholder('id')), eq(note.version, sql.placeholder('expected'))))
    .returning(row)
    .prepare();
  const firstBatch = db
    .select(row)
    .from(note)
    .orderBy(asc(note.id))
    .limit(sql.placeholder('limit'))
    .prepare();
  const nextBatch = db
    .select(row)
    .from(note)
    .where(gt(note.id, sql.placeholder('after')))
    .orderBy(asc(note.id))
    .limit(sql.placeholder('limit'))
    .prepare();

  return {
    name: 'drizzle',
    async insertMany(notes) {
      if (notes.length === 0) return;
      db.transaction((tx) => {
        tx.insert(note).values(notes.map(insertRow)).run();
        tx.insert(noteSearch).values(notes.map(searchRow)).run();
      });
    },
    async get(id) {
      return byId.get({ id }) ?? null;
    },
    async page(owner, tag, limit) {
      return page.all({ owner, tag, limit });
    },
    async update(id, patch, expectedVersion) {
      const updated = update.get({ ...patch, id, expected: expectedVersion });
      if (updated === undefined) throw conflict(id, expectedVersion);
      return updated;
    },
    stream: (batchSize) =>
      keyset(
        batchSize,
        (limit) => firstBatch.all({ limit }),
        (after, limit) => nextBatch.all({ after, limit }),
      ),
    async search(query) {
      return db.all<{ id: string }>(searchSql(query)).map((r) => String(r.id));
    },
    async close() {
      client.close();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: node-postgres; named prepared queries are prepared once per connection by pg.

function postgresContender(target: Extract<ConnectionTarget, { backend: 'postgres' }>): Contender {
  const { note, noteSearch } = postgresTables;
  const pool = new pg.Pool({ connectionString: target.connectionString, max: 1 });
  const db = drizzlePostgres({ client: pool });
  const row = noteRow(note);
  const byId = db
    .select(row)
    .from(note)
    .where(eq(note.id, sql.placeholder('id')))
    .prepare('drizzle_note_get');
  const page = db
    .select(row)
    .from(note)
    .where(
      and(
        eq(note.ownerId, sql.placeholder('owner')),
        sql`${note.tags} @> jsonb_build_array(${sql.placeholder('tag')}::text)`,
      ),
    )
    .orderBy(desc(note.createdAt), desc(note.id))
    .limit(sql.placeholder('limit'))
    .prepare('drizzle_note_page');
  const update = db
    .update(note)
    .set({ pinned: bound('pinned'), tags: bound('tags'), version: sql`${note.version} + 1` })
    .where(and(eq(note.id, sql.placeholder('id')), eq(note.version, sql.placeholder('expected'))))
    .returning(row)
    .prepare('drizzle_note_update');
  const firstBatch = db
    .select(row)
    .from(note)
    .orderBy(asc(note.id))
    .limit(sql.placeholder('limit'))
    .prepare('drizzle_note_stream_first');
  const nextBatch = db
    .select(row)
    .from(note)
    .where(gt(note.id, sql.placeholder('after')))
    .orderBy(asc(note.id))
    .limit(sql.placeholder('limit'))
    .prepare('drizzle_note_stream_next');

  return {
    name: 'drizzle',
    async insertMany(notes) {
      if (notes.length === 0) return;
      await db.transaction(async (tx) => {
        await tx.insert(note).values(notes.map(insertRow));
        await tx.insert(noteSearch).values(notes.map(searchRow));
      });
    },
    async get(id) {
      const [found] = await byId.execute({ id });
      return found ?? null;
    },
    page: (owner, tag, limit) => page.execute({ owner, tag, limit }),
    async update(id, patch, expectedVersion) {
      const [updated] = await update.execute({ ...patch, id, expected: expectedVersion });
      if (updated === undefined) throw conflict(id, expectedVersion);
      return updated;
    },
    stream: (batchSize) =>
      keyset(
        batchSize,
        (limit) => firstBatch.execute({ limit }),
        (after, limit) => nextBatch.execute({ after, limit }),
      ),
    async search(query) {
      const { rows } = await db.execute<{ id: string }>(searchSql(query));
      return rows.map((r) => String(r.id));
    },
    close: () => pool.end(),
  };
}

// ---------------------------------------------------------------------------------------------
// MariaDB: mysql2; drizzle's prepared queries cache the SQL text (mysql2 binds on the client).

function mariadbContender(target: Extract<ConnectionTarget, { backend: 'mariadb' }>): Contender {
  const { note, noteSearch } = mysqlTables;
  const pool = mysql.createPool({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    connectionLimit: 1,
  });
  // Client and config passed apart: drizzle 0.45.4 does not recognise `{ client, mode }` as a config
  // object (its check of `mode` always fails) and would take the object itself for the client.
  const db = drizzleMysql(pool, { mode: 'default' });
  const row = noteRow(note);
  const byId = db
    .select(row)
    .from(note)
    .where(eq(note.id, sql.placeholder('id')))
    .prepare();
  const page = db
    .select(row)
    .from(note)
    .where(
      and(
        eq(note.ownerId, sql.placeholder('owner')),
        sql`JSON_CONTAINS(${note.tags}, JSON_QUOTE(${sql.placeholder('tag')}))`,
      ),
    )
    .orderBy(desc(note.createdAt), desc(note.id))
    .limit(sql.placeholder('limit'))
    .prepare();
  const firstBatch = db
    .select(row)
    .from(note)
    .orderBy(asc(note.id))
    .limit(sql.placeholder('limit'))
    .prepare();
  const nextBatch = db
    .select(row)
    .from(note)
    .where(gt(note.id, sql.placeholder('after')))
    .orderBy(asc(note.id))
    .limit(sql.placeholder('limit'))
    .prepare();

  return {
    name: 'drizzle',
    async insertMany(notes) {
      if (notes.length === 0) return;
      await db.transaction(async (tx) => {
        await tx.insert(note).values(notes.map(insertRow));
        await tx.insert(noteSearch).values(notes.map(searchRow));
      });
    },
    async get(id) {
      const [found] = await byId.execute({ id });
      return found ?? null;
    },
    page: (owner, tag, limit) => page.execute({ owner, tag, limit }),
    // No RETURNING on MariaDB's UPDATE: read the row back in the same transaction. The queries run
    // on the transaction's connection, so they are built per call rather than prepared on the pool.
    update: (id, patch, expectedVersion) =>
      db.transaction(async (tx) => {
        const [result] = await tx
          .update(note)
          .set({ pinned: patch.pinned, tags: patch.tags, version: sql`${note.version} + 1` })
          .where(and(eq(note.id, id), eq(note.version, expectedVersion)));
        if (result.affectedRows === 0) throw conflict(id, expectedVersion);
        const [updated] = await tx.select(row).from(note).where(eq(note.id, id));
        if (updated === undefined) throw conflict(id, expectedVersion);
        return updated;
      }),
    stream: (batchSize) =>
      keyset(
        batchSize,
        (limit) => firstBatch.execute({ limit }),
        (after, limit) => nextBatch.execute({ after, limit }),
      ),
    async search(query) {
      const [rows] = await db.execute(searchSql(query));
      return (rows as unknown as { id: unknown }[]).map((r) => String(r.id));
    },
    close: () => pool.end(),
  };
}

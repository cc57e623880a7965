import Database from 'better-sqlite3';
import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { ConnectionTarget } from './connection-target.ts';
import type { Contender } from './contender.ts';
import { bound, conflict, insertRow, noteRow, searchRow, searchSql } from './drizzle-shared.ts';
import * as tables from './drizzle-sqlite-tables.ts';
import { keyset } from './keyset-stream.ts';

// better-sqlite3 is synchronous; drizzle's prepared queries keep their native statements.
export function drizzleSqliteContender(target: Extract<ConnectionTarget, { backend: 'sqlite' }>): Contender {
  const { note, noteSearch } = tables;
  const client = new Database(target.file);
  const db = drizzle({ client });
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
      // `all`, not `get`, for the reason given in the raw contender: `get` leaves the WAL growing.
      const [updated] = update.all({ ...patch, id, expected: expectedVersion });
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

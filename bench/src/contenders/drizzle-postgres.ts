import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { ConnectionTarget } from './connection-target.ts';
import type { Contender } from './contender.ts';
import * as tables from './drizzle-postgres-tables.ts';
import { bound, conflict, insertRow, noteRow, searchRow, searchSql } from './drizzle-shared.ts';
import { keyset } from './keyset-stream.ts';

// node-postgres; named prepared queries are prepared once per connection by pg.
export function drizzlePostgresContender(
  target: Extract<ConnectionTarget, { backend: 'postgres' }>,
): Contender {
  const { note, noteSearch } = tables;
  const pool = new pg.Pool({ connectionString: target.connectionString, max: 1 });
  const db = drizzle({ client: pool });
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

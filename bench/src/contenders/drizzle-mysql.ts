import { and, asc, desc, eq, gt, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/mysql2';
import mysql from 'mysql2/promise';
import type { ConnectionTarget } from './connection-target.ts';
import type { Contender } from './contender.ts';
import * as tables from './drizzle-mysql-tables.ts';
import { conflict, insertRow, noteRow, searchRow, searchSql } from './drizzle-shared.ts';
import { keyset } from './keyset-stream.ts';

// mysql2; drizzle's prepared queries cache the SQL text (mysql2 binds on the client).
export function drizzleMariadbContender(
  target: Extract<ConnectionTarget, { backend: 'mariadb' }>,
): Contender {
  const { note, noteSearch } = tables;
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
  const db = drizzle(pool, { mode: 'default' });
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

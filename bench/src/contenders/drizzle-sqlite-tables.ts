import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// The demo tables as Switchyard's SQLite migration created them (ids are lower-case uuid text).

export const owner = sqliteTable('demo_owner', {
  id: text('id').primaryKey(),
  handle: text('handle').notNull().unique(),
  displayName: text('display_name').notNull(),
});

export const note = sqliteTable('demo_note', {
  id: text('id').primaryKey(),
  ownerId: text('owner_id')
    .notNull()
    .references(() => owner.id),
  title: text('title').notNull(),
  body: text('body').notNull(),
  // JSON text, as Switchyard writes it.
  tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
  // 0/1 and epoch milliseconds: Switchyard's storage of booleans and dates on SQLite.
  pinned: integer('pinned', { mode: 'boolean' }).notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  version: integer('version').notNull().default(1),
});

/**
 * The search documents: triggers copy them into the FTS5 table. `sy_rowid` (INTEGER PRIMARY KEY,
 * assigned by SQLite) is left out so that inserts never name it.
 */
export const noteSearch = sqliteTable('demo_note__search', {
  syId: text('sy_id')
    .notNull()
    .unique()
    .references(() => note.id, { onDelete: 'cascade' }),
  syF0: text('sy_f0').notNull(),
  syF1: text('sy_f1').notNull(),
});

import { boolean, datetime, int, json, longtext, mysqlTable, varchar } from 'drizzle-orm/mysql-core';

// The demo tables as Switchyard's MariaDB migration created them.

export const owner = mysqlTable('demo_owner', {
  id: varchar('id', { length: 36 }).primaryKey(),
  handle: varchar('handle', { length: 40 }).notNull().unique(),
  displayName: varchar('display_name', { length: 120 }).notNull(),
});

export const note = mysqlTable('demo_note', {
  id: varchar('id', { length: 36 }).primaryKey(),
  ownerId: varchar('owner_id', { length: 36 })
    .notNull()
    .references(() => owner.id),
  title: varchar('title', { length: 200 }).notNull(),
  body: longtext('body').notNull(),
  // MariaDB's `json` is LONGTEXT with a validity check, yet arrives parsed: mysql2 (3.24) asks
  // MariaDB for extended column metadata, which marks the column as JSON. Drizzle's `json` column
  // stringifies on the way in and passes the parsed value through on the way out.
  tags: json('tags').$type<string[]>().notNull(),
  pinned: boolean('pinned').notNull(),
  // UTC wall time: drizzle writes `toISOString()` without the zone and reads the text back as UTC
  // (its mysql2 session asks for DATETIME as strings), whatever the client's or server's zone.
  createdAt: datetime('created_at', { mode: 'date', fsp: 3 }).notNull(),
  version: int('version').notNull().default(1),
});

/** The search documents; the generated `sy_doc` (FULLTEXT-indexed) is left out: it must never be written. */
export const noteSearch = mysqlTable('demo_note__search', {
  syId: varchar('sy_id', { length: 36 })
    .primaryKey()
    .references(() => note.id, { onDelete: 'cascade' }),
  syF0: longtext('sy_f0').notNull(),
  syF1: longtext('sy_f1').notNull(),
});

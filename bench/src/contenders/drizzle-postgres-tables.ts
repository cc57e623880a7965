import { boolean, integer, jsonb, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';

// The demo tables as Switchyard's PostgreSQL migration created them.

export const owner = pgTable('demo_owner', {
  id: uuid('id').primaryKey(),
  handle: varchar('handle', { length: 40 }).notNull().unique(),
  displayName: varchar('display_name', { length: 120 }).notNull(),
});

export const note = pgTable('demo_note', {
  id: uuid('id').primaryKey(),
  ownerId: uuid('owner_id')
    .notNull()
    .references(() => owner.id),
  title: varchar('title', { length: 200 }).notNull(),
  body: text('body').notNull(),
  tags: jsonb('tags').$type<string[]>().notNull(),
  pinned: boolean('pinned').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, precision: 3, mode: 'date' }).notNull(),
  version: integer('version').notNull().default(1),
});

/** The search documents; the generated tsvector `sy_doc` is left out: it must never be written. */
export const noteSearch = pgTable('demo_note__search', {
  syId: uuid('sy_id')
    .primaryKey()
    .references(() => note.id, { onDelete: 'cascade' }),
  syF0: text('sy_f0').notNull(),
  syF1: text('sy_f1').notNull(),
});

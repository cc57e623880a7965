import { defineEntity, type InferEntity, p } from '@mikro-orm/core';

/**
 * The demo schema's tables as an application using MikroORM directly maps them (`defineEntity`,
 * no decorators). The tables come from Switchyard's migration history; MikroORM never creates or
 * alters them (the contender calls no schema generator).
 *
 * MikroORM's built-in types already store every value the way Switchyard does, so no custom type
 * is needed: on SQLite a `datetime` is written as epoch milliseconds (the platform turns a Date
 * into `+date`), a boolean as the integer 1/0 (`true`/`false` literals, which SQLite stores as
 * integers) and JSON as `JSON.stringify` text; on MariaDB datetimes are written and read in UTC
 * (`forceUtcTimezone`, on by default in MikroORM 7) with milliseconds, JSON as text; PostgreSQL
 * gets `timestamptz`, `jsonb` and `boolean` values natively. Property names follow MikroORM's
 * default naming strategy (`createdAt` → `created_at`, `owner` → `owner_id`).
 */
export const MikroOwner = defineEntity({
  name: 'MikroOwner',
  tableName: 'demo_owner',
  properties: {
    id: p.uuid().primary(),
    handle: p.string().length(40),
    displayName: p.string().length(120),
  },
});

export const MikroNote = defineEntity({
  name: 'MikroNote',
  tableName: 'demo_note',
  properties: {
    id: p.uuid().primary(),
    owner: () => p.manyToOne(MikroOwner).ref(),
    title: p.string().length(200),
    body: p.text(),
    tags: p.json<string[]>(),
    pinned: p.boolean(),
    createdAt: p.datetime(3),
    // Optimistic lock: every flushed update adds `version = version + 1` and checks the old value.
    version: p.integer().version(),
  },
});

/**
 * The search index row Switchyard keeps per note (`demo_note__search`). Its primary key is the
 * note itself (a 1:1 owning side on `sy_id`), so the unit of work inserts the note before its
 * index row (the foreign key `sy_id → demo_note.id` is checked per statement). SQLite's
 * `sy_rowid INTEGER PRIMARY KEY` is left unmapped (SQLite assigns it), and so are the generated
 * `sy_doc` columns of PostgreSQL and MariaDB, which must never be written.
 */
export const MikroNoteSearch = defineEntity({
  name: 'MikroNoteSearch',
  tableName: 'demo_note__search',
  properties: {
    note: () => p.oneToOne(MikroNote).primary().owner().fieldName('sy_id'),
    f0: p.text().fieldName('sy_f0'),
    f1: p.text().fieldName('sy_f1'),
  },
});

export type IMikroOwner = InferEntity<typeof MikroOwner>;
export type IMikroNote = InferEntity<typeof MikroNote>;
export type IMikroNoteSearch = InferEntity<typeof MikroNoteSearch>;

export const mikroormEntities = [MikroOwner, MikroNote, MikroNoteSearch];

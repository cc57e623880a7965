import { type AnyEntitySchema, defineEntity, p, searchable } from '@switchyard/core';
import type { Adapter } from '@switchyard/core/adapter';

/**
 * Successive versions of one small application schema, the subject of the migrations suite. Each
 * version is a complete schema as an application would pass it to `openStore` and
 * `createMigration`; table names stay the same across versions (the database only sees tables),
 * while entity names carry the version because `searchable` marks one entity object and a
 * reference names its target object.
 */

const uuid = () => p.uuid().primary();

/** Unchanged in every version, so it is shared: rows written through it stay readable throughout. */
export const MigAuthor = defineEntity({
  name: 'MigAuthor',
  tableName: 'sy_mig_author',
  properties: {
    id: uuid(),
    name: p.string().length(80),
  },
});

/** v1: two tables joined by a foreign key. */
export const MigNoteV1 = defineEntity({
  name: 'MigNoteV1',
  tableName: 'sy_mig_note',
  properties: {
    id: uuid(),
    author: () => p.manyToOne(MigAuthor),
    title: p.string().length(200),
    body: p.text().nullable(),
    rank: p.integer(),
  },
});

/** The v2 note: everything v1 has, a nullable column and an index. */
function noteV2(name: string) {
  return defineEntity({
    name,
    tableName: 'sy_mig_note',
    properties: {
      id: uuid(),
      author: () => p.manyToOne(MigAuthor),
      title: p.string().length(200),
      body: p.text().nullable(),
      rank: p.integer().index(),
      summary: p.string().length(200).nullable(),
    },
  });
}

/** v2: additive only — a nullable column, an index and a new table referencing an old one. */
export const MigNoteV2 = noteV2('MigNoteV2');
export const MigLabelV2 = defineEntity({
  name: 'MigLabelV2',
  tableName: 'sy_mig_label',
  properties: {
    id: uuid(),
    note: () => p.manyToOne(MigNoteV2),
    name: p.string().length(40),
  },
});

/** v3: the v2 note made searchable; nothing else changes. Only for adapters with search. */
export const MigNoteV3 = searchable(noteV2('MigNoteV3'), { fields: { title: 2, body: 1 } });
export const MigLabelV3 = defineEntity({
  name: 'MigLabelV3',
  tableName: 'sy_mig_label',
  properties: {
    id: uuid(),
    note: () => p.manyToOne(MigNoteV3),
    name: p.string().length(40),
  },
});

export const migrationSchemas = {
  v1: [MigAuthor, MigNoteV1],
  v2: [MigAuthor, MigNoteV2, MigLabelV2],
  v3: [MigAuthor, MigNoteV3, MigLabelV3],
} as const satisfies Record<string, readonly AnyEntitySchema[]>;

export type SchemaVersion = keyof typeof migrationSchemas;

/** Every table any version creates, in an order that drops cleanly (children first). */
export const migrationTables = ['sy_mig_label', 'sy_mig_note', 'sy_mig_author'] as const;

/** The index table core names after the entity's table (`SearchIndexSpec.indexTable`). */
export const noteSearchTable = 'sy_mig_note__search';

/** True when the adapter can index text, as `openStore` decides it. */
export function hasSearch(adapter: Adapter): boolean {
  return Boolean(adapter.search) && adapter.capabilities?.search !== false;
}

/** The versions this adapter can run, in order: v3 needs search. */
export function schemaVersions(adapter: Adapter): SchemaVersion[] {
  return hasSearch(adapter) ? ['v1', 'v2', 'v3'] : ['v1', 'v2'];
}

import { type SQL, sql } from 'drizzle-orm';
import type { NewNote, NoteRow, SearchCase } from './contender.ts';
import { searchDocument } from './search-document.ts';

// What the three dialects' Drizzle contenders share: row shapes, the search SQL, errors.

type NoteColumn = 'id' | 'ownerId' | 'title' | 'body' | 'tags' | 'pinned' | 'createdAt' | 'version';
type NoteSelection<T extends Record<NoteColumn, unknown>> = {
  [K in keyof NoteRow]: T[K extends 'owner' ? 'ownerId' : K];
};

/** The selection that makes drizzle build NoteRow objects itself (the table calls the owner `ownerId`). */
export function noteRow<T extends Record<NoteColumn, unknown>>(note: T): NoteSelection<T> {
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

export const insertRow = (note: NewNote) => ({
  id: note.id,
  ownerId: note.owner,
  title: note.title,
  body: note.body,
  tags: note.tags,
  pinned: note.pinned,
  createdAt: note.createdAt,
});

/** The note's search document (`searchDocument`) in the tables' property names. */
export function searchRow(note: NewNote) {
  const document = searchDocument(note);
  return { syId: document.sy_id, syF0: document.sy_f0, syF1: document.sy_f1 };
}

/**
 * A placeholder where drizzle's types accept only values (`update().set()`); at run time drizzle
 * binds it through the column's encoder like a value (drizzle-orm issue 5084).
 */
export const bound = (name: string) => sql.placeholder(name) as never;

export const conflict = (id: string, expectedVersion: number) =>
  new Error(`Note ${id} is missing or not at version ${expectedVersion} (version conflict)`);

/** The hand-written search statement with its `?` placeholders bound as drizzle parameters. */
export function searchSql({ statement }: SearchCase): SQL {
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

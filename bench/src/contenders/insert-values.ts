import type { NewNote } from './contender.ts';
import { searchDocument } from './search-document.ts';

/**
 * The bound values of multi-row INSERTs of `notes`: `demo_note`'s columns (id, owner_id, title,
 * body, tags, pinned, created_at) and their search documents' (sy_id, sy_f0, sy_f1), flat, with
 * `createdAt` in the driver's form for the column.
 */
export function insertValues<V>(
  notes: readonly NewNote[],
  createdAt: (date: Date) => V,
): { notes: (string | number | V)[]; documents: string[] } {
  const values: { notes: (string | number | V)[]; documents: string[] } = { notes: [], documents: [] };
  for (const note of notes) {
    values.notes.push(
      note.id,
      note.owner,
      note.title,
      note.body,
      JSON.stringify(note.tags),
      note.pinned ? 1 : 0,
      createdAt(note.createdAt),
    );
    const doc = searchDocument(note);
    values.documents.push(doc.sy_id, doc.sy_f0, doc.sy_f1);
  }
  return values;
}

import { encodeDocument } from '@switchyard/core/adapter';
import type { NewNote } from './contender.ts';

/** A row of `demo_note__search`: the note's id and its encoded title and body. */
export interface SearchDocumentRow {
  sy_id: string;
  sy_f0: string;
  sy_f1: string;
}

/**
 * The search document Switchyard keeps for a note, which a contender without Switchyard's search
 * must write itself to leave the same index behind (what an application bypassing Switchyard owes
 * the index). Computed inside the timed region, as Switchyard computes it inside `insertMany`.
 */
export function searchDocument(note: Pick<NewNote, 'id' | 'title' | 'body'>): SearchDocumentRow {
  const [title, body] = encodeDocument([note.title, note.body]);
  return { sy_id: note.id, sy_f0: title as string, sy_f1: body as string };
}

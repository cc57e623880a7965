/**
 * What every contender of the ORM benchmark implements: the same operations on the demo schema's
 * tables (`demo_owner`, `demo_note`, the search index `demo_note__search`), created by Switchyard's
 * migration history and shared by all contenders. Each contender opens its own connection (one
 * pooled connection is enough: operations run one after another) and returns rows in the same
 * JavaScript shape, so that decoding is part of what is measured.
 */

/** A demo note as every contender returns it. */
export interface NoteRow {
  id: string;
  /** The owner's id (the `owner_id` column; the demo's tenant). */
  owner: string;
  title: string;
  body: string;
  tags: string[];
  pinned: boolean;
  createdAt: Date;
  version: number;
}

/** A note to insert: every value given (the version starts at 1). */
export type NewNote = Omit<NoteRow, 'version'>;

/** The patch of the update operation: properties outside the search document. */
export interface NotePatch {
  pinned: boolean;
  tags: string[];
}

/** One search of the workload: a Switchyard query over the owner's notes, one page. */
export interface SearchCase {
  /** The query in Switchyard's search language, for Switchyard. */
  readonly text: string;
  readonly owner: string;
  readonly limit: number;
  /**
   * The same search as the SQL an expert writes by hand against the index (`search-sql.ts`), for
   * every other contender: `?` placeholders, values in order; rows have an `id` column. Built
   * outside the timed region (the hand-written side gets its query text for free).
   */
  readonly statement: { readonly sql: string; readonly params: readonly unknown[] };
}

export type ContenderName = 'switchyard' | 'raw' | 'mikroorm' | 'drizzle';

export interface Contender {
  readonly name: ContenderName;
  /**
   * Inserts one batch atomically (one transaction): the notes and their search documents (the
   * index rows Switchyard keeps; contenders other than Switchyard write them with
   * `searchDocument` from `search-document.ts`, the same text).
   */
  insertMany(notes: readonly NewNote[]): Promise<void>;
  /** The note with this id, or null. */
  get(id: string): Promise<NoteRow | null>;
  /**
   * Notes of `owner` whose `tags` array contains `tag`, newest first (`created_at` descending,
   * then `id` descending), at most `limit`.
   */
  page(owner: string, tag: string, limit: number): Promise<NoteRow[]>;
  /**
   * Sets the patch and increments the version only when the note is still at `expectedVersion`;
   * returns the note after the update. Throws when the note is missing or at another version.
   */
  update(id: string, patch: NotePatch, expectedVersion: number): Promise<NoteRow>;
  /** Every note in `id` order, read `batchSize` rows at a time (keyset pagination). */
  stream(batchSize: number): AsyncIterable<NoteRow>;
  /** Ids of the matching notes of the owner, best first (relevance, then id). */
  search(query: SearchCase): Promise<string[]>;
  close(): Promise<void>;
}

/** Opens a contender on a database the bench created (`url` as Switchyard's `openStore` takes it). */
export type ContenderFactory = (url: string) => Promise<Contender>;

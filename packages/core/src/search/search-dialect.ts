import type { Sql } from '../sql/sql-fragment.ts';
import type { SearchExpr } from './search-expr.ts';

/** One searchable field of an entity, as the index stores it. */
export interface SearchFieldSpec {
  /** The entity property. */
  readonly property: string;
  /** The index table's column holding the field's encoded tokens: `sy_f0`, `sy_f1`, … */
  readonly column: string;
  /** Relative weight (> 0); the heaviest field has weight 1, the others their share of it. */
  readonly weight: number;
}

/**
 * The search index of one entity. Core owns the index table's contract columns and writes them;
 * the adapter owns everything else about it (DDL, triggers, generated columns, native indexes).
 */
export interface SearchIndexSpec {
  readonly entity: string;
  /** The entity's table. */
  readonly table: string;
  /** The entity's primary-key column and its SQL type as the schema created it. */
  readonly key: { readonly column: string; readonly sqlType: string };
  /** Name of the index table (`<table>__search`). */
  readonly indexTable: string;
  /** Fields in declaration order (at most 16). */
  readonly fields: readonly SearchFieldSpec[];
}

/**
 * The parts of the SELECT that ranks one search: core writes
 * `SELECT b.<columns>, <relevance> FROM <from> WHERE <where> AND <filters> ORDER BY <relevance> DESC, b.<key> LIMIT …`.
 */
export interface RankedHits {
  /** The matching documents joined to the entity's table, which MUST be aliased `b`. */
  readonly from: Sql;
  /** A condition rows must also meet (the match itself, where the engine puts it in WHERE). */
  readonly where?: Sql;
  /**
   * A row's relevance, higher is better, valid in the select list, the WHERE clause and the ORDER
   * BY of that SELECT. It MUST be a double that reads back exactly as the driver returned it when
   * bound as a parameter (core compares it for keyset pagination), and MUST be deterministic for
   * unchanged data. A document matching every positive term MUST rank above one matching fewer of
   * them when the two are otherwise alike, and a match in a heavier field above the same match in
   * a lighter one.
   */
  readonly relevance: Sql;
}

/**
 * How a backend indexes and matches the normalised text of DESIGN §5.
 *
 * The index table MUST have these columns, which core writes and nothing else does:
 * - `sy_id`: the entity's primary key (same SQL type), unique, and a foreign key to the entity's
 *   table with `ON DELETE CASCADE` (deleting a row, even by raw SQL, removes its document);
 * - one column per field (`SearchFieldSpec.column`), NOT NULL, holding the field's tokens in the
 *   index alphabet (see `SearchExpr`) separated by single spaces ('' for no tokens), possibly with
 *   the filler token, which holds a position and is never matched.
 *
 * Matching rules every implementation MUST follow (the conformance search suite checks them):
 * - a phrase matches consecutive tokens within one field, never across two fields;
 * - a prefix term matches a token that starts with it, in any field;
 * - a document matches right after the transaction that wrote it commits (not necessarily before).
 */
export interface SearchDialect {
  /** Statements creating the index when missing; each is idempotent, so a rerun after a failure completes it. */
  createIndex(spec: SearchIndexSpec): Sql[];
  /** Statements dropping the index (never the entity's table) when present. */
  dropIndex(spec: SearchIndexSpec): Sql[];
  /**
   * The documents matching `query`, joined to their rows, as the parts of one SELECT that core
   * completes with the filters, the cursor, the order and the page (see `RankedHits`). A backend
   * whose ranking is a SELECT of its own (`sy_id`, `sy_rel`) returns `joinHits(select, spec)`.
   */
  hits(spec: SearchIndexSpec, query: SearchExpr): RankedHits;
  /**
   * Optional: statements that drop the native full-text index of an (empty) index table before
   * many documents are loaded (`suspend`), and build it again afterwards in one pass (`resume`,
   * idempotent, run even when nothing was suspended). The index table and its rows stay; between
   * the two, searches are slow or refused, so only transfers into a new target use them.
   */
  readonly bulkIndexing?: {
    suspend(spec: SearchIndexSpec): Sql[];
    resume(spec: SearchIndexSpec): Sql[];
  };
}

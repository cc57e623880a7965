import type { EntityModel } from '../schema/entity-model.ts';
import { ident, join, type Sql, sql } from '../sql/sql-fragment.ts';
import type { RowCodec } from '../store/row-codec.ts';
import type { Executor } from '../store/session.ts';
import { encodeDocument } from './document-encoder.ts';
import type { SearchModel } from './search-model.ts';

type Plain = Record<string, unknown>;

/** Index rows ready to write (see `SearchIndexWriter.prepare`). */
export interface PreparedDocuments {
  readonly tuples: readonly Sql[];
}

/** Documents per statement: well under every backend's bound-parameter limit. */
const DOCUMENTS_PER_STATEMENT = 500;

/**
 * Keeps one entity's index table exact: writes the encoded document of every row written through
 * the repository, in the same transaction. Deleted rows leave the index by the foreign key's cascade.
 */
export class SearchIndexWriter {
  readonly #model: SearchModel;
  readonly #rows: RowCodec;
  readonly #table: Sql;
  readonly #columns: Sql;
  readonly #fieldNames: ReadonlySet<string>;

  constructor(model: SearchModel, rows: RowCodec) {
    this.#model = model;
    this.#rows = rows;
    this.#table = ident(model.spec.indexTable);
    this.#columns = join([ident('sy_id'), ...model.spec.fields.map((f) => ident(f.column))]);
    this.#fieldNames = new Set(model.fields.map((f) => f.name));
  }

  get entity(): EntityModel {
    return this.#model.entity;
  }

  /** True when a patch changes a searchable property. */
  touches(patch: Plain): boolean {
    return Object.keys(patch).some((name) => this.#fieldNames.has(name));
  }

  /**
   * The documents of rows about to be inserted. Normalising is the costly part of indexing, so
   * callers prepare before they open the transaction: the write lock is held for the writes only.
   */
  prepare(rows: readonly Plain[]): PreparedDocuments {
    return { tuples: rows.map((row) => this.#tuple(row)) };
  }

  /** Writes prepared documents. */
  async insert(ex: Executor, prepared: PreparedDocuments): Promise<void> {
    const { tuples } = prepared;
    for (let i = 0; i < tuples.length; i += DOCUMENTS_PER_STATEMENT) {
      const chunk = tuples.slice(i, i + DOCUMENTS_PER_STATEMENT);
      await ex.execute(sql`INSERT INTO ${this.#table} (${this.#columns}) VALUES ${join(chunk)}`);
    }
  }

  /** Re-indexes a row whose searchable properties changed (`row` is the row after the update). */
  async update(ex: Executor, row: Plain): Promise<void> {
    const values = this.#document(row);
    const sets = this.#model.spec.fields.map((f, i) => sql`${ident(f.column)} = ${values[i]}`);
    const result = await ex.execute(
      sql`UPDATE ${this.#table} SET ${join(sets)} WHERE ${ident('sy_id')} = ${this.#key(row)}`,
    );
    // A row written by raw SQL has no document yet: this write gives it one.
    if (result.affectedRows === 0) await this.insert(ex, this.prepare([row]));
  }

  /** Replaces the documents of these rows (reindex): any stale or missing document is rebuilt. */
  async replace(ex: Executor, rows: readonly Plain[], prepared: PreparedDocuments): Promise<void> {
    if (rows.length === 0) return;
    for (let i = 0; i < rows.length; i += DOCUMENTS_PER_STATEMENT) {
      const keys = rows.slice(i, i + DOCUMENTS_PER_STATEMENT).map((row) => sql`${this.#key(row)}`);
      await ex.execute(sql`DELETE FROM ${this.#table} WHERE ${ident('sy_id')} IN (${join(keys)})`);
    }
    await this.insert(ex, prepared);
  }

  #key(row: Plain): unknown {
    const pk = this.#model.entity.primaryKey;
    return this.#rows.encode(pk, row[pk.name]);
  }

  #document(row: Plain): string[] {
    return encodeDocument(this.#model.fields.map((f) => row[f.name] as string | null));
  }

  #tuple(row: Plain): Sql {
    const values = [this.#key(row), ...this.#document(row)];
    return sql`(${join(values.map((v) => sql`${v}`))})`;
  }
}

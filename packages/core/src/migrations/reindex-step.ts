import { encodeDocument } from '../search/document-encoder.ts';
import { ident, join, raw, sql } from '../sql/sql-fragment.ts';
import type { Executor } from '../store/session.ts';
import type { ReindexStep } from './migration-types.ts';

/** Rows per batch: one INSERT of at most 17 values per row stays far below every parameter limit. */
const BATCH = 500;

/**
 * Rebuilds an index table from its entity table, in key order. Starts by emptying it, so a rerun
 * after a failure (MariaDB resumes at this step) never leaves a duplicate. Keys go back to the
 * database as the driver returned them.
 */
export async function runReindex(ex: Executor, step: ReindexStep['reindex']): Promise<void> {
  const key = ident(step.key);
  const selected = join([
    sql`${key} AS ${ident('sy_k')}`,
    ...step.fields.map((f, i) => sql`${ident(f.column)} AS ${ident(`sy_v${i}`)}`),
  ]);
  const target = join([ident('sy_id'), ...step.fields.map((f) => ident(f.indexColumn))]);
  await ex.execute(sql`DELETE FROM ${ident(step.indexTable)}`);
  let after: unknown;
  for (;;) {
    const from = after === undefined ? raw('') : sql` WHERE ${key} > ${after}`;
    const rows = await ex.query(
      sql`SELECT ${selected} FROM ${ident(step.table)}${from} ORDER BY ${key} LIMIT ${raw(String(BATCH))}`,
    );
    if (rows.length === 0) return;
    const tuples = rows.map((row) => {
      const document = encodeDocument(step.fields.map((_, i) => row[`sy_v${i}`] as string | null));
      return sql`(${join([row.sy_k, ...document].map((v) => sql`${v}`))})`;
    });
    await ex.execute(sql`INSERT INTO ${ident(step.indexTable)} (${target}) VALUES ${join(tuples)}`);
    after = rows[rows.length - 1]?.sy_k;
  }
}

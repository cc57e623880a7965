import { ident, join, raw, type Sql, sql } from '../sql/sql-fragment.ts';
import type { RankedHits, SearchIndexSpec } from './search-dialect.ts';

/**
 * `RankedHits` from a SELECT of one row per matching document (`sy_id`, its key, and `sy_rel`,
 * its relevance): the SELECT as a derived table joined to the entity's rows.
 */
export function joinHits(select: Sql, spec: SearchIndexSpec): RankedHits {
  return {
    from: sql`(${select}) ${raw('h')} JOIN ${ident(spec.table)} ${raw('b')} ON ${raw('b.')}${ident(spec.key.column)} = ${raw('h.')}${ident('sy_id')}`,
    relevance: sql`${raw('h.')}${ident('sy_rel')}`,
  };
}

/**
 * The SELECT of a search: `columns` of the rows (qualified by `b`) and their relevance as
 * `sy_rel`, the rows meeting `conditions`, most relevant first and ties by `key`.
 */
export function rankedQuery(
  ranked: RankedHits,
  parts: {
    readonly columns: Sql;
    readonly key: Sql;
    readonly conditions?: readonly Sql[];
    readonly limit?: number;
  },
): Sql {
  const conditions = [...(ranked.where ? [ranked.where] : []), ...(parts.conditions ?? [])];
  const where = conditions.length > 0 ? sql` WHERE ${join(conditions, ' AND ')}` : raw('');
  const limit = parts.limit === undefined ? raw('') : sql` LIMIT ${raw(String(parts.limit))}`;
  const rel = ranked.relevance;
  return sql`SELECT ${parts.columns}, ${rel} AS ${ident('sy_rel')} FROM ${ranked.from}${where} ORDER BY ${rel} DESC, ${parts.key} ASC${limit}`;
}

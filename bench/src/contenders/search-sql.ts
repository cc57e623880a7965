import { booleanMatch, booleanRelevance, ftsMatch, tsMatch, tsRank } from '../hand-sql.ts';
import type { BenchQuery } from '../query-mix.ts';
import type { SearchCase } from './contender.ts';

/** Every column of a note: a search returns whole rows, as `store.search` does. */
const NOTE = 'n.id, n.owner_id, n.title, n.body, n.tags, n.pinned, n.created_at, n.version';

/**
 * The hand-written SQL of one search over the demo notes of one owner, as `search-queries.ts`
 * measures it against `store.search` for its own entity (see `hand-sql.ts` for why each native
 * query is written this way): the index joined to `demo_note`, the owner filtered, ordered by the
 * adapter's relevance and then by id, one page of whole rows. `?` placeholders, values in order.
 */
export function searchStatement(
  backend: string,
  query: BenchQuery,
  owner: string,
  limit: number,
): SearchCase['statement'] {
  switch (backend) {
    case 'sqlite':
      return {
        sql: `SELECT ${NOTE} FROM demo_note__search_fts f JOIN demo_note__search d ON d.sy_rowid = f.rowid JOIN demo_note n ON n.id = d.sy_id WHERE demo_note__search_fts MATCH ? AND n.owner_id = ? ORDER BY bm25(demo_note__search_fts, 1.0, 0.5), n.id LIMIT ?`,
        params: [ftsMatch(query), owner, limit],
      };
    case 'postgres':
      return {
        sql: `SELECT ${NOTE} FROM demo_note__search s JOIN demo_note n ON n.id = s.sy_id WHERE s.sy_doc @@ ?::tsquery AND n.owner_id = ?::uuid ORDER BY ts_rank('{0,0,0.5,1}'::float4[], s.sy_doc, ?::tsquery) DESC, n.id LIMIT ?`,
        params: [tsMatch(query), owner, tsRank(query), limit],
      };
    case 'mariadb': {
      const relevance = booleanRelevance(query);
      return {
        sql: `SELECT ${NOTE}, ${relevance.sql} AS rel FROM demo_note__search s JOIN demo_note n ON n.id = s.sy_id WHERE MATCH(s.sy_doc) AGAINST(? IN BOOLEAN MODE) AND n.owner_id = ? ORDER BY rel DESC, n.id LIMIT ?`,
        params: [...relevance.values, booleanMatch(query), owner, limit],
      };
    }
    default:
      throw new Error(`No hand-written search for ${backend}`);
  }
}

/** A search of the workload: the Switchyard query text and its hand-written statement. */
export function searchCase(backend: string, query: BenchQuery, owner: string, limit: number): SearchCase {
  return { text: query.text, owner, limit, statement: searchStatement(backend, query, owner, limit) };
}

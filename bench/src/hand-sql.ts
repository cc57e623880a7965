import type { Store } from '@switchyard/core';
import type { BenchQuery, BenchTerm } from './query-mix.ts';

/**
 * What an expert would write by hand against Switchyard's search index of `BenchDoc` (see the
 * adapters' `*-search.ts` for the layout), through the raw driver the store itself runs on: the
 * native query text built from already-encoded tokens, the entity table joined, the tenant
 * filtered, ordered by the same relevance expression as `store.search` and then by id, one page.
 */
export interface HandWrittenSearch {
  /** One page of hits, as plain objects, in relevance order. */
  search(query: BenchQuery, limit: number): Promise<BenchRow[]>;
  /** Untimed diagnostics: how many documents of the tenant match, and the server's plan. */
  count(query: BenchQuery): Promise<number>;
  explain(query: BenchQuery): Promise<string>;
  /** The statement `search` runs for this query (for the report). */
  statement(query: BenchQuery): string;
}

export interface BenchRow {
  id: string;
  tenant: string;
  title: string;
  body: string;
}

// BenchDoc's tables and index columns: `bench_doc`, core's index table `bench_doc__search` with
// `sy_f0` = title (weight 2 → 1) and `sy_f1` = body (weight 1 → 0.5).
const ENTITY = 'bench_doc';
const INDEX = 'bench_doc__search';

/** The distinct positive terms, in query order (the adapters rank each distinct term once). */
function distinct<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

const rowOf = (r: Record<string, unknown>): BenchRow => ({
  id: String(r.id),
  tenant: r.tenant as string,
  title: r.title as string,
  body: r.body as string,
});

/** The driver's own client, as the adapters get it (`createDriver`): MikroORM's connection. */
async function nativeClient<T>(store: Store): Promise<T> {
  const connection = store.orm.em.getConnection() as unknown as { getNativeClient(): Promise<T> };
  return connection.getNativeClient();
}

// ---------------------------------------------------------------------------------------------
// SQLite: FTS5 external-content table `bench_doc__search_fts` over the index table, bm25 ranking.

interface SqliteStatement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
}
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
}

/** FTS5 query text: quoted strings (a phrase is one string), `*` after a prefix. */
export function ftsMatch(query: BenchQuery): string {
  const term = (t: BenchTerm) => `"${t.tokens.join(' ')}"${t.prefix ? '*' : ''}`;
  const include = query.terms.map(term).join(query.or ? ' OR ' : ' AND ');
  return query.exclude.length === 0 ? include : `(${include}) NOT (${query.exclude.map(term).join(' OR ')})`;
}

async function sqliteSearch(store: Store): Promise<HandWrittenSearch> {
  const db = await nativeClient<SqliteDatabase>(store);
  const fts = `${INDEX}_fts`;
  const from = `FROM ${fts} JOIN ${INDEX} d ON d.sy_rowid = ${fts}.rowid JOIN ${ENTITY} b ON b.id = d.sy_id WHERE ${fts} MATCH ? AND b.tenant = ?`;
  // bm25 with the field weights (title 1, body 0.5): lower is better.
  const select = `SELECT b.id, b.tenant, b.title, b.body, bm25(${fts}, 1.0, 0.5) AS rank ${from} ORDER BY rank, b.id LIMIT ?`;
  const page = db.prepare(select);
  const count = db.prepare(`SELECT count(*) AS n ${from}`);
  const plan = db.prepare(`EXPLAIN QUERY PLAN ${select}`);
  return {
    async search(query, limit) {
      const rows = page.all(ftsMatch(query), query.tenant, limit) as Record<string, unknown>[];
      return rows.map(rowOf);
    },
    async count(query) {
      return Number((count.get(ftsMatch(query), query.tenant) as { n: number | bigint }).n);
    },
    async explain(query) {
      const rows = plan.all(ftsMatch(query), query.tenant, 20) as { detail: string }[];
      return rows.map((r) => r.detail).join('\n');
    },
    statement: () => select,
  };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: stored generated tsvector `sy_doc` (title class A, body class B) with a GIN index.

interface PgPool {
  query(config: { text: string; values: unknown[]; name?: string }): Promise<{
    rows: Record<string, unknown>[];
  }>;
}

const lexeme = (token: string) => `'${token}'`;

function tsTerm(t: BenchTerm): string {
  if (t.tokens.length > 1) return `(${t.tokens.map(lexeme).join(' <-> ')})`;
  return `${lexeme(t.tokens[0] as string)}${t.prefix ? ':*' : ''}`;
}

/** The tsquery that matches. */
export function tsMatch(query: BenchQuery): string {
  if (query.or) return query.terms.map(tsTerm).join(' | ');
  return [...query.terms.map(tsTerm), ...query.exclude.map((t) => `!${tsTerm(t)}`)].join(' & ');
}

/** The tsquery that ranks: every lexeme of every positive term, ORed (the adapter's rank query). */
export function tsRank(query: BenchQuery): string {
  const items = query.terms.flatMap((t) => t.tokens.map((token) => lexeme(token) + (t.prefix ? ':*' : '')));
  return distinct(items, (i) => i).join(' | ');
}

async function postgresSearch(store: Store, prepared: boolean): Promise<HandWrittenSearch> {
  const pool = await nativeClient<PgPool>(store);
  const from = `FROM ${INDEX} s JOIN ${ENTITY} b ON b.id = s.sy_id WHERE s.sy_doc @@ $1::tsquery AND b.tenant = $2`;
  // ts_rank's weights are {D, C, B, A}: title is class A (1), body class B (0.5).
  const select = `SELECT b.id, b.tenant, b.title, b.body, ts_rank('{0,0,0.5,1}'::float4[], s.sy_doc, $3::tsquery) AS rank ${from} ORDER BY rank DESC, b.id LIMIT $4`;
  return {
    async search(query, limit) {
      const values = [tsMatch(query), query.tenant, tsRank(query), limit];
      const { rows } = await pool.query(
        prepared ? { name: 'bench_hand_search', text: select, values } : { text: select, values },
      );
      return rows.map(rowOf);
    },
    async count(query) {
      const { rows } = await pool.query({
        text: `SELECT count(*)::int AS n ${from}`,
        values: [tsMatch(query), query.tenant],
      });
      return Number(rows[0]?.n);
    },
    async explain(query) {
      const { rows } = await pool.query({
        text: `EXPLAIN (ANALYZE, BUFFERS) ${select}`,
        values: [tsMatch(query), query.tenant, tsRank(query), 20],
      });
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    },
    statement: () => select,
  };
}

// ---------------------------------------------------------------------------------------------
// MariaDB: FULLTEXT on `sy_doc` (the fields joined by ` zzz `) and on each field (for relevance).

interface MysqlPool {
  query(sql: string, values: unknown[], callback: (error: Error | null, rows: unknown) => void): void;
  execute(sql: string, values: unknown[], callback: (error: Error | null, rows: unknown) => void): void;
}

/** One term in boolean mode: `+word`, `+prefix*`, `+"two words"` (the adapter's `termQuery`). */
export function booleanTerm(t: BenchTerm): string {
  if (t.prefix) return `+${t.tokens[0]}*`;
  return t.tokens.length === 1 ? `+${t.tokens[0]}` : `+"${t.tokens.join(' ')}"`;
}

/** The whole query as one boolean-mode expression on `sy_doc`: `+a +b`, `a b` (OR), `+a -b`. */
export function booleanMatch(query: BenchQuery): string {
  const terms = query.terms.map(booleanTerm).map((t) => (query.or ? t.slice(1) : t));
  const exclude = query.exclude.map((t) => `-${booleanTerm(t).slice(1)}`);
  return [...terms, ...exclude].join(' ');
}

/**
 * The adapter's relevance: for each distinct positive term, the summed weights of the fields it
 * occurs in (title 1, body 0.5), one MATCH per field and term. Returns the SQL and its values.
 */
export function booleanRelevance(query: BenchQuery): { sql: string; values: string[] } {
  const terms = distinct(query.terms.map(booleanTerm), (t) => t);
  const sql = terms
    .map(
      () =>
        '(1e0 * (MATCH(s.sy_f0) AGAINST(? IN BOOLEAN MODE) > 0) + 5e-1 * (MATCH(s.sy_f1) AGAINST(? IN BOOLEAN MODE) > 0))',
    )
    .join(' + ');
  return { sql, values: terms.flatMap((t) => [t, t]) };
}

async function mariadbSearch(store: Store, prepared: boolean): Promise<HandWrittenSearch> {
  const pool = await nativeClient<MysqlPool>(store);
  const run = (sql: string, values: unknown[]) =>
    new Promise<Record<string, unknown>[]>((resolve, reject) => {
      const done = (error: Error | null, rows: unknown) =>
        error ? reject(error) : resolve(rows as Record<string, unknown>[]);
      if (prepared) pool.execute(sql, values, done);
      else pool.query(sql, values, done);
    });
  const from = `FROM ${INDEX} s JOIN ${ENTITY} b ON b.id = s.sy_id WHERE MATCH(s.sy_doc) AGAINST(? IN BOOLEAN MODE) AND b.tenant = ?`;
  const statement = (query: BenchQuery) => {
    const rel = booleanRelevance(query);
    return {
      sql: `SELECT b.id, b.tenant, b.title, b.body, ${rel.sql} AS rel ${from} ORDER BY rel DESC, b.id LIMIT ?`,
      values: [...rel.values, booleanMatch(query), query.tenant],
    };
  };
  return {
    async search(query, limit) {
      const { sql, values } = statement(query);
      return (await run(sql, [...values, limit])).map(rowOf);
    },
    async count(query) {
      const rows = await run(`SELECT count(*) AS n ${from}`, [booleanMatch(query), query.tenant]);
      return Number(rows[0]?.n);
    },
    async explain(query) {
      const { sql, values } = statement(query);
      const rows = await new Promise<Record<string, unknown>[]>((resolve, reject) =>
        pool.query(`ANALYZE FORMAT=JSON ${sql}`, [...values, 20], (error, result) =>
          error ? reject(error) : resolve(result as Record<string, unknown>[]),
        ),
      );
      return String(Object.values(rows[0] ?? {})[0]);
    },
    statement: (query) => statement(query).sql,
  };
}

/** The hand-written search for a backend, on the store's own driver connection(s). */
export function handWrittenSearch(
  backend: string,
  store: Store,
  options: { prepared: boolean },
): Promise<HandWrittenSearch> {
  switch (backend) {
    case 'sqlite':
      return sqliteSearch(store);
    case 'postgres':
      return postgresSearch(store, options.prepared);
    case 'mariadb':
      return mariadbSearch(store, options.prepared);
    default:
      throw new Error(`No hand-written search for ${backend}`);
  }
}

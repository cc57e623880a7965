import { openStore, type Store } from '@switchyard/core';
import pc from 'picocolors';
import type { BenchBackend } from './backends.ts';
import { documents } from './corpus.ts';
import { type HandWrittenSearch, handWrittenSearch } from './hand-sql.ts';
import { type BenchQuery, QUERY_SHAPES, type QueryShape, queryMix } from './query-mix.ts';
import { BenchDoc } from './search-load.ts';
import { quantile, sorted } from './stats.ts';

/** Page size of every query, as in the requirement. */
export const PAGE = 20;

export interface SearchQueriesOptions {
  readonly documents: number;
  readonly queries: number;
  /** Timed passes over the whole query list (each query runs once per side per round), at most. */
  readonly rounds: number;
  /** No further round starts once the rounds so far took this long (at least one round runs). */
  readonly maxSeconds: number;
  /** Queries run once on each side before timing starts (connections, statement caches, pages). */
  readonly warmup: number;
  readonly batchSize: number;
  /** Use server-side prepared statements on the hand-written side (PostgreSQL, MariaDB). */
  readonly prepared: boolean;
}

export interface Timing {
  p50Ms: number;
  p95Ms: number;
}

export interface ShapeResult {
  shape: QueryShape;
  queries: number;
  store: Timing;
  sql: Timing;
  /** store p50 / hand-written SQL p50. */
  ratioP50: number;
  /** Mean hits per page, and queries whose page was empty. */
  meanHits: number;
  emptyPages: number;
}

export interface SlowQuery {
  shape: QueryShape;
  text: string;
  tenant: string;
  /** Median over the rounds. */
  storeMs: number;
  sqlMs: number;
  /** Documents of the tenant that match (the rows each side ranks before taking a page). */
  matches: number;
}

export interface SearchQueriesResult {
  backend: string;
  documents: number;
  loadSeconds: number;
  documentsPerSecond: number;
  queries: number;
  rounds: number;
  /** Timed runs per side: queries × rounds. */
  samples: number;
  store: Timing;
  sql: Timing;
  ratioP50: number;
  ratioP95: number;
  /** Queries whose page from store.search differed from the hand-written SQL's (ids or order), in any round. */
  mismatches: number;
  mismatchExamples: { text: string; tenant: string; store: string[]; sql: string[] }[];
  handWritten: { prepared: boolean; example: string };
  shapes: ShapeResult[];
  slowest: SlowQuery[];
  /** The slowest query's plan (hand-written statement), for the JSON report. */
  slowestPlan: string;
}

const timing = (samples: readonly number[]): Timing => {
  const s = sorted(samples);
  return { p50Ms: quantile(s, 0.5), p95Ms: quantile(s, 0.95) };
};

const median = (values: readonly number[]) => quantile(sorted(values), 0.5);

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await run();
  return [result, performance.now() - started];
}

/** Fresh planner statistics after the load (an operator would have them too; both sides share them). */
async function analyze(backend: string, store: Store): Promise<void> {
  const statements: Record<string, string[]> = {
    sqlite: ['ANALYZE'],
    postgres: ['VACUUM ANALYZE bench_doc', 'VACUUM ANALYZE bench_doc__search'],
    mariadb: ['ANALYZE TABLE bench_doc', 'ANALYZE TABLE bench_doc__search'],
  };
  const connection = store.orm.em.getConnection() as unknown as {
    execute(sql: string): Promise<unknown>;
  };
  for (const statement of statements[backend] ?? []) await connection.execute(statement);
}

/**
 * Loads `documents` documents, then runs every query of the mix through `store.search` and through
 * the hand-written SQL on the same database, interleaved (which one goes first alternates per
 * query and per round), checking that both return the same page.
 */
export async function searchQueries(
  backend: BenchBackend,
  options: SearchQueriesOptions,
): Promise<SearchQueriesResult> {
  const db = await backend.provider.createDatabase(
    backend.serverUrl ?? '',
    `sy_benchq_${process.pid}_${Date.now() % 1e6}`,
  );
  const store = await openStore({ url: db.url, schema: [BenchDoc] });
  try {
    await store.migrate();
    const started = performance.now();
    const inserted = await store
      .repo(BenchDoc)
      .bulkInsert(documents(options.documents), { batchSize: options.batchSize });
    const loadSeconds = (performance.now() - started) / 1000;
    await analyze(backend.name, store);

    const queries = queryMix(options.queries, options.documents);
    const hand = await handWrittenSearch(backend.name, store, { prepared: options.prepared });
    const viaStore = async (q: BenchQuery) =>
      (await store.search(BenchDoc, q.text, { tenant: q.tenant, limit: PAGE })).hits.map((h) =>
        String(h.item.id),
      );
    const viaSql = async (q: BenchQuery) => (await hand.search(q, PAGE)).map((r) => r.id);

    for (const q of queries.slice(0, options.warmup)) {
      await viaStore(q);
      await viaSql(q);
    }

    const storeMs = queries.map((): number[] => []);
    const sqlMs = queries.map((): number[] => []);
    const hits = queries.map(() => 0);
    const mismatched = new Map<number, SearchQueriesResult['mismatchExamples'][number]>();
    const queriesStarted = performance.now();
    let rounds = 0;
    while (
      rounds < options.rounds &&
      (rounds === 0 || performance.now() - queriesStarted < options.maxSeconds * 1000)
    ) {
      const round = rounds++;
      const roundStarted = performance.now();
      for (const q of queries) {
        let fromStore: string[];
        let fromSql: string[];
        let ms: number;
        if ((q.index + round) % 2 === 0) {
          [fromStore, ms] = await timed(() => viaStore(q));
          storeMs[q.index]?.push(ms);
          [fromSql, ms] = await timed(() => viaSql(q));
          sqlMs[q.index]?.push(ms);
        } else {
          [fromSql, ms] = await timed(() => viaSql(q));
          sqlMs[q.index]?.push(ms);
          [fromStore, ms] = await timed(() => viaStore(q));
          storeMs[q.index]?.push(ms);
        }
        hits[q.index] = fromSql.length;
        if (fromStore.join() !== fromSql.join() && !mismatched.has(q.index)) {
          mismatched.set(q.index, { text: q.text, tenant: q.tenant, store: fromStore, sql: fromSql });
        }
      }
      const seconds = ((performance.now() - roundStarted) / 1000).toFixed(1);
      console.log(pc.dim(`${backend.name}: round ${rounds}/${options.rounds} of queries in ${seconds} s`));
    }

    const allStore = storeMs.flat();
    const allSql = sqlMs.flat();
    const store_ = timing(allStore);
    const sql_ = timing(allSql);
    const shapes = QUERY_SHAPES.map((shape): ShapeResult => {
      const of = queries.filter((q) => q.shape === shape);
      const s = timing(of.flatMap((q) => storeMs[q.index] ?? []));
      const h = timing(of.flatMap((q) => sqlMs[q.index] ?? []));
      const pages = of.map((q) => hits[q.index] ?? 0);
      return {
        shape,
        queries: of.length,
        store: s,
        sql: h,
        ratioP50: s.p50Ms / h.p50Ms,
        meanHits: pages.reduce((a, b) => a + b, 0) / Math.max(1, pages.length),
        emptyPages: pages.filter((n) => n === 0).length,
      };
    });
    const slowest = await slowestQueries(queries, storeMs, sqlMs, hand);
    const worst = queries[slowest.index[0] ?? 0] as BenchQuery;
    return {
      backend: backend.name,
      documents: inserted,
      loadSeconds,
      documentsPerSecond: inserted / loadSeconds,
      queries: queries.length,
      rounds,
      samples: allStore.length,
      store: store_,
      sql: sql_,
      ratioP50: store_.p50Ms / sql_.p50Ms,
      ratioP95: store_.p95Ms / sql_.p95Ms,
      mismatches: mismatched.size,
      mismatchExamples: [...mismatched.values()].slice(0, 5),
      handWritten: {
        prepared: options.prepared && backend.name !== 'sqlite',
        example: hand.statement(queries[0] as BenchQuery),
      },
      shapes,
      slowest: slowest.queries,
      slowestPlan: await hand.explain(worst),
    };
  } finally {
    await store.close();
    await db.drop();
  }
}

/** The five queries with the highest median store.search time, with how many documents they match. */
async function slowestQueries(
  queries: readonly BenchQuery[],
  storeMs: readonly number[][],
  sqlMs: readonly number[][],
  hand: HandWrittenSearch,
): Promise<{ index: number[]; queries: SlowQuery[] }> {
  const order = queries
    .map((q) => ({ q, store: median(storeMs[q.index] ?? []), sql: median(sqlMs[q.index] ?? []) }))
    .sort((a, b) => b.store - a.store)
    .slice(0, 5);
  const out: SlowQuery[] = [];
  for (const { q, store, sql } of order) {
    out.push({
      shape: q.shape,
      text: q.text,
      tenant: q.tenant,
      storeMs: store,
      sqlMs: sql,
      matches: await hand.count(q),
    });
  }
  return { index: order.map((o) => o.q.index), queries: out };
}

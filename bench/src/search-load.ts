import { prng } from '@switchyard/conformance';
import { defineEntity, openStore, p, searchable } from '@switchyard/core';
import type { BenchBackend } from './backends.ts';
import { documents, vocabulary, zipfPicker } from './corpus.ts';
import { quantile } from './stats.ts';

export const BenchDoc = searchable(
  defineEntity({
    name: 'BenchDoc',
    tableName: 'bench_doc',
    properties: {
      id: p.uuid().primary(),
      tenant: p.string().length(20),
      title: p.string().length(300),
      body: p.text(),
    },
  }),
  { fields: { title: 2, body: 1 }, tenant: 'tenant' },
);

/** A small write other code does while the bulk load runs: its latency shows whether writers starve. */
const Ping = defineEntity({
  name: 'Ping',
  tableName: 'bench_ping',
  properties: { id: p.uuid().primary(), at: p.datetime() },
});

export interface SearchLoadResult {
  backend: string;
  documents: number;
  loadSeconds: number;
  documentsPerSecond: number;
  /** Single-row writes completed by a concurrent writer during the load, and their worst latency. */
  concurrentWrites: number;
  concurrentWriteMaxMs: number;
  concurrentWriteP99Ms: number;
  searches: number;
  searchMedianMs: number;
  searchP95Ms: number;
}

export async function searchLoad(
  backend: BenchBackend,
  count: number,
  batchSize: number,
): Promise<SearchLoadResult> {
  const db = await backend.provider.createDatabase(
    backend.serverUrl ?? '',
    `sy_bench_${process.pid}_${Date.now() % 1e6}`,
  );
  const store = await openStore({ url: db.url, schema: [BenchDoc, Ping] });
  try {
    await store.migrate();
    const pings = store.repo(Ping);
    const latencies: number[] = [];
    let loading = true;
    // A write is due 10 ms after the previous one finished; its delay runs from then to its
    // end, so time the event loop spent busy with the load (normalising, SQLite's synchronous
    // statements) counts as well as waiting for the database.
    const writer = (async () => {
      while (loading) {
        const due = performance.now() + 10;
        await new Promise((resolve) => setTimeout(resolve, 10));
        await pings.insert({ at: new Date() });
        latencies.push(performance.now() - due);
      }
    })();

    const started = performance.now();
    const inserted = await store.repo(BenchDoc).bulkInsert(documents(count), { batchSize });
    const loadSeconds = (performance.now() - started) / 1000;
    loading = false;
    await writer;

    const random = prng(99);
    const pick = zipfPicker(vocabulary(5000, prng(7)), random);
    const timings: number[] = [];
    for (let i = 0; i < 200; i++) {
      const query =
        i % 4 === 0
          ? `"${pick()} ${pick()}"`
          : i % 4 === 1
            ? `${pick()} OR ${pick()}`
            : `${pick()} ${pick().slice(0, 3)}*`;
      const t = performance.now();
      await store.search(BenchDoc, query, { tenant: `t${i % 4}`, limit: 20 });
      timings.push(performance.now() - t);
    }
    latencies.sort((a, b) => a - b);
    timings.sort((a, b) => a - b);
    return {
      backend: backend.name,
      documents: inserted,
      loadSeconds,
      documentsPerSecond: inserted / loadSeconds,
      concurrentWrites: latencies.length,
      concurrentWriteMaxMs: latencies[latencies.length - 1] ?? 0,
      concurrentWriteP99Ms: quantile(latencies, 0.99),
      searches: timings.length,
      searchMedianMs: quantile(timings, 0.5),
      searchP95Ms: quantile(timings, 0.95),
    };
  } finally {
    await store.close();
    await db.drop();
  }
}

import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { prng } from '@switchyard/conformance';
import { openStore } from '@switchyard/core';
import { demoSchema, Note, Owner } from '@switchyard/demo/schema';
import pc from 'picocolors';
import type { BenchBackend } from '../backends.ts';
import { queryMix } from '../query-mix.ts';
import type { Contender, ContenderFactory, ContenderName, NewNote, SearchCase } from './contender.ts';
import {
  notes,
  type OrmWorkloadSize,
  OWNERS,
  patchFor,
  SEARCH_OWNERS,
  sample,
  scaled,
  seededUuid,
  TAGS,
} from './orm-workload.ts';
import { searchCase } from './search-sql.ts';

export const OPERATIONS = ['insertMany', 'get', 'page', 'update', 'stream', 'search'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Rows for the bulk operations, calls for the others. */
export const UNIT: Record<Operation, 'rows' | 'calls'> = {
  insertMany: 'rows',
  get: 'calls',
  page: 'calls',
  update: 'calls',
  stream: 'rows',
  search: 'calls',
};

export interface Measurement {
  /** Rows or calls per round. */
  readonly count: number;
  readonly secondsPerRound: number[];
  readonly medianSeconds: number;
  /** `count / medianSeconds`. */
  readonly perSecond: number;
}

export interface OrmBackendResult {
  readonly backend: string;
  readonly rounds: number;
  readonly measurements: Partial<Record<ContenderName, Partial<Record<Operation, Measurement>>>>;
  /** Operations where a contender's results differed from Switchyard's before timing. */
  readonly disagreements: string[];
  /** When, on which Node and commit (set by the report). */
  readonly measured?: string;
}

const migrations = fileURLToPath(new URL('../migrations', import.meta.resolve('@switchyard/demo/schema')));

const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;
const gc = (globalThis as { gc?: () => void }).gc;

async function seconds(fn: () => Promise<void>): Promise<number> {
  gc?.();
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

/** Round `r` starts with a different contender, so none always runs first (warm caches, fresh pages). */
const rotated = <T>(items: readonly T[], r: number): T[] =>
  items.map((_, i) => items[(i + r) % items.length] as T);

/**
 * The ORM benchmark on one backend: one database, the demo schema from its migration history, the
 * search corpus (50,000 notes of four owners), searches; then more notes up to the stream size, and
 * the CRUD operations. Every contender first runs each operation on the same input as Switchyard
 * and must return the same result; then `rounds` timed rounds, the contenders interleaved per
 * operation, each round started by another contender.
 */
export async function ormBench(
  backend: BenchBackend,
  factories: readonly ContenderFactory[],
  size: OrmWorkloadSize,
  rounds: number,
  options: { readonly searchSeconds: number } = { searchSeconds: Number.POSITIVE_INFINITY },
): Promise<OrmBackendResult> {
  const db = await backend.provider.createDatabase(backend.serverUrl ?? '', `sy_bench_orm_${process.pid}`);
  const contenders: Contender[] = [];
  const measurements: OrmBackendResult['measurements'] = {};
  const disagreements: string[] = [];
  const record = (c: Contender, op: Operation, count: number, s: number) => {
    const mine = measurements[c.name] ?? {};
    measurements[c.name] = mine;
    const previous = mine[op]?.secondsPerRound ?? [];
    const all = [...previous, s];
    mine[op] = { count, secondsPerRound: all, medianSeconds: median(all), perSecond: count / median(all) };
  };
  const agree = (what: string, c: Contender, expected: unknown, actual: unknown) => {
    if (isDeepStrictEqual(expected, actual)) return;
    const message = `${backend.name} ${c.name} ${what}: expected ${JSON.stringify(expected)?.slice(0, 300)}, got ${JSON.stringify(actual)?.slice(0, 300)}`;
    disagreements.push(message);
    console.log(pc.red(message));
  };
  const store = await openStore({ url: db.url, schema: demoSchema, migrations });
  try {
    await store.migrate();
    const ownerRandom = prng(3);
    const owners = Array.from({ length: OWNERS }, () => seededUuid(ownerRandom));
    await store
      .repo(Owner)
      .insertMany(owners.map((id, i) => ({ id, handle: `owner${i}`, displayName: `Owner ${i}` })));
    const log = (text: string) => console.log(pc.dim(`${backend.name}: ${text}`));

    log(`loading ${size.searchDocuments} search documents…`);
    const seeded: NewNote[] = [];
    const keep = function* (source: Iterable<NewNote>) {
      for (const note of source) {
        seeded.push(note);
        yield note;
      }
    };
    await store
      .repo(Note)
      .bulkInsert(keep(notes(owners, size.searchDocuments, { seed: 7, searchCorpus: true })), {
        batchSize: 2000,
      });
    await backend.provider.settleSearch?.(db.url);
    for (const factory of factories) contenders.push(await factory(db.url));
    const reference = contenders[0] as Contender;

    // Search: the query mix of the search benchmarks, tenant t{k} being owner k.
    const cases: SearchCase[] = queryMix(size.searches, size.searchDocuments).map((q) =>
      searchCase(
        backend.name,
        q,
        owners[Number(q.tenant.slice(1)) % SEARCH_OWNERS] as string,
        size.searchLimit,
      ),
    );
    for (const q of cases.slice(0, 40)) {
      const expected = await reference.search(q);
      for (const c of contenders.slice(1))
        agree(`search ${JSON.stringify(q.text)}`, c, expected, await c.search(q));
    }
    // Searches cost what the server's full-text engine costs (MariaDB's boolean mode takes up to a
    // second on common words), so no new round starts once the budget is spent.
    const searchStarted = performance.now();
    for (let r = 0; r < rounds; r++) {
      if (r > 0 && (performance.now() - searchStarted) / 1000 > options.searchSeconds) {
        log(`search: ${r} round(s), the ${options.searchSeconds} s budget is spent`);
        break;
      }
      for (const c of rotated(contenders, r)) {
        log(`round ${r + 1}: ${c.name} search`);
        record(
          c,
          'search',
          cases.length,
          await seconds(async () => {
            for (const q of cases) await c.search(q);
          }),
        );
      }
    }

    const more = size.streamRows - size.searchDocuments;
    if (more > 0) {
      log(`loading ${more} more notes…`);
      await store
        .repo(Note)
        .bulkInsert(
          keep(notes(owners, more, { seed: 11, searchCorpus: false, offset: size.searchDocuments })),
          {
            batchSize: 2000,
          },
        );
    }
    await agreeOnCrud(store, contenders, owners, seeded, agree, () =>
      backend.provider.settleSearch ? backend.provider.settleSearch(db.url) : Promise.resolve(),
    );

    // Round -1 warms every contender up (JIT, statement caches, pages) on a fifth of the workload, untimed.
    const warmup = scaled(size, 0.2);
    for (let r = -1; r < rounds; r++) {
      const roundSize = r < 0 ? warmup : size;
      const inserted = new Map<Contender, NewNote[]>();
      const ids = sample(seeded, roundSize.pointReads, 100 + r).map((n) => n.id);
      const pages = sample(owners, roundSize.pages, 200 + r).map((owner, i) => ({
        owner,
        tag: TAGS[(i + r + TAGS.length) % TAGS.length] as string,
      }));
      let turn = r + 1;
      const each = async (op: Operation, count: number, fn: (c: Contender) => Promise<void>) => {
        for (const c of rotated(contenders, turn++)) {
          log(r < 0 ? `warm-up: ${c.name} ${op}` : `round ${r + 1}: ${c.name} ${op}`);
          const s = await seconds(() => fn(c));
          if (r >= 0) record(c, op, count, s);
        }
      };
      // Each contender inserts notes of its own, generated before the timing starts.
      for (const [i, c] of contenders.entries()) {
        inserted.set(c, [
          ...notes(owners, roundSize.inserts, { seed: 1000 + r * 10 + i, searchCorpus: false }),
        ]);
      }
      await each('insertMany', roundSize.inserts, async (c) => {
        const batch = inserted.get(c) ?? [];
        for (let i = 0; i < batch.length; i += roundSize.insertBatch)
          await c.insertMany(batch.slice(i, i + roundSize.insertBatch));
      });
      await each('get', ids.length, async (c) => {
        for (const id of ids) await c.get(id);
      });
      await each('page', pages.length, async (c) => {
        for (const p of pages) await c.page(p.owner, p.tag, roundSize.pageSize);
      });
      await each('update', roundSize.updates, async (c) => {
        const mine = (inserted.get(c) ?? []).slice(0, roundSize.updates);
        for (let i = 0; i < mine.length; i++) {
          const note = mine[i] as NewNote;
          await c.update(note.id, patchFor(note, i), 1);
        }
      });
      await each('stream', roundSize.streamRows, async (c) => {
        let n = 0;
        for await (const _ of c.stream(roundSize.streamBatch)) if (++n >= roundSize.streamRows) break;
        if (n < roundSize.streamRows)
          throw new Error(`${c.name} streamed ${n} rows, not ${roundSize.streamRows}`);
      });
    }
  } finally {
    for (const c of contenders) await c.close();
    await store.close();
    await db.drop();
  }
  return { backend: backend.name, rounds, measurements, disagreements };
}

/**
 * Before any timing, every contender runs each CRUD operation on the same input as Switchyard
 * (the first contender) and must give the same answer; the rows a contender inserts must read back
 * through Switchyard as they went in.
 */
async function agreeOnCrud(
  store: Awaited<ReturnType<typeof openStore>>,
  contenders: readonly Contender[],
  owners: readonly string[],
  seeded: readonly NewNote[],
  agree: (what: string, c: Contender, expected: unknown, actual: unknown) => void,
  settleSearch: () => Promise<void>,
): Promise<void> {
  const reference = contenders[0] as Contender;
  const notesRepo = store.repo(Note);
  const searched: { c: Contender; note: NewNote }[] = [];
  for (const [i, c] of contenders.entries()) {
    const batch = [...notes(owners, 5, { seed: 500 + i, searchCorpus: false })];
    await c.insertMany(batch);
    for (const note of batch)
      agree('insertMany (read back by Switchyard)', c, { ...note, version: 1 }, await notesRepo.get(note.id));
    const updated = await c.update(batch[0]?.id as string, patchFor(batch[0] as NewNote, 1), 1);
    agree('update', c, await notesRepo.get(batch[0]?.id as string), updated);
    let refused = false;
    await c.update(batch[0]?.id as string, patchFor(batch[0] as NewNote, 2), 1).catch(() => {
      refused = true;
    });
    agree('update with a stale version throws', c, true, refused);
    searched.push({ c, note: batch[1] as NewNote });
  }
  // MariaDB's full-text search can briefly miss committed documents while InnoDB syncs its cache
  // (documented in the adapter): the check is whether each contender wrote the document.
  await settleSearch();
  for (const { c, note } of searched) {
    const found = await store.search(Note, note.title.split(' ')[0] as string, { where: { id: note.id } });
    agree('search document', c, true, found.hits.length === 1);
  }
  const ids = [...sample(seeded, 20, 7).map((n) => n.id), seededUuid(() => 0.5)];
  for (const id of ids) {
    const expected = await reference.get(id);
    for (const c of contenders.slice(1)) agree(`get ${id}`, c, expected, await c.get(id));
  }
  for (const [i, owner] of sample(owners, 10, 8).entries()) {
    const tag = TAGS[i % TAGS.length] as string;
    const expected = await reference.page(owner, tag, 50);
    for (const c of contenders.slice(1))
      agree(`page ${owner} ${tag}`, c, expected, await c.page(owner, tag, 50));
  }
  const head = async (c: Contender) => {
    const rows = [];
    for await (const row of c.stream(300)) if (rows.push(row) >= 1000) break;
    return rows;
  };
  const expected = await head(reference);
  for (const c of contenders.slice(1))
    agree('stream (first 1,000 rows, batches of 300)', c, expected, await head(c));
}

import { fileURLToPath } from 'node:url';
import { isSwitchyardError, openStore, redactUrl, VersionConflictError } from '@switchyard/core';
import Table from 'cli-table3';
import pc from 'picocolors';
import { demoSchema, Note, Owner } from './demo-schema.ts';

const TAGS = ['ops', 'db', 'release', 'oncall', 'ideas'];
const TOPICS = [
  'The write lock is held while the migration runs on PostgreSQL.',
  'Rotate the on-call pager before the 2.0.1 release.',
  "Check the replica's lag; MariaDB needs a restart after the upgrade.",
  'SQLite in WAL mode lets readers run while one writer holds the lock.',
  'Ideas: full-text search for the Straße dataset, café menus and 東京 guides.',
  'Release notes for the e-mail service: fixed C# client retries.',
  'Nothing to see here.',
];
const steps: [string, string, number][] = [];

async function step<T>(name: string, run: () => Promise<T>, describe: (result: T) => string): Promise<T> {
  const started = performance.now();
  const result = await run();
  steps.push([name, describe(result), performance.now() - started]);
  return result;
}

// No configuration needed: without DATABASE_URL this is an embedded SQLite file next to the demo.
const url = process.env.DATABASE_URL ?? 'sqlite:./.data/demo.sqlite';
// The history written by `switchyard migrate create` (see switchyard.config.ts); the same path from
// src/ and from dist/.
const migrations = fileURLToPath(new URL('../migrations', import.meta.url));

async function main(): Promise<void> {
  const store = await openStore({ url, schema: demoSchema, migrations });
  try {
    const health = await store.health();
    console.log(
      pc.bold(`Switchyard demo on ${health.backend} ${health.serverVersion}`),
      pc.dim(redactUrl(url)),
    );

    await step(
      'migrate',
      async () => {
        // With nothing recorded in the history, demo tables can only come from a run before the
        // demo had a migration history (they would make the first migration fail). The demo's data
        // is throwaway, so they are dropped and made again by the history.
        const before = await store.migrations.status();
        const fresh = before.migrations.every((m) => m.state === 'pending');
        if (fresh) await store.dropSchema();
        return { fresh, applied: (await store.migrate()).migrations };
      },
      ({ fresh, applied }) =>
        applied.length === 0
          ? 'the history is up to date'
          : `applied ${applied.join(', ')}${fresh ? ' to a fresh schema' : ''}`,
    );
    const owners = store.repo(Owner);
    const notes = store.repo(Note);
    await step(
      'reset',
      async () => (await notes.deleteMany({ $and: [] })) + (await owners.deleteMany({ $and: [] })),
      (n) => `${n} rows from an earlier run removed`,
    );

    const [ada, grace] = await step(
      'insert owners',
      () =>
        owners.insertMany([
          { handle: 'ada', displayName: 'Ada Lovelace' },
          { handle: 'grace', displayName: 'Grace Hopper' },
        ]),
      (rows) => rows.map((o) => o.handle).join(', '),
    );
    if (!ada || !grace) throw new Error('owners were not inserted');

    await step(
      'insertMany notes',
      () =>
        notes.insertMany(
          Array.from({ length: 240 }, (_, i) => ({
            owner: i % 3 === 0 ? grace.id : ada.id,
            title: `Note ${String(i + 1).padStart(3, '0')}: ${TAGS[i % TAGS.length]} checklist`,
            body: `${TOPICS[i % TOPICS.length]} (note ${i + 1}, with ünïcödé and emoji 🚂)`,
            tags: [TAGS[i % TAGS.length] as string, TAGS[(i * 7) % TAGS.length] as string],
            pinned: i % 17 === 0,
            createdAt: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000),
          })),
        ),
      (rows) => `${rows.length} notes`,
    );

    const first = await step(
      'read newest ops note',
      async () =>
        (await notes.find({ tags: { contains: 'ops' } }, { orderBy: { createdAt: 'desc' }, limit: 1 }))
          .items[0],
      (n) => n?.title ?? 'none',
    );

    await step(
      'page through ops notes',
      async () => {
        let pages = 0;
        let rows = 0;
        let cursor: string | null = null;
        do {
          const page = await notes.find(
            { tags: { contains: 'ops' }, owner: ada.id },
            { orderBy: { createdAt: 'desc' }, limit: 25, cursor },
          );
          pages++;
          rows += page.items.length;
          cursor = page.nextCursor;
        } while (cursor);
        return { pages, rows };
      },
      ({ pages, rows }) => `${rows} of Ada's ops notes in ${pages} keyset pages of 25`,
    );

    if (first) {
      await step(
        'optimistic update',
        async () => {
          const updated = await notes.update(first.id, { pinned: true }, { expectedVersion: first.version });
          try {
            await notes.update(first.id, { title: 'stale write' }, { expectedVersion: first.version });
            return `${updated.version}, stale write accepted?!`;
          } catch (error) {
            if (error instanceof VersionConflictError)
              return `version ${updated.version}; a stale write was refused`;
            throw error;
          }
        },
        (s) => s,
      );
    }

    await step(
      'transaction',
      async () => {
        const moved = await store.transaction(async (tx) => {
          const mine = await tx.repo(Note).find({ owner: ada.id, pinned: true });
          for (const n of mine.items) await tx.repo(Note).update(n.id, { owner: grace.id });
          return mine.items.length;
        });
        const before = await notes.count();
        await store
          .transaction(async (tx) => {
            await tx.repo(Note).deleteMany({ owner: grace.id });
            throw new Error('changed my mind');
          })
          .catch(() => undefined);
        return { moved, kept: (await notes.count()) === before };
      },
      ({ moved, kept }) => `${moved} pinned notes moved to Grace; a failed transaction rolled back: ${kept}`,
    );

    await step(
      'search',
      async () => {
        const query = '"write lock" OR strasse -mariadb';
        const page = await store.search(Note, query, { limit: 5, highlight: { snippetTokens: 6 } });
        const best = page.hits[0];
        const snippet = best?.snippets?.body;
        const marked = snippet
          ? snippet.highlights.reduceRight(
              (text, r) => `${text.slice(0, r.start)}[${text.slice(r.start, r.end)}]${text.slice(r.end)}`,
              snippet.text,
            )
          : 'no hit';
        return `${query} → best of ${page.hits.length}: ${marked}`;
      },
      (s) => s,
    );

    await step(
      'stream and count tags',
      async () => {
        const counts = new Map<string, number>();
        for await (const n of notes.stream({}, { batchSize: 100 })) {
          for (const t of n.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
        }
        return counts;
      },
      (counts) => [...counts].map(([t, n]) => `${t}=${n}`).join(' '),
    );

    await step(
      'leader lock',
      async () => {
        // What a scheduler on every replica does: only the holder of the lock runs the job.
        const leader = await store.locks.tryLock('demo:nightly-report', { ttl: 10_000 });
        if (!leader) return 'another replica leads';
        try {
          const second = await store.locks.tryLock('demo:nightly-report');
          return `held; a second taker ${second ? 'also got it?!' : 'was turned away'}`;
        } finally {
          await leader.release();
        }
      },
      (s) => s,
    );

    const table = new Table({ head: ['step', 'result', 'ms'], style: { head: ['cyan'] } });
    for (const [name, result, ms] of steps) table.push([name, result, ms.toFixed(1)]);
    console.log(table.toString());
    console.log(
      pc.green(`Done: ${await notes.count()} notes, ${await owners.count()} owners on ${store.backend}.`),
    );
  } finally {
    await store.close();
  }
}

try {
  await main();
} catch (error) {
  // A bad URL, an unreachable server or a wrong password is one readable line, never a password.
  if (!isSwitchyardError(error)) throw error;
  console.error(pc.red(`${error.name} [${error.code}]: ${error.message}`));
  process.exitCode = 1;
}

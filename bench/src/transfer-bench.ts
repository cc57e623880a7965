import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestDatabase } from '@switchyard/conformance';
import { openStore, type TransferReport, transfer } from '@switchyard/core';
import { demoSchema, Note, Owner } from '@switchyard/demo/schema';
import pg from 'pg';
import type { BenchBackend } from './backends.ts';
import { documents } from './corpus.ts';

/** The demo's migration history: the target's schema comes from it, as in a real move. */
const migrations = fileURLToPath(new URL('../migrations', import.meta.resolve('@switchyard/demo/schema')));
const OWNERS = 1000;
const TAGS = ['ops', 'db', 'release', 'oncall', 'ideas'];

export interface TransferRun {
  readonly tool: 'switchyard' | 'pgloader';
  readonly target: string;
  readonly rows: number;
  readonly seconds: number;
  readonly rowsPerSecond: number;
  readonly verified: boolean;
  /** Seconds per phase (Switchyard only). */
  readonly phases?: TransferReport['phases'];
  /** Of the copy phase, seconds spent loading search documents (Switchyard only). */
  readonly searchSeconds?: number;
}

/** A SQLite file with `rows` rows of the demo schema (owners and search-indexed notes). */
export async function demoSource(sqlite: BenchBackend, rows: number): Promise<TestDatabase> {
  const db = await sqlite.provider.createDatabase('', `sy_bench_transfer_${process.pid}`);
  const store = await openStore({ url: db.url, schema: demoSchema, migrations });
  try {
    await store.migrate();
    const owners = await store
      .repo(Owner)
      .insertMany(
        Array.from({ length: OWNERS }, (_, i) => ({ handle: `owner${i}`, displayName: `Owner ${i} 😀` })),
      );
    const notes = (function* () {
      let i = 0;
      for (const doc of documents(rows - OWNERS, 11)) {
        yield {
          owner: (owners[i % OWNERS] as { id: string }).id,
          title: doc.title.slice(0, 200),
          body: doc.body,
          tags: [TAGS[i % TAGS.length] as string, TAGS[(i * 7) % TAGS.length] as string],
          pinned: i % 17 === 0,
          createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1_001),
        };
        i++;
      }
    })();
    await store.repo(Note).bulkInsert(notes, { batchSize: 5000 });
  } finally {
    await store.close();
  }
  return db;
}

/** `switchyard transfer` (the API it runs), verification on, end to end. */
export async function switchyardRun(
  source: string,
  target: BenchBackend,
  rows: number,
): Promise<TransferRun> {
  const db = await target.provider.createDatabase(
    target.serverUrl ?? '',
    `sy_bench_tx_${target.name}_${process.pid}`,
  );
  try {
    const started = performance.now();
    const report = await transfer({ from: source, to: db.url, schema: demoSchema, migrations });
    const seconds = (performance.now() - started) / 1000;
    return {
      tool: 'switchyard',
      target: target.name,
      rows: report.totals.copied,
      seconds,
      rowsPerSecond: rows / seconds,
      verified: report.ok,
      phases: report.phases,
      searchSeconds: report.searchIndexes.reduce((n, e) => n + e.seconds, 0),
    };
  } finally {
    await db.drop();
  }
}

/**
 * pgloader (Debian's package) on the same file into a fresh PostgreSQL database: the demo's two
 * tables, with pgloader creating the schema as it does by default. No verification of its own;
 * the row counts are checked afterwards.
 */
export async function pgloaderRun(
  sourceFile: string,
  target: BenchBackend,
  rows: number,
): Promise<TransferRun> {
  const db = await target.provider.createDatabase(target.serverUrl ?? '', `sy_bench_pgloader_${process.pid}`);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-pgloader-'));
  try {
    const command = join(dir, 'load.pgl');
    // prefetch rows = 10000 is pgloader's fastest setting on these rows; its default (100,000) is
    // slower and once exhausted its 1 GB heap on them.
    writeFileSync(
      command,
      `LOAD DATABASE
  FROM sqlite://${sourceFile}
  INTO ${db.url.replace(/^postgres:/, 'postgresql:')}
  WITH include drop, create tables, create indexes, reset sequences, prefetch rows = 10000
  INCLUDING ONLY TABLE NAMES LIKE '${Owner.meta.tableName}', '${Note.meta.tableName}';
`,
    );
    const started = performance.now();
    const result = spawnSync('pgloader', ['--quiet', command], { encoding: 'utf8' });
    const seconds = (performance.now() - started) / 1000;
    if (result.error)
      throw new Error(`pgloader could not run (apt-get install pgloader): ${result.error.message}`);
    if (result.status !== 0) throw new Error(`pgloader failed:\n${result.stdout}\n${result.stderr}`);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    let loaded = 0;
    try {
      for (const table of [Owner.meta.tableName, Note.meta.tableName]) {
        loaded += Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n ?? 0);
      }
    } finally {
      await client.end();
    }
    return {
      tool: 'pgloader',
      target: target.name,
      rows: loaded,
      seconds,
      rowsPerSecond: rows / seconds,
      verified: false,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
}

/** The file path of a `sqlite:` URL. */
export function sqliteFile(url: string): string {
  return url.replace(/^sqlite:/, '');
}

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import Table from 'cli-table3';
import pc from 'picocolors';
import { type BenchBackend, benchBackends } from './backends.ts';
import type { ContenderName } from './contenders/contender.ts';
import { type OrmBackendResult, ormBench } from './contenders/orm-bench.ts';
import { ormChartSvg } from './contenders/orm-chart.ts';
import { ormNotes, ormTable, ratioRows } from './contenders/orm-report.ts';
import { ISSUE_SIZE, scaled } from './contenders/orm-workload.ts';
import { CONTENDERS } from './contenders/registry.ts';
import { type SearchLoadResult, searchLoad } from './search-load.ts';
import { type SearchQueriesResult, searchQueries } from './search-queries.ts';
import { demoSource, pgloaderRun, sqliteFile, switchyardRun, type TransferRun } from './transfer-bench.ts';

const SCENARIOS = ['orm', 'load', 'queries', 'transfer'] as const;

const { values } = parseArgs({
  // `pnpm bench -- --docs 1000` hands the `--` on through the scripts it runs.
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    docs: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '1000' },
    only: { type: 'string' },
    scenario: { type: 'string', default: SCENARIOS.join(',') },
    'search-docs': { type: 'string', default: '50000' },
    queries: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    'max-seconds': { type: 'string', default: '300' },
    warmup: { type: 'string', default: '100' },
    'no-prepare': { type: 'boolean', default: false },
    'transfer-rows': { type: 'string', default: '200000' },
    'transfer-rounds': { type: 'string', default: '2' },
    'orm-rounds': { type: 'string', default: '3' },
    'orm-scale': { type: 'string', default: '1' },
    'orm-search-seconds': { type: 'string', default: '600' },
    contenders: { type: 'string', default: Object.keys(CONTENDERS).join(',') },
  },
});
const count = Number(values.docs);
const batchSize = Number(values.batch);
const scenarios = values.scenario.split(',');
for (const s of scenarios) {
  if (!(SCENARIOS as readonly string[]).includes(s)) {
    throw new Error(`Unknown scenario "${s}"; choose from ${SCENARIOS.join(', ')}.`);
  }
}

const backends: BenchBackend[] = [];
for (const backend of benchBackends()) {
  if (values.only && !values.only.split(',').includes(backend.name)) continue;
  if (backend.serverUrl === undefined) {
    console.log(
      pc.yellow(`${backend.name}: skipped — set BENCH_${backend.name.toUpperCase()}_URL to include it`),
    );
    continue;
  }
  backends.push(backend);
}

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
mkdirSync(out, { recursive: true });
/** The commit measured (`+` when `packages/` has local changes), or undefined outside a git checkout. */
function commit(): string | undefined {
  try {
    const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'packages') !== '';
    return git('rev-parse', '--short', 'HEAD') + (dirty ? '+' : '');
  } catch {
    return undefined;
  }
}
const stamp = { measuredAt: new Date().toISOString(), node: process.version, commit: commit() };
const measured = `${stamp.measuredAt}, Node ${stamp.node}, commit ${stamp.commit ?? 'unknown'}`;

/** A Markdown table with padded columns, as the repository's formatter (Biome) writes them. */
function markdownTable(head: string[], body: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(3, h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

/** Prints a table and writes it as `<name>.md` (under `title`, with `notes` after it) and `<name>.json`. */
function report(
  name: string,
  title: string,
  columns: string[],
  rows: string[][],
  json: object,
  notes: string[] = [],
): void {
  const table = new Table({ head: columns, style: { head: ['cyan'] } });
  table.push(...rows);
  console.log(table.toString());
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify({ ...stamp, ...json }, null, 2)}\n`);
  writeFileSync(
    join(out, `${name}.md`),
    [`# ${title}`, '', ...markdownTable(columns, rows), '', ...notes].join('\n'),
  );
}

const ms = (n: number) => n.toFixed(2);

if (scenarios.includes('load')) {
  const results: SearchLoadResult[] = [];
  for (const backend of backends) {
    console.log(pc.dim(`${backend.name}: loading ${count} documents…`));
    results.push(await searchLoad(backend, count, batchSize));
  }
  report(
    'search-load',
    `Search bulk load (${measured}, batches of ${batchSize})`,
    [
      'backend',
      'documents',
      'load s',
      'docs/s',
      'writes during load',
      'write delay max ms',
      'write delay p99 ms',
      'search median ms',
      'search p95 ms',
    ],
    results.map((r) => [
      r.backend,
      String(r.documents),
      r.loadSeconds.toFixed(1),
      Math.round(r.documentsPerSecond).toString(),
      String(r.concurrentWrites),
      r.concurrentWriteMaxMs.toFixed(1),
      r.concurrentWriteP99Ms.toFixed(1),
      ms(r.searchMedianMs),
      ms(r.searchP95Ms),
    ]),
    { batchSize, results },
  );
}

if (scenarios.includes('queries')) {
  const options = {
    documents: Number(values['search-docs']),
    queries: Number(values.queries),
    rounds: Number(values.rounds),
    maxSeconds: Number(values['max-seconds']),
    warmup: Number(values.warmup),
    batchSize,
    prepared: !values['no-prepare'],
  };
  const results: SearchQueriesResult[] = [];
  for (const backend of backends) {
    console.log(
      pc.dim(`${backend.name}: loading ${options.documents} documents, then ${options.queries} queries…`),
    );
    results.push(await searchQueries(backend, options));
  }
  const columns = [
    'backend',
    'documents',
    'docs/s',
    'queries × rounds',
    'store p50 ms',
    'store p95 ms',
    'SQL p50 ms',
    'SQL p95 ms',
    'p50 ratio',
    'p95 ratio',
    'mismatches',
  ];
  const rows = results.map((r) => [
    r.backend,
    String(r.documents),
    Math.round(r.documentsPerSecond).toString(),
    `${r.queries} × ${r.rounds}`,
    ms(r.store.p50Ms),
    ms(r.store.p95Ms),
    ms(r.sql.p50Ms),
    ms(r.sql.p95Ms),
    r.ratioP50.toFixed(2),
    r.ratioP95.toFixed(2),
    String(r.mismatches),
  ]);
  const shapeColumns = [
    'backend',
    'shape',
    'store p50',
    'store p95',
    'SQL p50',
    'SQL p95',
    'p50 ratio',
    'mean hits',
  ];
  const shapeRows = results.flatMap((r) =>
    r.shapes.map((s) => [
      r.backend,
      s.shape,
      ms(s.store.p50Ms),
      ms(s.store.p95Ms),
      ms(s.sql.p50Ms),
      ms(s.sql.p95Ms),
      s.ratioP50.toFixed(2),
      s.meanHits.toFixed(1),
    ]),
  );
  const slowColumns = ['backend', 'shape', 'query', 'tenant', 'store ms', 'SQL ms', 'matches'];
  const slowRows = results.flatMap((r) =>
    r.slowest.map((s) => [
      r.backend,
      s.shape,
      `\`${s.text}\``,
      s.tenant,
      ms(s.storeMs),
      ms(s.sqlMs),
      String(s.matches),
    ]),
  );
  report(
    'search-queries',
    `Search queries: store.search vs hand-written SQL (${measured})`,
    columns,
    rows,
    { options, results },
    [
      `${options.queries} tenant-scoped queries (a fifth each: two words, phrase, OR, prefix of 4–5`,
      'characters, exclusion), limit 20, on the loaded documents. Each query runs through `store.search`',
      'and through hand-written SQL on the same database, interleaved (which goes first alternates), in',
      `up to ${options.rounds} rounds (no new round after ${options.maxSeconds} s). p50 / p95 are over every run;`,
      'the ratio is store / SQL. A mismatch is a query whose two pages differ (ids or order).',
      `Hand-written SQL: ${options.prepared ? 'server-side prepared statements on PostgreSQL and MariaDB' : 'unprepared statements'}, a cached statement on SQLite.`,
      '',
      '## By query shape (ms)',
      '',
      ...markdownTable(shapeColumns, shapeRows),
      '',
      '## Slowest queries (median ms over the rounds)',
      '',
      ...markdownTable(slowColumns, slowRows),
      '',
    ],
  );
  const shapeTable = new Table({ head: shapeColumns, style: { head: ['cyan'] } });
  shapeTable.push(...shapeRows);
  console.log(shapeTable.toString());
  const slowTable = new Table({ head: slowColumns, style: { head: ['cyan'] } });
  slowTable.push(...slowRows);
  console.log(slowTable.toString());
  for (const r of results) {
    if (r.mismatches > 0) {
      console.log(pc.red(`${r.backend}: ${r.mismatches} queries returned different pages, e.g.`));
      console.log(r.mismatchExamples[0]);
    }
  }
}

if (scenarios.includes('transfer')) {
  const rows = Number(values['transfer-rows']);
  const rounds = Number(values['transfer-rounds']);
  const sqlite = benchBackends().find((b) => b.name === 'sqlite') as BenchBackend;
  const targets = backends.filter((b) => b.name !== 'sqlite');
  console.log(pc.dim(`transfer: writing ${rows} rows of the demo schema to a SQLite file…`));
  const source = await demoSource(sqlite, rows);
  const runs: TransferRun[] = [];
  try {
    // Interleaved rounds: pgloader and Switchyard take turns on the same file and the same server.
    for (let round = 0; round < rounds; round++) {
      for (const target of targets) {
        if (target.name === 'postgres') {
          console.log(pc.dim(`transfer round ${round + 1}: pgloader → postgres…`));
          runs.push(await pgloaderRun(sqliteFile(source.url), target, rows));
        }
        console.log(pc.dim(`transfer round ${round + 1}: switchyard → ${target.name}…`));
        runs.push(await switchyardRun(source.url, target, rows));
      }
    }
  } finally {
    await source.drop();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;
  const groups = [...new Set(runs.map((r) => `${r.tool} → ${r.target}`))];
  const summary = groups.map((group) => {
    const mine = runs.filter((r) => `${r.tool} → ${r.target}` === group);
    const first = mine[0] as TransferRun;
    const phase = (name: keyof NonNullable<TransferRun['phases']>) =>
      first.phases ? median(mine.map((r) => r.phases?.[name] ?? 0)).toFixed(1) : '–';
    return {
      group,
      rows: first.rows,
      seconds: median(mine.map((r) => r.seconds)),
      rowsPerSecond: median(mine.map((r) => r.rowsPerSecond)),
      verified: mine.every((r) => r.verified),
      phases: [
        phase('prepare'),
        phase('copy'),
        first.searchSeconds === undefined ? '–' : median(mine.map((r) => r.searchSeconds ?? 0)).toFixed(1),
        phase('reindex'),
        phase('verify'),
        phase('index'),
      ],
    };
  });
  const pgloader = summary.find((s) => s.group === 'pgloader → postgres');
  const ours = summary.find((s) => s.group === 'switchyard → postgres');
  report(
    'transfer',
    `Transfer of ${rows} rows of the demo schema from SQLite (${measured})`,
    [
      'tool → target',
      'rows',
      'seconds',
      'rows/s',
      'verified',
      'prepare s',
      'copy s',
      'of which search docs s',
      'reindex s',
      'verify s',
      'index build s',
    ],
    summary.map((s) => [
      s.group,
      s.rows.toLocaleString('en-US'),
      s.seconds.toFixed(1),
      Math.round(s.rowsPerSecond).toLocaleString('en-US'),
      s.verified ? 'yes' : 'no',
      ...s.phases,
    ]),
    { rows, rounds, runs, summary },
    [
      `Medians of ${rounds} interleaved rounds, end to end: opening both databases, creating the target schema`,
      "(Switchyard: the demo's migration history; pgloader: its own CREATE TABLE), copying the rows, copying",
      "the search documents into the target's index (Switchyard: the index is part of the data) and verifying",
      "every row's checksum on both sides (Switchyard; pgloader does not verify). pgloader is Debian's package,",
      'loading the two demo tables of the same SQLite file. `reindex s` is rebuilding an index from the rows,',
      "only needed where the source's index is incomplete. `index build s` is the target's native full-text",
      'index built over the loaded documents, alongside verification (the two overlap).',
      ...(pgloader && ours
        ? [
            '',
            `Switchyard ÷ pgloader rows/s into PostgreSQL: ${(ours.rowsPerSecond / pgloader.rowsPerSecond).toFixed(2)}.`,
          ]
        : []),
      '',
    ],
  );
}

if (scenarios.includes('orm')) {
  const rounds = Number(values['orm-rounds']);
  const searchSeconds = Number(values['orm-search-seconds']);
  const names = values.contenders.split(',') as ContenderName[];
  for (const name of names) {
    if (!(name in CONTENDERS))
      throw new Error(`Unknown contender "${name}"; choose from ${Object.keys(CONTENDERS).join(', ')}.`);
  }
  if (names[0] !== 'switchyard')
    throw new Error('The contender list starts with switchyard: the others are checked against it.');
  const size = scaled(ISSUE_SIZE, Number(values['orm-scale']));
  // A run of some backends (`--only`) keeps the last results of the others when they measured the
  // same workload; each backend's results name when and at which commit they were measured.
  const previous = existsSync(join(out, 'orm.json'))
    ? (JSON.parse(readFileSync(join(out, 'orm.json'), 'utf8')) as {
        size?: unknown;
        rounds?: unknown;
        results?: OrmBackendResult[];
        measuredAt?: string;
        node?: string;
        commit?: string;
      })
    : {};
  const kept =
    isDeepStrictEqual(previous.size, size) && previous.rounds === rounds
      ? (previous.results ?? [])
          .filter((r) => !backends.some((b) => b.name === r.backend))
          .map((r) => ({
            ...r,
            measured:
              r.measured ?? `${previous.measuredAt}, Node ${previous.node}, commit ${previous.commit}`,
          }))
      : [];
  const order = benchBackends().map((b) => b.name);
  const results: OrmBackendResult[] = [];
  for (const backend of backends) {
    const contenders = names.map((n) => CONTENDERS[n]);
    const result = { ...(await ormBench(backend, contenders, size, rounds, { searchSeconds })), measured };
    results.push(result);
    writeFileSync(join(out, `orm-${backend.name}.svg`), await ormChartSvg(result));
    // Written after every backend, so a run stopped part-way keeps what it measured.
    const all = [...kept, ...results].sort((a, b) => order.indexOf(a.backend) - order.indexOf(b.backend));
    const { columns, rows } = ormTable(all);
    report(
      'orm',
      `Switchyard against the raw drivers, MikroORM and Drizzle (latest: ${measured})`,
      columns,
      rows,
      { size, rounds, searchSeconds, results: all, ratios: ratioRows(all) },
      ormNotes(all, size, rounds),
    );
  }
}

console.log(pc.dim(`results written to ${out}`));

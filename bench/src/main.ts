import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import pc from 'picocolors';
import { benchBackends } from './backends.ts';
import { type SearchLoadResult, searchLoad } from './search-load.ts';

const { values } = parseArgs({
  options: {
    docs: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '1000' },
    only: { type: 'string' },
  },
});
const count = Number(values.docs);
const batchSize = Number(values.batch);
const results: SearchLoadResult[] = [];

for (const backend of benchBackends()) {
  if (values.only && !values.only.split(',').includes(backend.name)) continue;
  if (backend.serverUrl === undefined) {
    console.log(
      pc.yellow(`${backend.name}: skipped — set BENCH_${backend.name.toUpperCase()}_URL to include it`),
    );
    continue;
  }
  console.log(pc.dim(`${backend.name}: loading ${count} documents…`));
  results.push(await searchLoad(backend, count, batchSize));
}

const columns = [
  'backend',
  'documents',
  'load s',
  'docs/s',
  'writes during load',
  'write max ms',
  'write p99 ms',
  'search median ms',
  'search p95 ms',
];
const rows = results.map((r) => [
  r.backend,
  String(r.documents),
  r.loadSeconds.toFixed(1),
  Math.round(r.documentsPerSecond).toString(),
  String(r.concurrentWrites),
  r.concurrentWriteMaxMs.toFixed(1),
  r.concurrentWriteP99Ms.toFixed(1),
  r.searchMedianMs.toFixed(2),
  r.searchP95Ms.toFixed(2),
]);
const table = new Table({ head: columns, style: { head: ['cyan'] } });
table.push(...rows);
console.log(table.toString());

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
mkdirSync(out, { recursive: true });
const stamp = { measuredAt: new Date().toISOString(), node: process.version, batchSize };
writeFileSync(join(out, 'search-load.json'), `${JSON.stringify({ ...stamp, results }, null, 2)}\n`);
writeFileSync(
  join(out, 'search-load.md'),
  [
    `# Search bulk load (${stamp.measuredAt}, Node ${stamp.node}, batches of ${batchSize})`,
    '',
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ].join('\n'),
);
console.log(pc.dim(`results written to ${out}`));

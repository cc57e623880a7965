import { existsSync } from 'node:fs';
import { type TransferMode, type TransferReport, transfer } from '@switchyard/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { registerBuiltInAdapters } from '../adapters.ts';
import type { CommandRuntime, CommonOptions } from '../command-runtime.ts';
import { loadConfig } from '../config.ts';
import { ExitCode } from '../exit-codes.ts';
import { colorsFor, type Output } from '../output.ts';
import { type ProgressView, plainProgress, terminalProgress } from '../transfer-progress.ts';
import { jsonOption } from './common-options.ts';

interface TransferOptions extends CommonOptions {
  readonly from: string;
  readonly to: string;
  readonly truncate?: boolean;
  readonly resume?: boolean;
  readonly verify: boolean;
  readonly batchSize?: number;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer is expected');
  return n;
}

const megabytes = (bytes: number) => (bytes / 1_000_000).toFixed(1);
const perSecond = (rows: number, seconds: number) =>
  seconds > 0 ? Math.round(rows / seconds).toLocaleString('en-US') : '–';

function printReport(out: Output, report: TransferReport): void {
  const c = out.color;
  out.line(`${c.bold('Transfer')} ${c.dim(`${report.from} → ${report.to}`)} (${report.mode})`);
  const rows = [...report.entities, ...report.searchIndexes].map((e) => [
    e.entity,
    e.rows.toLocaleString('en-US'),
    e.copied.toLocaleString('en-US'),
    megabytes(e.bytes),
    e.seconds.toFixed(2),
    perSecond(e.copied, e.seconds),
    e.verification === undefined ? c.dim('off') : e.verification.ok ? c.green('ok') : c.red('MISMATCH'),
  ]);
  const { totals } = report;
  rows.push([
    c.bold('total'),
    totals.rows.toLocaleString('en-US'),
    totals.copied.toLocaleString('en-US'),
    megabytes(totals.bytes),
    totals.seconds.toFixed(2),
    perSecond(totals.copied, totals.seconds),
    report.ok ? c.green('ok') : c.red('FAILED'),
  ]);
  out.table(['entity', 'rows', 'copied', 'MB', 'seconds', 'rows/s', 'verified'], rows);
  for (const e of [...report.entities, ...report.searchIndexes]) {
    const v = e.verification;
    if (!v || v.ok) continue;
    out.line(
      c.red(
        `${e.entity}: ${v.sourceRows} rows in the source, ${v.targetRows} in the target, checksums differ`,
      ),
    );
    if (v.missing.length > 0) out.line(`  missing in the target: ${v.missing.join(', ')}`);
    if (v.extra.length > 0) out.line(`  only in the target: ${v.extra.join(', ')}`);
    if (v.different.length > 0) out.line(`  different: ${v.different.join(', ')}`);
  }
  if (report.reindexed.length > 0) {
    out.line(
      `Search indexes rebuilt from the rows (the source's was incomplete): ${report.reindexed.join(', ')}`,
    );
  }
  if (report.audit) {
    out.line(
      report.audit.ok
        ? `Audit chain: ${report.audit.events.toLocaleString('en-US')} events, verified`
        : c.red(`Audit chain broken at seq ${report.audit.brokenAt}: ${report.audit.reason}`),
    );
  }
}

function progressView(json: boolean): ProgressView | undefined {
  if (json) return undefined;
  if (process.stderr.isTTY) return terminalProgress(process.stderr);
  const c = colorsFor(process.stderr);
  return plainProgress((line) => process.stderr.write(`${c.dim(line)}\n`));
}

export function registerTransfer(program: Command, runtime: CommandRuntime): void {
  program
    .command('transfer')
    .description(
      'copy every entity of the schema from one database to another (any two backends), then verify the copy',
    )
    .requiredOption('--from <url>', 'the source database (only read)')
    .requiredOption('--to <url>', 'the target database (its schema is created by the migration history)')
    .addOption(new Option('--truncate', 'replace what the target holds').conflicts('resume'))
    .addOption(new Option('--resume', 'finish an interrupted transfer: keep the rows already copied'))
    .option('--no-verify', 'skip comparing row counts and checksums afterwards')
    .option('--batch-size <rows>', 'rows per read and per load (default 5000)', positiveInteger)
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Parents are copied before their children, each entity in primary-key order, in batches that each
commit on their own (PostgreSQL COPY, batched INSERTs on MariaDB, prepared INSERTs on SQLite).
The target's tables come from the migration history (or the definition without one); search
documents are copied like rows (rebuilt from the rows where the source's index is incomplete) and
the audit chain is checked at the end. Verification reads both sides again
and compares the row count and an order-independent checksum of every entity, naming sample keys
when they differ.

A target that already holds rows is refused unless --truncate (drop the schema's tables there and
create them again) or --resume (a transfer that was interrupted: copies what is missing). Options,
URLs, a schema that differs from the definition on either side and a target refusing writes are
reported before any row moves. Exits 1 when verification fails.

Examples:
  $ switchyard transfer --from sqlite:./.data/app.sqlite --to postgres://app@db:5432/app
  $ switchyard transfer --from sqlite:./app.sqlite --to mariadb://app@db:3306/app --resume
  $ switchyard transfer --from postgres://app@old/app --to postgres://app@new/app --truncate --json`,
    )
    .action(
      runtime.action(async (_own: unknown, command: Command) => {
        const { options, out } = runtime.begin<TransferOptions>(command);
        const config = await loadConfig(options.config);
        runtime.databaseUrl(options.from, config);
        runtime.databaseUrl(options.to, config);
        registerBuiltInAdapters();
        const mode: TransferMode = options.truncate ? 'truncate' : options.resume ? 'resume' : 'empty';
        const view = progressView(out.json);
        let report: TransferReport;
        try {
          report = await transfer({
            from: options.from,
            to: options.to,
            schema: config.schema,
            ...(existsSync(config.migrations) ? { migrations: config.migrations } : {}),
            mode,
            verify: options.verify,
            ...(options.batchSize ? { batchSize: options.batchSize } : {}),
            onProgress: (event) => view?.update(event),
          });
        } finally {
          view?.stop();
        }
        out.document(report);
        printReport(out, report);
        return report.ok ? ExitCode.Ok : ExitCode.Failure;
      }),
    );
}

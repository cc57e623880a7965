import type { DoctorReport, HealthFinding, MigrationStatus } from '@switchyard/core';
import type { Command } from 'commander';
import type { CommandRuntime, CommonOptions } from '../command-runtime.ts';
import { loadConfig } from '../config.ts';
import { reportFailure } from '../error-report.ts';
import { ExitCode } from '../exit-codes.ts';
import { type Colors, type Output, plural } from '../output.ts';
import { withStore } from '../store-access.ts';
import { jsonOption, urlOption } from './common-options.ts';

interface DoctorOptions extends CommonOptions {
  readonly url?: string;
}

function status(finding: HealthFinding, c: Colors): string {
  const label = finding.status.padEnd(4);
  return finding.status === 'ok'
    ? c.green(label)
    : finding.status === 'warn'
      ? c.yellow(label)
      : c.red(label);
}

function printMigrations(out: Output, migrations: MigrationStatus): void {
  const c = out.color;
  const count = (state: string) => migrations.migrations.filter((m) => m.state === state).length;
  const partial = migrations.migrations.filter((m) => m.state === 'partial');
  const pending = migrations.pending.length;
  const summary = `${plural(count('applied'), 'migration')} applied, ${partial.length} partial, ${pending} pending`;
  out.line(`Migrations: ${pending > 0 || partial.length > 0 ? c.yellow(summary) : summary}`);
  for (const m of partial) out.line(`  ${c.red('partial')} ${m.name}: ${m.error ?? 'stopped part-way'}`);
  if (pending > 0) out.line(`  pending: ${migrations.pending.join(', ')} (run switchyard migrate up)`);
  for (const problem of migrations.problems) out.line(`  ${c.red('✗')} ${problem}`);
}

function printReport(out: Output, report: DoctorReport): void {
  const c = out.color;
  out.line(`${c.bold(`${report.backend} ${report.serverVersion}`)} ${c.dim(report.url)}`);
  const width = Math.max(0, ...report.findings.map((f) => f.check.length));
  for (const finding of report.findings) {
    out.line(`  ${status(finding, c)}  ${finding.check.padEnd(width)}  ${finding.found}`);
    if (finding.fix) out.line(`        ${' '.repeat(width)}  ${c.dim(`fix: ${finding.fix}`)}`);
  }
  if (report.migrations) printMigrations(out, report.migrations);
  else out.line('Migrations: no migration history yet (switchyard migrate create <name>)');
}

export function registerDoctor(program: Command, runtime: CommandRuntime): void {
  program
    .command('doctor')
    .description(
      'check that the database gives what Switchyard needs (version, collation, time zone, journal mode, …) and show its migration status',
    )
    .addOption(urlOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Each finding is ok, warn (the portable semantics hold, but something should change) or fail (they
do not), with the fix. Exits 1 when any finding fails or the migration history has a problem;
pending migrations and warnings alone do not fail.

Examples:
  $ switchyard doctor
  $ switchyard doctor --url postgres://app@db.internal:5432/app --json`,
    )
    .action(
      runtime.action(async (_own: unknown, command: Command) => {
        const { options, out } = runtime.begin<DoctorOptions>(command);
        const config = await loadConfig(options.config);
        const url = runtime.databaseUrl(options.url, config);
        const report = await withStore(config, url, (store) => store.doctor(), { requireHistory: false });
        out.document(report);
        printReport(out, report);
        if (report.ok) return ExitCode.Ok;
        const failed = report.findings.filter((f) => f.status === 'fail').map((f) => f.check);
        const problems = report.migrations?.problems.length ?? 0;
        reportFailure(
          [
            failed.length > 0 ? `failed checks: ${failed.join(', ')}` : '',
            problems > 0 ? `${plural(problems, 'migration history problem')}` : '',
          ]
            .filter(Boolean)
            .join('; '),
        );
        return ExitCode.Failure;
      }),
    );
}

import { type CheckResult, checkMigrations, redactUrl } from '@switchyard/core';
import type { Command } from 'commander';
import { builtInAdapters } from '../adapters.ts';
import type { CommandRuntime, CommonOptions } from '../command-runtime.ts';
import { loadConfig } from '../config.ts';
import { reportFailure } from '../error-report.ts';
import { ExitCode } from '../exit-codes.ts';
import { type Output, plural } from '../output.ts';
import { withStore } from '../store-access.ts';
import { jsonOption } from './common-options.ts';

interface CheckOptions extends CommonOptions {
  readonly url?: string;
}

/** What `--url` found in a database. */
interface DatabaseCheck {
  readonly backend: string;
  readonly url: string;
  readonly pending: readonly string[];
  /** History problems (`migrate status`). */
  readonly problems: readonly string[];
  /** Statements that would bring the database to the schema definition. */
  readonly diff: readonly string[];
}

function databaseOk(db: DatabaseCheck): boolean {
  return db.pending.length === 0 && db.problems.length === 0 && db.diff.length === 0;
}

function printStatements(out: Output, statements: readonly string[]): void {
  for (const statement of statements) out.line(out.color.dim(`    ${statement.replace(/\n/g, '\n    ')}`));
}

function printDefinitionCheck(out: Output, result: CheckResult): void {
  const c = out.color;
  if (result.ok) {
    out.line(
      `${c.green('✓')} in sync on ${result.dialects.join(', ')} (${plural(result.migrations, 'migration')})`,
    );
    return;
  }
  for (const problem of result.problems) {
    out.line(`${c.red('✗')} ${problem.dialect ? `${c.bold(problem.dialect)}: ` : ''}${problem.message}`);
    if (problem.statements?.length) {
      out.line('    a new migration would hold:');
      printStatements(out, problem.statements);
    }
  }
}

function printDatabaseCheck(out: Output, db: DatabaseCheck): void {
  const c = out.color;
  const where = `${db.backend} database ${c.dim(db.url)}`;
  if (databaseOk(db)) {
    out.line(`${c.green('✓')} the ${where} is up to date and matches the schema definition`);
    return;
  }
  if (db.pending.length > 0) {
    out.line(
      `${c.red('✗')} the ${where} has ${plural(db.pending.length, 'pending migration')}: ${db.pending.join(', ')}`,
    );
  }
  for (const problem of db.problems) out.line(`${c.red('✗')} ${problem}`);
  if (db.diff.length > 0) {
    out.line(`${c.red('✗')} the ${where} differs from the schema definition; to match, it would need:`);
    printStatements(out, db.diff);
  }
}

/** The one line on stderr that says why the check failed. */
function failureSummary(result: CheckResult, db: DatabaseCheck | undefined): string {
  const parts: string[] = [];
  if (!result.ok) {
    const dialects = [...new Set(result.problems.map((p) => p.dialect ?? 'the migration files'))];
    parts.push(
      `the schema definition and the migration history disagree on ${dialects.join(', ')} (create a migration: switchyard migrate create <name>)`,
    );
  }
  if (db && !databaseOk(db)) {
    const faults = [
      db.pending.length > 0
        ? `has ${plural(db.pending.length, 'pending migration')} (switchyard migrate up)`
        : '',
      db.problems.length > 0 ? 'has history problems (switchyard migrate status)' : '',
      db.diff.length > 0 ? 'differs from the schema definition' : '',
    ];
    const found = faults.filter(Boolean);
    const last = found.pop();
    parts.push(`the ${db.backend} database ${found.length > 0 ? `${found.join(', ')} and ${last}` : last}`);
  }
  return parts.join('; ');
}

export function registerMigrateCheck(migrate: Command, runtime: CommandRuntime): void {
  migrate
    .command('check')
    .description(
      'fail when the schema definition and the migration history disagree on any dialect (offline); with --url, also check that database',
    )
    .option('--url <url>', 'also check this database (default: none, the check is offline)')
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Without --url no database is needed: the history is replayed for SQLite, PostgreSQL and MariaDB
and compared with the schema definition, so it fits CI. With --url the database must also have no
pending migration, no history problem and no difference from the schema definition.
DATABASE_URL is not read here: a check against a database is always asked for explicitly.

Examples:
  $ switchyard migrate check
  $ switchyard migrate check --url postgres://app@db.internal:5432/app
  $ switchyard migrate check --json`,
    )
    .action(
      runtime.action(async (_own: unknown, command: Command) => {
        const { options, out } = runtime.begin<CheckOptions>(command);
        const config = await loadConfig(options.config);
        const result = await checkMigrations({
          schema: config.schema,
          directory: config.migrations,
          adapters: builtInAdapters,
        });
        let db: DatabaseCheck | undefined;
        if (options.url !== undefined) {
          const url = runtime.databaseUrl(options.url, config);
          db = await withStore(config, url, async (store) => {
            const status = await store.migrations.status();
            return {
              backend: store.backend,
              url: redactUrl(url),
              pending: status.pending,
              problems: status.problems,
              diff: await store.migrations.diff(),
            };
          });
        }
        const ok = result.ok && (db === undefined || databaseOk(db));
        out.document(db ? { ...result, ok, database: { ...db, ok: databaseOk(db) } } : result);
        printDefinitionCheck(out, result);
        if (db) printDatabaseCheck(out, db);
        if (ok) return ExitCode.Ok;
        reportFailure(failureSummary(result, db));
        return ExitCode.Failure;
      }),
    );
}

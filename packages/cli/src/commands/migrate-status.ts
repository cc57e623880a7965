import { type MigrationStatusEntry, redactUrl } from '@switchyard/core';
import type { Command } from 'commander';
import type { CommandRuntime, CommonOptions } from '../command-runtime.ts';
import { loadConfig } from '../config.ts';
import { ExitCode } from '../exit-codes.ts';
import { type Colors, plural } from '../output.ts';
import { withStore } from '../store-access.ts';
import { jsonOption, urlOption } from './common-options.ts';

interface StatusOptions extends CommonOptions {
  readonly url?: string;
}

function state(entry: MigrationStatusEntry, c: Colors): string {
  const modified = entry.modified ? c.red(' (file changed since)') : '';
  switch (entry.state) {
    case 'applied':
      return `${c.green('applied')}${modified}`;
    case 'pending':
      return c.yellow('pending');
    case 'partial':
      return c.red(`partial ${entry.direction ?? 'up'}`);
    case 'missing':
      return c.red('missing file');
  }
}

function steps(entry: MigrationStatusEntry): string {
  return entry.state === 'partial' ? `${entry.done ?? 0}/${entry.steps}` : String(entry.steps);
}

/** `2026-01-01 12:00:00Z`: the time the history recorded, in UTC. */
function when(at: string | undefined): string {
  return at ? at.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '';
}

export function registerMigrateStatus(migrate: Command, runtime: CommandRuntime): void {
  migrate
    .command('status')
    .description(
      'show every migration of the history and of the files (applied, pending, partial, missing); changes nothing',
    )
    .addOption(urlOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Exits 1 when the history has a problem that makes "migrate up" refuse to run (a partial migration,
a missing or changed file); pending migrations alone are not a problem.

Examples:
  $ switchyard migrate status
  $ switchyard migrate status --url mariadb://root@127.0.0.1:3306/app --json`,
    )
    .action(
      runtime.action(async (_own: unknown, command: Command) => {
        const { options, out } = runtime.begin<StatusOptions>(command);
        const config = await loadConfig(options.config);
        const url = runtime.databaseUrl(options.url, config);
        const status = await withStore(config, url, (store) => store.migrations.status());
        out.document(status);
        const c = out.color;
        out.line(`${c.bold(`Migrations on ${status.backend}`)} ${c.dim(redactUrl(url))}`);
        if (status.migrations.length === 0) {
          out.line('No migrations yet: create the first with switchyard migrate create <name>.');
        } else {
          out.table(
            ['migration', 'state', 'when (UTC)', 'steps'],
            status.migrations.map((e) => [e.name, state(e, c), when(e.at), steps(e)]),
          );
          for (const e of status.migrations.filter((m) => m.error)) {
            out.line(c.red(`${e.name} stopped at step ${(e.done ?? 0) + 1}: ${e.error}`));
          }
          out.line(
            status.pending.length === 0
              ? 'Up to date.'
              : `${plural(status.pending.length, 'migration')} pending: run switchyard migrate up.`,
          );
        }
        for (const problem of status.problems) out.line(`${c.red('✗')} ${problem}`);
        return status.problems.length > 0 ? ExitCode.Failure : ExitCode.Ok;
      }),
    );
}

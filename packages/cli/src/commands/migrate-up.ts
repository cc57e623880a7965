import type { Command } from 'commander';
import type { CommandRuntime, CommonOptions } from '../command-runtime.ts';
import { loadConfig } from '../config.ts';
import { ExitCode } from '../exit-codes.ts';
import { plural } from '../output.ts';
import { withStore } from '../store-access.ts';
import { jsonOption, urlOption } from './common-options.ts';

interface UpOptions extends CommonOptions {
  readonly to?: string;
  readonly url?: string;
}

export function registerMigrateUp(migrate: Command, runtime: CommandRuntime): void {
  migrate
    .command('up')
    .description(
      'apply the pending migrations, in order, holding the migration lock (other replicas wait for it)',
    )
    .option('--to <name>', 'apply up to and including this migration (default: all pending)')
    .addOption(urlOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Examples:
  $ switchyard migrate up
  $ switchyard migrate up --to 20260101120000_add_tags
  $ DATABASE_URL=postgres://app@db.internal:5432/app switchyard migrate up --json`,
    )
    .action(
      runtime.action(async (_own: unknown, command: Command) => {
        const { options, out } = runtime.begin<UpOptions>(command);
        const config = await loadConfig(options.config);
        const url = runtime.databaseUrl(options.url, config);
        await withStore(config, url, async (store) => {
          const report = await store.migrations.up(options.to === undefined ? {} : { to: options.to });
          out.document({ backend: store.backend, direction: 'up', ...report });
          if (report.migrations.length === 0) {
            out.line(`Nothing to apply: the ${store.backend} database is up to date.`);
            return;
          }
          out.line(`Applied ${plural(report.migrations.length, 'migration')} on ${store.backend}:`);
          for (const name of report.migrations) out.line(`  ${out.color.green('✓')} ${name}`);
        });
        return ExitCode.Ok;
      }),
    );
}

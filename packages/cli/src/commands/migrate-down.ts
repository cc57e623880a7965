import { type Command, Option } from 'commander';
import type { CommandRuntime, CommonOptions } from '../command-runtime.ts';
import { loadConfig } from '../config.ts';
import { ExitCode } from '../exit-codes.ts';
import { plural } from '../output.ts';
import { withStore } from '../store-access.ts';
import { jsonOption, urlOption } from './common-options.ts';

interface DownOptions extends CommonOptions {
  readonly to?: string;
  readonly all?: boolean;
  readonly url?: string;
}

export function registerMigrateDown(migrate: Command, runtime: CommandRuntime): void {
  migrate
    .command('down')
    .description('revert applied migrations, latest first (default: only the latest)')
    .addOption(
      new Option('--to <name>', 'revert every migration after this one (it stays applied)').conflicts('all'),
    )
    .addOption(new Option('--all', 'revert every applied migration').conflicts('to'))
    .addOption(urlOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Examples:
  $ switchyard migrate down
  $ switchyard migrate down --to 20260101120000_init
  $ switchyard migrate down --all --url sqlite:./.data/dev.sqlite`,
    )
    .action(
      runtime.action(async (_own: unknown, command: Command) => {
        const { options, out } = runtime.begin<DownOptions>(command);
        const config = await loadConfig(options.config);
        const url = runtime.databaseUrl(options.url, config);
        await withStore(config, url, async (store) => {
          const to = options.all ? null : options.to;
          const report = await store.migrations.down(to === undefined ? {} : { to });
          out.document({ backend: store.backend, direction: 'down', ...report });
          if (report.migrations.length === 0) {
            out.line(`Nothing to revert on the ${store.backend} database.`);
            return;
          }
          out.line(`Reverted ${plural(report.migrations.length, 'migration')} on ${store.backend}:`);
          for (const name of report.migrations) out.line(`  ${out.color.yellow('↩')} ${name}`);
        });
        return ExitCode.Ok;
      }),
    );
}

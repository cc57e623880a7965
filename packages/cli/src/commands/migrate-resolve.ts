import { type Command, Option } from 'commander';
import type { CommandRuntime, CommonOptions } from '../command-runtime.ts';
import { loadConfig } from '../config.ts';
import { ExitCode } from '../exit-codes.ts';
import { withStore } from '../store-access.ts';
import { jsonOption, urlOption } from './common-options.ts';

interface ResolveOptions extends CommonOptions {
  readonly applied?: boolean;
  readonly rolledBack?: boolean;
  readonly url?: string;
}

export function registerMigrateResolve(migrate: Command, runtime: CommandRuntime): void {
  migrate
    .command('resolve')
    .description(
      'record the outcome of a migration you repaired by hand (a partial one, or one you reverted yourself)',
    )
    .argument('<name>', 'the migration')
    .addOption(
      new Option('--applied', 'you finished its remaining steps: mark it applied').conflicts('rolledBack'),
    )
    .addOption(
      new Option('--rolled-back', 'you undid its steps: remove it from the history').conflicts('applied'),
    )
    .addOption(urlOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Only the history changes; no step is run. Look at "switchyard migrate status" first: it shows how
far a partial migration got and why it stopped.

Examples:
  $ switchyard migrate resolve 20260101120000_add_tags --rolled-back
  $ switchyard migrate resolve 20260101120000_add_tags --applied --url mariadb://root@db/app`,
    )
    .action(
      runtime.action(async (name: string, _own: unknown, command: Command) => {
        const { options, out } = runtime.begin<ResolveOptions>(command);
        if (!options.applied && !options.rolledBack) {
          command.error('error: pass --applied or --rolled-back');
        }
        const outcome = options.applied ? 'applied' : 'rolled-back';
        const config = await loadConfig(options.config);
        const url = runtime.databaseUrl(options.url, config);
        const backend = await withStore(config, url, async (store) => {
          await store.migrations.resolve(name, outcome);
          return store.backend;
        });
        out.document({ backend, name, outcome });
        out.line(
          outcome === 'applied'
            ? `Recorded ${name} as applied on ${backend}.`
            : `Removed ${name} from the ${backend} history (recorded as rolled back).`,
        );
        return ExitCode.Ok;
      }),
    );
}

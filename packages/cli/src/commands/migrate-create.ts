import { relative } from 'node:path';
import { createMigration } from '@switchyard/core';
import { Argument, type Command, InvalidArgumentError } from 'commander';
import { builtInAdapters } from '../adapters.ts';
import type { CommandRuntime, CommonOptions } from '../command-runtime.ts';
import { loadConfig } from '../config.ts';
import { ExitCode } from '../exit-codes.ts';
import { plural } from '../output.ts';
import { jsonOption } from './common-options.ts';

function migrationName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(value)) {
    throw new InvalidArgumentError(
      'Use letters, digits, "_" and "-" (at most 100, starting with a letter or digit), e.g. add_tags.',
    );
  }
  return value;
}

export function registerMigrateCreate(migrate: Command, runtime: CommandRuntime): void {
  migrate
    .command('create')
    .description(
      'write a migration holding the change from the history to the schema definition, for every dialect at once (no database needed)',
    )
    .addArgument(
      new Argument('<name>', 'what the change does (add_tags): letters, digits, "_" and "-"').argParser(
        migrationName,
      ),
    )
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
The file <UTC timestamp>_<name>.json, written to the migrations directory, holds the steps for
SQLite, PostgreSQL and MariaDB: commit it. When the schema definition and the history already
agree on every dialect, nothing is written ("No changes") and the exit status is 0.

Examples:
  $ switchyard migrate create init
  $ switchyard migrate create add_note_tags --json`,
    )
    .action(
      runtime.action(async (name: string, _own: unknown, command: Command) => {
        const { options, out } = runtime.begin<CommonOptions>(command);
        const config = await loadConfig(options.config);
        const created = await createMigration({
          schema: config.schema,
          directory: config.migrations,
          name,
          adapters: builtInAdapters,
        });
        out.document(created);
        if (created.file === null) {
          const dialects = builtInAdapters.map((a) => a.name).join(', ');
          out.line(`No changes: the schema definition and the migration history agree on ${dialects}.`);
          return ExitCode.Ok;
        }
        out.line(`Created ${out.color.bold(relative(process.cwd(), created.file) || created.file)}`);
        for (const [dialect, steps] of Object.entries(created.steps)) {
          out.line(`  ${dialect.padEnd(10)}${plural(steps, 'step')}`);
        }
        return ExitCode.Ok;
      }),
    );
}

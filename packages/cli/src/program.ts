import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CommandRuntime } from './command-runtime.ts';
import { registerDoctor } from './commands/doctor.ts';
import { registerMigrateCheck } from './commands/migrate-check.ts';
import { registerMigrateCreate } from './commands/migrate-create.ts';
import { registerMigrateDown } from './commands/migrate-down.ts';
import { registerMigrateResolve } from './commands/migrate-resolve.ts';
import { registerMigrateStatus } from './commands/migrate-status.ts';
import { registerMigrateUp } from './commands/migrate-up.ts';
import { registerTransfer } from './commands/transfer.ts';
import { errorDocument, reportError } from './error-report.ts';
import { ExitCode, exitCodeFor, exitCodesHelp } from './exit-codes.ts';
import { colorsFor, Output } from './output.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** Commander's usage errors as one line in the program's own form: `switchyard: <message>`. */
function usageLine(text: string): string {
  const message = text
    .trim()
    .replace(/^error:\s*/, '')
    .replace(/\s*\n\s*/g, ' ');
  return `${colorsFor(process.stderr).red('switchyard:')} ${message}\n`;
}

export function createProgram(runtime: CommandRuntime): Command {
  const program = new Command('switchyard')
    .description(
      'Switchyard migrations, database checks and transfers: one migration history for SQLite, PostgreSQL and MariaDB.',
    )
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for the command')
    .option('--config <path>', 'the configuration file (default: switchyard.config.{ts,mts,js,mjs} here)')
    .option('--verbose', 'on failure, also print the stack and the cause chain')
    // Settings made before the subcommands are created are inherited by them.
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(usageLine(text)) })
    .configureHelp({ showGlobalOptions: true })
    .helpCommand(false)
    .addHelpText(
      'after',
      `
Configuration (switchyard.config.ts in the working directory, or --config <path>):
  import { defineConfig } from '@switchyard/cli';
  import { Note, Owner } from './src/schema.ts';
  export default defineConfig({ schema: [Owner, Note], migrations: './migrations' });

The commands that need a database use --url <url>, else DATABASE_URL, else the configuration's url.
"migrate create" and "migrate check" need none.

Examples:
  $ switchyard migrate create init
  $ switchyard migrate check
  $ DATABASE_URL=postgres://app@db.internal:5432/app switchyard migrate up
  $ switchyard migrate status --url sqlite:./.data/app.sqlite
  $ switchyard doctor --json
  $ switchyard transfer --from sqlite:./.data/app.sqlite --to postgres://app@db:5432/app`,
    )
    .addHelpText('afterAll', exitCodesHelp);

  const migrate = program
    .command('migrate')
    .description('create, apply, revert and check migrations')
    .addHelpText(
      'after',
      `
Examples:
  $ switchyard migrate create add_tags
  $ switchyard migrate up
  $ switchyard migrate status`,
    );
  registerMigrateCreate(migrate, runtime);
  registerMigrateUp(migrate, runtime);
  registerMigrateDown(migrate, runtime);
  registerMigrateStatus(migrate, runtime);
  registerMigrateResolve(migrate, runtime);
  registerMigrateCheck(migrate, runtime);
  registerDoctor(program, runtime);
  registerTransfer(program, runtime);
  return program;
}

/** Runs `switchyard` with these arguments (without `node` and the script); resolves with the exit status. */
export async function run(args: readonly string[]): Promise<ExitCode> {
  const runtime = new CommandRuntime();
  try {
    await createProgram(runtime).parseAsync([...args], { from: 'user' });
    return runtime.exitCode;
  } catch (error) {
    // Commander has printed help, the version or the usage error already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    if (runtime.json) new Output(true).document(errorDocument(error, runtime.secrets));
    reportError(error, { verbose: runtime.verbose, secrets: runtime.secrets });
    return exitCodeFor(error);
  }
}

import type { Command } from 'commander';
import type { LoadedConfig } from './config.ts';
import { secretsOf } from './error-report.ts';
import { ExitCode } from './exit-codes.ts';
import { Output } from './output.ts';
import { resolveDatabaseUrl } from './store-access.ts';

/** The program's own options, which every command accepts too. */
export interface GlobalOptions {
  readonly config?: string;
  readonly verbose?: boolean;
}

/** What every command's options may hold besides its own. */
export interface CommonOptions extends GlobalOptions {
  readonly json?: boolean;
}

/**
 * One run of the program, shared by its commands: the exit status a command decided, and what the
 * error report needs to know about the command that failed.
 */
export class CommandRuntime {
  exitCode: ExitCode = ExitCode.Ok;
  /** Set as soon as a command starts, so a failure is reported in the form the command promised. */
  json = false;
  verbose = false;
  readonly secrets: string[] = [];

  /** Wraps a command handler for commander: its result is the exit status. */
  action<A extends unknown[]>(handler: (...args: A) => Promise<ExitCode>): (...args: A) => Promise<void> {
    return async (...args: A) => {
      this.exitCode = await handler(...args);
    };
  }

  /** Starts a command: the options it and the program were given, and where its result goes. */
  begin<O extends CommonOptions>(command: Command): { options: O; out: Output } {
    const options = command.optsWithGlobals<O>();
    this.json = options.json === true;
    this.verbose = options.verbose === true;
    return { options, out: new Output(this.json) };
  }

  /** The command's database URL; its password is never printed from here on. */
  databaseUrl(flag: string | undefined, config: LoadedConfig): string {
    const url = resolveDatabaseUrl(flag, config);
    this.secrets.push(...secretsOf(url));
    return url;
  }
}

import { ConfigurationError } from '@switchyard/core';

/** The exit statuses of `switchyard`, documented in `--help` and the README. */
export const ExitCode = {
  Ok: 0,
  /** The operation failed, or a check found problems. */
  Failure: 1,
  /** Usage or configuration: unknown option, missing configuration, bad URL, missing adapter. */
  Usage: 2,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export function exitCodeFor(error: unknown): ExitCode {
  return error instanceof ConfigurationError ? ExitCode.Usage : ExitCode.Failure;
}

export const exitCodesHelp = `
Exit codes:
  0  success
  1  the operation failed, or a check found problems
  2  usage or configuration error (unknown option, missing config, bad URL)`;

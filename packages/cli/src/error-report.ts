import { MigrationError, SwitchyardError } from '@switchyard/core';
import { colorsFor } from './output.ts';

/**
 * Passwords of the URLs in use, scrubbed from anything printed about an error: core redacts its
 * own messages, but `--verbose` also prints the drivers' errors, which core does not write. A
 * password of one to three characters is left alone, or every such letter of the text would go.
 */
export function secretsOf(url: string): string[] {
  try {
    const password = new URL(url).password;
    return [password, decodeURIComponent(password)].filter((secret) => secret.length >= 4);
  } catch {
    return [];
  }
}

function scrub(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) result = result.split(secret).join('***');
  return result;
}

/** Lines of a multi-line message joined into one; a line without closing punctuation gets a `;`. */
function oneLine(text: string): string {
  let joined = '';
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === '') continue;
    joined = joined === '' ? line : `${joined}${/[.:;,!?]$/.test(joined) ? '' : ';'} ${line}`;
  }
  return joined;
}

/** The message of the error, with what a failed migration's message may leave out. */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof MigrationError && !error.message.includes(error.migration)) {
    return `${error.message} (migration ${error.migration}, step ${error.step})`;
  }
  // Switchyard's messages stand alone; anything else (a bug, a Node error) says what kind it is.
  if (error instanceof SwitchyardError || error.name === 'Error') return error.message;
  return `${error.name}: ${error.message}`;
}

/** The stack and every cause, for `--verbose`. */
function chain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 10; depth++) {
    const text =
      current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current);
    parts.push(depth === 0 ? text : `Caused by: ${text}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\n');
}

/** The one line on stderr of a command whose check found problems (its report is on stdout). */
export function reportFailure(message: string): void {
  process.stderr.write(`${colorsFor(process.stderr).red('switchyard:')} ${oneLine(message)}\n`);
}

/**
 * Writes the error to stderr: one line `switchyard: <message>`, or with `verbose` the stack and
 * the cause chain after it. Never a password: Switchyard's messages are redacted already, and the
 * passwords of the URLs in use are scrubbed again from whatever is printed.
 */
export function reportError(error: unknown, options: { verbose: boolean; secrets: readonly string[] }): void {
  const c = colorsFor(process.stderr);
  process.stderr.write(`${c.red('switchyard:')} ${scrub(oneLine(messageOf(error)), options.secrets)}\n`);
  if (options.verbose) process.stderr.write(`${c.dim(scrub(chain(error), options.secrets))}\n`);
}

/** What `--json` puts on stdout when the command failed. */
export function errorDocument(error: unknown, secrets: readonly string[]): unknown {
  const e = error instanceof Error ? error : new Error(String(error));
  return {
    ok: false,
    error: {
      name: e.name,
      code: 'code' in e && typeof e.code === 'string' ? e.code : null,
      message: scrub(oneLine(messageOf(e)), secrets),
    },
  };
}

import { isAbsolute, resolve } from 'node:path';
import { ConfigurationError, redactUrl } from '@switchyard/core/adapter';

export interface SqliteLocation {
  /** Absolute file path, or `:memory:`. */
  readonly filename: string;
  readonly memory: boolean;
  /** `?mode=ro`: the file is opened read-only and must exist; nothing is ever written to it. */
  readonly readOnly: boolean;
  /** `?busy_timeout=<ms>`, when given. */
  readonly busyTimeoutMs: number | undefined;
}

/** The URL parameters a SQLite URL takes. */
const KNOWN = ['mode', 'busy_timeout'] as const;

function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1) throw new ConfigurationError(`The SQLite URL gives ${name} more than once.`);
  return values[0];
}

function readParameters(query: string): Pick<SqliteLocation, 'readOnly' | 'busyTimeoutMs'> {
  const params = new URLSearchParams(query);
  const unknown = [...new Set(params.keys())].filter((k) => !(KNOWN as readonly string[]).includes(k));
  if (unknown.length > 0) {
    // Refused rather than silently ignored: a setting the user believes applied must apply.
    const shown = unknown.map((k) => (/^[A-Za-z0-9_.-]{1,64}$/.test(k) ? `"${k}"` : '(a malformed name)'));
    throw new ConfigurationError(
      `Unknown SQLite URL parameter${unknown.length > 1 ? 's' : ''} ${shown.join(', ')}; known: ${KNOWN.join(', ')}.`,
    );
  }
  const mode = single(params, 'mode');
  if (mode !== undefined && mode !== 'ro' && mode !== 'rw') {
    throw new ConfigurationError('The SQLite URL parameter mode is "ro" (read-only) or "rw" (the default).');
  }
  const busy = single(params, 'busy_timeout');
  if (busy !== undefined && !/^\d{1,9}$/.test(busy)) {
    throw new ConfigurationError('The SQLite URL parameter busy_timeout is a number of milliseconds.');
  }
  return { readOnly: mode === 'ro', busyTimeoutMs: busy === undefined ? undefined : Number(busy) };
}

/**
 * `sqlite:./data/app.db` and `file:data/app.db` are relative to the working directory;
 * `sqlite:///var/lib/app.db` is absolute; `sqlite::memory:` is an in-memory database. Parameters:
 * `mode=ro` (read-only) and `busy_timeout=<ms>`; any other is refused, naming the known ones.
 */
export function parseSqliteUrl(url: string): SqliteLocation {
  const match = /^(sqlite|file):(.*)$/i.exec(url);
  const rest = match?.[2];
  if (rest === undefined) throw new ConfigurationError(`Not a SQLite URL: "${redactUrl(url)}".`);
  const cut = rest.indexOf('?');
  let location = cut === -1 ? rest : rest.slice(0, cut);
  const parameters = readParameters(cut === -1 ? '' : rest.slice(cut + 1));
  if (location === ':memory:' || location === '//:memory:') {
    if (parameters.readOnly)
      throw new ConfigurationError('An in-memory SQLite database cannot be read-only.');
    return { filename: ':memory:', memory: true, ...parameters };
  }
  if (location.startsWith('//')) location = location.slice(2);
  const path = decodeURIComponent(location);
  if (path === '') throw new ConfigurationError(`The SQLite URL "${redactUrl(url)}" names no file.`);
  return { filename: isAbsolute(path) ? path : resolve(process.cwd(), path), memory: false, ...parameters };
}

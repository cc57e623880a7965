import { isAbsolute, resolve } from 'node:path';
import { ConfigurationError, redactUrl } from '@switchyard/core/adapter';

export interface SqliteLocation {
  /** Absolute file path, or `:memory:`. */
  readonly filename: string;
  readonly memory: boolean;
}

/**
 * `sqlite:./data/app.db` and `file:data/app.db` are relative to the working directory;
 * `sqlite:///var/lib/app.db` is absolute; `sqlite::memory:` is an in-memory database.
 */
export function parseSqliteUrl(url: string): SqliteLocation {
  const match = /^(sqlite|file):(.*)$/i.exec(url);
  let rest = match?.[2];
  if (rest === undefined) throw new ConfigurationError(`Not a SQLite URL: "${redactUrl(url)}".`);
  const [location = '', query = ''] = rest.split('?');
  const parameters = [...new Set(new URLSearchParams(query).keys())];
  if (parameters.length > 0) {
    // Refused rather than silently ignored: a setting the user believes applied must apply.
    throw new ConfigurationError(
      `SQLite URLs take no parameters (${parameters.map((p) => `"${p}"`).join(', ')} given); use openStore({ adapterOptions }).`,
    );
  }
  rest = location;
  if (rest === ':memory:' || rest === '//:memory:') return { filename: ':memory:', memory: true };
  if (rest.startsWith('//')) rest = rest.slice(2);
  const path = decodeURIComponent(rest);
  if (path === '') throw new ConfigurationError(`The SQLite URL "${redactUrl(url)}" names no file.`);
  return { filename: isAbsolute(path) ? path : resolve(process.cwd(), path), memory: false };
}

import { ConfigurationError, redactUrl } from '@switchyard/core/adapter';

/**
 * Checks a `postgres:`/`postgresql:` URL: host, port, user, password and database. Its query
 * parameters are checked by core's `readServerOptions` (unknown ones are refused).
 */
export function checkPostgresUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigurationError(`Invalid PostgreSQL URL "${redactUrl(url)}".`);
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    throw new ConfigurationError(`Not a PostgreSQL URL: "${redactUrl(url)}".`);
  }
  if (parsed.hash) {
    throw new ConfigurationError(`The PostgreSQL URL "${redactUrl(url)}" must not have a #fragment.`);
  }
  let database: string;
  try {
    for (const part of [parsed.username, parsed.password, parsed.hostname]) decodeURIComponent(part);
    database = decodeURIComponent(parsed.pathname).replace(/^\//, '');
  } catch {
    throw new ConfigurationError(`The PostgreSQL URL "${redactUrl(url)}" has a malformed %-escape.`);
  }
  if (database === '') {
    throw new ConfigurationError(
      `The PostgreSQL URL "${redactUrl(url)}" names no database; add it as the path (postgres://user@host:5432/dbname).`,
    );
  }
  return parsed;
}

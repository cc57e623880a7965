import { ConfigurationError, redactUrl } from '@switchyard/core/adapter';

/**
 * Checks a `postgres:`/`postgresql:` URL. Only host, port, user, password and database are read;
 * query parameters (`?sslmode=…`, `?options=…`) are refused rather than silently ignored, until
 * they are supported.
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
  const parameters = [...new Set(parsed.searchParams.keys())];
  if (parameters.length > 0) {
    const names = parameters.map((p) => `"${p}"`).join(', ');
    throw new ConfigurationError(
      `The PostgreSQL URL "${redactUrl(url)}" has the query parameter${parameters.length > 1 ? 's' : ''} ${names}; URL parameters are not supported yet. Remove ${parameters.length > 1 ? 'them' : 'it'}.`,
    );
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

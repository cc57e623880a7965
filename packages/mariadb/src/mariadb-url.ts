import { ConfigurationError, redactUrl } from '@switchyard/core/adapter';

/** What the adapter reads from a `mariadb:`/`mysql:` URL. */
export interface MariadbLocation {
  /** Host name or IP address (an IPv6 address without its brackets). */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

export const DEFAULT_PORT = 3306;

/**
 * Checks a `mariadb:`/`mysql:` URL and returns its parts: host, port, user, password and
 * database. Its query parameters are checked by core's `readServerOptions` (unknown ones are
 * refused). Messages show the URL only through `redactUrl`.
 */
export function parseMariadbUrl(url: string): MariadbLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigurationError(`Invalid MariaDB URL "${redactUrl(url)}".`);
  }
  const scheme = parsed.protocol.replace(/:$/, '').toLowerCase();
  if (scheme !== 'mariadb' && scheme !== 'mysql') {
    throw new ConfigurationError(`Not a MariaDB URL: "${redactUrl(url)}".`);
  }
  if (parsed.hash) {
    throw new ConfigurationError(`The MariaDB URL "${redactUrl(url)}" must not have a #fragment.`);
  }
  let user: string;
  let password: string;
  let database: string;
  try {
    user = decodeURIComponent(parsed.username);
    password = decodeURIComponent(parsed.password);
    database = decodeURIComponent(parsed.pathname).replace(/^\//, '');
  } catch {
    throw new ConfigurationError(`The MariaDB URL "${redactUrl(url)}" has a malformed %-escape.`);
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') {
    throw new ConfigurationError(
      `The MariaDB URL "${redactUrl(url)}" names no host (mariadb://user@host:3306/dbname).`,
    );
  }
  if (database === '' || database.includes('/')) {
    throw new ConfigurationError(
      `The MariaDB URL "${redactUrl(url)}" must name one database as its path (mariadb://user@host:3306/dbname).`,
    );
  }
  return {
    host,
    port: parsed.port === '' ? DEFAULT_PORT : Number(parsed.port),
    user,
    password,
    database,
  };
}

/**
 * The URL MikroORM reads (`clientUrl`). MikroORM reads only host, port, user, password and path
 * from it, whatever the scheme; `mysql:` is used so no part of MikroORM ever has to know `mariadb:`.
 */
export function clientUrlOf(url: string): string {
  return url.replace(/^[a-z][a-z0-9+.-]*:/i, 'mysql:');
}

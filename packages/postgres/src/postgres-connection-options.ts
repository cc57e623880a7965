import type { ServerOptions } from '@switchyard/core/adapter';
import type { PoolConfig } from 'pg';

/**
 * The pg client settings of the URL's parameters. Every client of the pool — transactions, lock
 * sessions and bulk loads included — is made from them. `statement_timeout` and
 * `application_name` go in the startup packet, so they hold from the first statement and survive
 * `RESET ALL`.
 */
export function pgConnectionOptions(options: ServerOptions): PoolConfig {
  return {
    ssl: pgSsl(options.tls),
    ...(options.connectTimeoutSeconds === undefined
      ? {}
      : { connectionTimeoutMillis: options.connectTimeoutSeconds * 1000 }),
    ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
    ...(options.applicationName === undefined ? {} : { application_name: options.applicationName }),
  };
}

/**
 * `false` rather than nothing for `disable`, so the PGSSLMODE environment variable cannot turn on
 * what the URL says is off. Without `sslrootcert` the certificate is checked against Node's
 * built-in CAs. `verify-ca` checks the chain and skips the host name comparison.
 */
function pgSsl(tls: ServerOptions['tls']): PoolConfig['ssl'] {
  if (tls.mode === 'disable') return false;
  const material = {
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
  };
  if (tls.mode === 'require') return { ...material, rejectUnauthorized: false };
  if (tls.mode === 'verify-ca')
    return { ...material, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return { ...material, rejectUnauthorized: true };
}

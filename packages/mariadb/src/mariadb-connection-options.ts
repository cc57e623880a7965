import type { ServerOptions } from '@switchyard/core/adapter';
import type { PoolOptions } from 'mysql2';

/**
 * The mysql2 settings of the URL's parameters, for every connection of the pool (transactions and
 * lock sessions included). `statement_timeout` is not here: it is a session variable, set with
 * the other session statements (see `sessionStatements`).
 */
export function mysqlConnectionOptions(options: ServerOptions): PoolOptions {
  return {
    ...(options.tls.mode === 'disable' ? {} : { ssl: mysqlSsl(options.tls) }),
    ...(options.connectTimeoutSeconds === undefined
      ? {}
      : { connectTimeout: options.connectTimeoutSeconds * 1000 }),
    // The server lists it in performance_schema.session_connect_attrs (when performance_schema is on).
    ...(options.applicationName === undefined
      ? {}
      : { connectAttributes: { program_name: options.applicationName } }),
  };
}

/**
 * Without `sslrootcert` the certificate is checked against Node's built-in CAs. `verify-ca`
 * checks the chain only; `verify-full` also compares the host name (`verifyIdentity`).
 */
function mysqlSsl(tls: ServerOptions['tls']): PoolOptions['ssl'] {
  const checked = tls.mode === 'verify-ca' || tls.mode === 'verify-full';
  return {
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    rejectUnauthorized: checked,
    verifyIdentity: tls.mode === 'verify-full',
  };
}

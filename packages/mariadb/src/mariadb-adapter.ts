import type { MikroORM, Options } from '@mikro-orm/core';
import { MariaDbDriver, type MySqlConnection } from '@mikro-orm/mariadb';
import { type Adapter, readServerOptions, serverLockStorage } from '@switchyard/core/adapter';
import type { PoolOptions } from 'mysql2';
import { mariadbAppendOnly } from './mariadb-append-only.ts';
import { mariadbCodec } from './mariadb-codec.ts';
import { prepareMariadbColumn } from './mariadb-columns.ts';
import { mysqlConnectionOptions } from './mariadb-connection-options.ts';
import { diagnoseMariadb } from './mariadb-diagnose.ts';
import { BINARY_COLLATION, mariadbDialect } from './mariadb-dialect.ts';
import { MariadbStoreDriver } from './mariadb-driver.ts';
import { classifyMariadbError } from './mariadb-errors.ts';
import { mariadbSearch } from './mariadb-search.ts';
import { configureConnection, sessionStatements } from './mariadb-session.ts';
import { clientUrlOf, parseMariadbUrl } from './mariadb-url.ts';

/**
 * Pool-wide mysql2 options: decimals as strings, datetimes as strings (read as UTC by the codec,
 * never shifted by the process time zone), JSON as text, and FOUND_ROWS so `affectedRows` counts
 * matched rows. The handshake collation is binary; the session statements then switch to the NO
 * PAD one (its id does not fit the handshake). `bigNumberStrings` is set per query by the driver
 * (see `QUERY_OPTIONS`) and not here: MikroORM's schema introspection reads BIGINT columns of
 * information_schema (`NON_UNIQUE`) as numbers, and with strings it sees every primary key and
 * unique index as changed, so `migrate()` would rebuild them every time.
 */
const driverOptions: PoolOptions = {
  supportBigNumbers: true,
  decimalNumbers: false,
  dateStrings: true,
  jsonStrings: true,
  charset: 'UTF8MB4_BIN',
  timezone: 'Z',
  flags: ['FOUND_ROWS'],
  multipleStatements: false,
};

export const mariadbAdapter: Adapter = {
  name: 'mariadb',
  kind: 'server',
  schemes: ['mariadb', 'mysql'],
  offlineUrl: 'mariadb://switchyard@localhost/switchyard_offline',
  capabilities: {},
  dialect: mariadbDialect,
  codec: mariadbCodec,
  prepareColumn: prepareMariadbColumn,
  search: mariadbSearch,
  appendOnly: mariadbAppendOnly,
  locks: serverLockStorage,
  // DDL commits the transaction around it: core runs a migration step by step and records each.
  transactionalDdl: false,
  diagnose: diagnoseMariadb,
  ormOptions(context): Partial<Options> {
    const location = parseMariadbUrl(context.url);
    const server = readServerOptions(context, 'MariaDB');
    return {
      driver: MariaDbDriver,
      clientUrl: clientUrlOf(context.url),
      host: location.host,
      port: location.port,
      ...(location.user ? { user: location.user } : {}),
      ...(location.password ? { password: location.password } : {}),
      dbName: location.database,
      pool: {
        min: 0,
        max: server.poolMax,
        // MikroORM passes it to mysql2 as `idleTimeout`, with `maxIdle` 0 so idle connections close.
        ...(server.idleTimeoutMs === undefined ? {} : { idleTimeoutMillis: server.idleTimeoutMs }),
      },
      // MikroORM writes `set names <charset>` before schema changes (on whichever pooled connection
      // runs it) and `default character set <charset> collate <collate>` after each CREATE TABLE:
      // carrying the collation in `charset` keeps both in the binary collation.
      charset: `utf8mb4 collate ${BINARY_COLLATION}`,
      timezone: '+00:00',
      forceUtcTimezone: true,
      // A database missing from the server is a configuration error, not something to create.
      ensureDatabase: false,
      // MikroORM would drop the append-only guard's triggers as triggers the entities do not
      // declare: Switchyard manages them itself.
      schemaGenerator: { ignoreTriggers: true },
      driverOptions: { ...driverOptions, ...mysqlConnectionOptions(server) },
    } as Partial<Options>;
  },
  async createDriver(orm: MikroORM, context) {
    const connection = orm.em.getConnection() as unknown as MySqlConnection;
    // Creates the pool (no connection is opened before this: `ensureDatabase` is off), so the
    // listener sees every connection the pool ever opens, MikroORM's own included.
    const pool = await connection.getNativeClient();
    const { poolMax, poolTimeoutMs, tls, statementTimeoutMs, applicationName } = readServerOptions(
      context,
      'MariaDB',
    );
    const statements = sessionStatements(statementTimeoutMs);
    pool.on('connection', (connection) => configureConnection(connection, statements));
    return new MariadbStoreDriver(pool, { poolMax, poolTimeoutMs, sslMode: tls.mode, applicationName });
  },
  classifyError: (error) => classifyMariadbError(error),
};

/** The name `openStore` looks for when it loads this package by URL scheme. */
export const adapter = mariadbAdapter;

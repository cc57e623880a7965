import type { MikroORM, Options } from '@mikro-orm/core';
import { type PostgreSqlConnection, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { type Adapter, readServerOptions, serverLockStorage } from '@switchyard/core/adapter';
import { postgresAppendOnly } from './postgres-append-only.ts';
import { postgresCodec } from './postgres-codec.ts';
import { preparePostgresColumn } from './postgres-columns.ts';
import { pgConnectionOptions } from './postgres-connection-options.ts';
import { diagnosePostgres } from './postgres-diagnose.ts';
import { postgresDialect } from './postgres-dialect.ts';
import { PostgresStoreDriver } from './postgres-driver.ts';
import { classifyPostgresError } from './postgres-errors.ts';
import { postgresSearch } from './postgres-search.ts';
import { postgresTenantPolicy } from './postgres-tenant-policy.ts';
import { checkPostgresUrl } from './postgres-url.ts';

/**
 * Session settings every connection starts with (sent in the startup packet, so they hold before
 * the first statement and survive `RESET ALL`): UTC, ISO dates and shortest-exact float output.
 */
export const SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO,MDY -c extra_float_digits=1';

export const postgresAdapter: Adapter = {
  name: 'postgres',
  kind: 'server',
  schemes: ['postgres', 'postgresql'],
  offlineUrl: 'postgres://switchyard@localhost/switchyard_offline',
  capabilities: {},
  dialect: postgresDialect,
  codec: postgresCodec,
  prepareColumn: preparePostgresColumn,
  search: postgresSearch,
  appendOnly: postgresAppendOnly,
  tenantPolicy: postgresTenantPolicy,
  locks: serverLockStorage,
  transactionalDdl: true,
  diagnose: diagnosePostgres,
  ormOptions(context): Partial<Options> {
    checkPostgresUrl(context.url);
    const server = readServerOptions(context, 'PostgreSQL');
    return {
      driver: PostgreSqlDriver,
      clientUrl: context.url,
      pool: {
        min: 0,
        max: server.poolMax,
        ...(server.idleTimeoutMs === undefined ? {} : { idleTimeoutMillis: server.idleTimeoutMs }),
      },
      driverOptions: { ...pgConnectionOptions(server), options: SESSION_OPTIONS },
      // A mistyped database name must fail (3D000), not create a new empty database.
      ensureDatabase: false,
      // MikroORM would drop the append-only guard's triggers as triggers the entities do not
      // declare: Switchyard manages them (and their functions) itself.
      schemaGenerator: { ignoreTriggers: true },
    };
  },
  async createDriver(orm: MikroORM, context) {
    const connection = orm.em.getConnection() as unknown as PostgreSqlConnection;
    const pool = await connection.getNativeClient();
    const { poolMax, poolTimeoutMs, tls } = readServerOptions(context, 'PostgreSQL');
    return new PostgresStoreDriver(pool, { poolMax, poolTimeoutMs, sslMode: tls.mode });
  },
  classifyError: (error, context) => classifyPostgresError(error, context.url),
};

/** The name `openStore` looks for when it loads this package by URL scheme. */
export const adapter = postgresAdapter;

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MikroORM } from '@mikro-orm/core';
import { type SqliteConnection, SqliteDriver } from '@mikro-orm/sqlite';
import { type Adapter, type AdapterOpenContext, ConfigurationError } from '@switchyard/core/adapter';
import { sqliteAppendOnly } from './sqlite-append-only.ts';
import { sqliteCodec } from './sqlite-codec.ts';
import { prepareSqliteColumn } from './sqlite-columns.ts';
import { diagnoseSqlite } from './sqlite-diagnose.ts';
import { sqliteDialect } from './sqlite-dialect.ts';
import { SqliteStoreDriver } from './sqlite-driver.ts';
import { classifySqliteError } from './sqlite-errors.ts';
import { sqliteLockStorage } from './sqlite-lock-lease.ts';
import { FTS_TABLES, sqliteSearch } from './sqlite-search.ts';
import { parseSqliteUrl, type SqliteLocation } from './sqlite-url.ts';

/** Options accepted in `openStore({ adapterOptions })`. */
export interface SqliteAdapterOptions {
  /** Milliseconds a writer waits for another process's write lock. Default 5000. */
  busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** `?busy_timeout=` or `adapterOptions.busyTimeoutMs` (they must agree when both are given). */
function busyTimeout(context: AdapterOpenContext, location: SqliteLocation): number {
  const option = (context.options as SqliteAdapterOptions).busyTimeoutMs;
  if (option !== undefined && (!Number.isInteger(option) || option < 0)) {
    throw new ConfigurationError('adapterOptions.busyTimeoutMs must be a non-negative integer.');
  }
  const fromUrl = location.busyTimeoutMs;
  if (option !== undefined && fromUrl !== undefined && option !== fromUrl) {
    throw new ConfigurationError(
      `busy_timeout=${fromUrl} in the URL and adapterOptions.busyTimeoutMs=${option} disagree; give one of them.`,
    );
  }
  return fromUrl ?? option ?? DEFAULT_BUSY_TIMEOUT_MS;
}

export const sqliteAdapter: Adapter = {
  name: 'sqlite',
  kind: 'embedded',
  schemes: ['sqlite', 'file'],
  offlineUrl: 'sqlite::memory:',
  capabilities: {},
  dialect: sqliteDialect,
  codec: sqliteCodec,
  prepareColumn: prepareSqliteColumn,
  search: sqliteSearch,
  appendOnly: sqliteAppendOnly,
  locks: sqliteLockStorage,
  transactionalDdl: true,
  diagnose: diagnoseSqlite,
  ormOptions(context) {
    const location = parseSqliteUrl(context.url);
    busyTimeout(context, location);
    if (!location.memory && !location.readOnly) {
      try {
        mkdirSync(dirname(location.filename), { recursive: true });
      } catch (cause) {
        // A parent that is a regular file, no permission, a read-only file system, …
        const message = `The folder of the SQLite database ${location.filename} cannot be created.`;
        throw new ConfigurationError(message, { cause });
      }
    }
    return {
      driver: SqliteDriver,
      dbName: location.filename,
      // Read-only: opening must neither create the file nor change it (not even its journal mode).
      ...(location.readOnly ? { driverOptions: { readonly: true, fileMustExist: true } } : {}),
      // MikroORM would drop the append-only guard's triggers (and the search index's) as triggers
      // the entities do not declare: Switchyard manages them itself.
      schemaGenerator: { skipTables: [FTS_TABLES], ignoreTriggers: true },
    };
  },
  async createDriver(orm: MikroORM, context) {
    const connection = orm.em.getConnection() as unknown as SqliteConnection;
    const db = await connection.getNativeClient();
    const location = parseSqliteUrl(context.url);
    return new SqliteStoreDriver(db, {
      busyTimeoutMs: busyTimeout(context, location),
      memory: location.memory,
      readOnly: location.readOnly,
    });
  },
  classifyError: (error) => classifySqliteError(error),
};

/** The name `openStore` looks for when it loads this package by URL scheme. */
export const adapter = sqliteAdapter;

import type { MikroORM } from '@mikro-orm/core';
import type { Adapter, AdapterOpenContext, Driver } from '../adapter-api.ts';
import { resolveCapabilities } from '../capabilities.ts';
import { ConfigurationError, SwitchyardError, UnsupportedFeatureError } from '../errors.ts';
import { loadMigrationSource } from '../migrations/migration-files.ts';
import type { MigrationSource } from '../migrations/migration-types.ts';
import { raw } from '../sql/sql-fragment.ts';
import { loadAdapter } from './adapter-loader.ts';
import { parseDatabaseUrl, redactUrl } from './database-url.ts';
import { initOrm } from './orm-setup.ts';
import { defaultRetry, resolveRetry } from './retry-policy.ts';
import { Executor } from './session.ts';
import { StoreImpl } from './store-impl.ts';
import type { AnyEntitySchema, RetryOptions, Store } from './store-types.ts';

/** The database used when neither `url` nor `DATABASE_URL` is given: a SQLite file in the working directory. */
export const DEFAULT_DATABASE_URL = 'sqlite:./switchyard.sqlite';

export interface OpenStoreOptions {
  /** Database URL. Default: `DATABASE_URL`, else {@link DEFAULT_DATABASE_URL}. */
  url?: string;
  /** Every entity of the application, defined with `defineEntity`. */
  schema: readonly AnyEntitySchema[];
  /** Use this adapter instead of choosing one from the URL scheme. */
  adapter?: Adapter;
  /** Adapter-specific options (see each adapter's README). */
  adapterOptions?: Record<string, unknown>;
  /**
   * Refuse embedded databases (SQLite): for deployments whose replicas must share one server.
   * Also enabled by the environment variable `SWITCHYARD_REQUIRE_SERVER=1`.
   */
  requireServer?: boolean;
  /** Default retry policy of `store.transaction`. */
  retry?: RetryOptions;
  /**
   * The migration history: a directory of migration files (`switchyard migrate create`), or the
   * files already read. Without it, `store.migrate()` synchronises the schema directly (`push`).
   */
  migrations?: MigrationSource;
  /** How long `migrate()` waits for another process's migration lock. Default 10 minutes. */
  migrationLockTimeoutMs?: number;
}

const DEFAULT_MIGRATION_LOCK_TIMEOUT_MS = 10 * 60_000;

function lockTimeout(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MIGRATION_LOCK_TIMEOUT_MS;
  if (!Number.isFinite(value) || value < 0) {
    throw new ConfigurationError('migrationLockTimeoutMs must be a non-negative number of milliseconds.');
  }
  return value;
}

function envFlag(name: string): boolean {
  const v = process.env[name]?.trim().toLowerCase();
  return v === '1' || v === 'true' || v === 'yes';
}

/**
 * Opens a store: picks the adapter from the URL scheme, validates the schema, connects and checks
 * the connection with a real query. Every failure is a typed Switchyard error without passwords.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (!options || !Array.isArray(options.schema) || options.schema.length === 0) {
    throw new ConfigurationError('openStore needs a schema: openStore({ schema: [Note, …] }).');
  }
  const url = options.url ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const { scheme } = parseDatabaseUrl(url);
  const adapter = options.adapter ?? (await loadAdapter(scheme));
  if (!adapter.schemes.includes(scheme)) {
    throw new ConfigurationError(`The ${adapter.name} adapter does not accept "${scheme}:" URLs.`);
  }
  if ((options.requireServer ?? envFlag('SWITCHYARD_REQUIRE_SERVER')) && adapter.kind === 'embedded') {
    throw new ConfigurationError(
      `This deployment requires a shared database server, but the URL "${redactUrl(url)}" is an embedded ${adapter.name} database.`,
    );
  }
  const migrationLockTimeoutMs = lockTimeout(options.migrationLockTimeoutMs);
  const context: AdapterOpenContext = { url, options: options.adapterOptions ?? {} };
  let orm: MikroORM | undefined;
  let driver: Driver | undefined;
  const probe = (error: unknown) =>
    error instanceof SwitchyardError ? error : adapter.classifyError(error, context);
  try {
    const migrations = await loadMigrationSource(options.migrations);
    const setup = await initOrm(adapter, context, options.schema);
    orm = setup.orm;
    const { schema, search, appendOnly, tenancy } = setup;
    const capabilities = resolveCapabilities({
      ...adapter.capabilities,
      search: Boolean(adapter.search) && (adapter.capabilities?.search ?? true),
      appendOnly: Boolean(adapter.appendOnly) && (adapter.capabilities?.appendOnly ?? true),
      locks: Boolean(adapter.locks) && (adapter.capabilities?.locks ?? true),
    });
    if (search.size > 0 && !capabilities.search) {
      const names = [...search.keys()].map((m) => m.name).join(', ');
      throw new UnsupportedFeatureError(
        'search',
        adapter.name,
        `the schema declares searchable entities (${names})`,
      );
    }
    if (appendOnly.size > 0 && !capabilities.appendOnly) {
      const names = [...appendOnly].map((m) => m.name).join(', ');
      throw new UnsupportedFeatureError(
        'appendOnly',
        adapter.name,
        `the schema declares append-only entities (${names})`,
      );
    }
    driver = await adapter.createDriver(orm, context);
    await new Executor(adapter, context, driver, false).query(raw('SELECT 1'));
    return new StoreImpl({
      adapter,
      context,
      orm,
      driver,
      schema,
      search,
      appendOnly,
      tenancy,
      capabilities,
      retry: resolveRetry(options.retry, defaultRetry),
      migrations,
      migrationLockTimeoutMs,
    });
  } catch (error) {
    await driver?.close().catch(() => undefined);
    await orm?.close(true).catch(() => undefined);
    throw probe(error);
  }
}

import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { ConfigurationError, openStore, type Store } from '@switchyard/core';
import { registerBuiltInAdapters } from './adapters.ts';
import type { LoadedConfig } from './config.ts';

/** The database of a command: `--url`, else `DATABASE_URL`, else the configuration's `url`. */
export function resolveDatabaseUrl(flag: string | undefined, config: LoadedConfig): string {
  const url = flag || process.env.DATABASE_URL || config.url;
  if (!url) {
    throw new ConfigurationError('no database: pass --url or set DATABASE_URL (or url in the configuration)');
  }
  return url;
}

export interface StoreAccessOptions {
  /**
   * False lets the command run on a project that has no migrations directory yet (the store then
   * has no history); otherwise that is a configuration error saying how to create the first one.
   */
  readonly requireHistory?: boolean;
}

/** Opens the store on the configuration's schema and migration history, runs `fn`, always closes. */
export async function withStore<T>(
  config: LoadedConfig,
  url: string,
  fn: (store: Store) => Promise<T>,
  options: StoreAccessOptions = {},
): Promise<T> {
  const hasHistory = existsSync(config.migrations);
  if (!hasHistory && options.requireHistory !== false) {
    const where = relative(process.cwd(), config.migrations) || config.migrations;
    throw new ConfigurationError(
      `no migrations directory ${where}: create the first migration with switchyard migrate create <name>`,
    );
  }
  registerBuiltInAdapters();
  const store = await openStore({
    url,
    schema: config.schema,
    ...(hasHistory ? { migrations: config.migrations } : {}),
  });
  let result: T;
  try {
    result = await fn(store);
  } catch (error) {
    // The command's failure is the one worth reporting, not a close that failed after it.
    await store.close().catch(() => undefined);
    throw error;
  }
  await store.close();
  return result;
}

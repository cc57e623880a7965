import { registerAdapter } from '@switchyard/core';
import type { Adapter } from '@switchyard/core/adapter';
import { adapter as mariadb } from '@switchyard/mariadb';
import { adapter as postgres } from '@switchyard/postgres';
import { adapter as sqlite } from '@switchyard/sqlite';

/** Every dialect a migration is generated and checked for, in the order they are reported. */
export const builtInAdapters: readonly Adapter[] = [sqlite, postgres, mariadb];

/**
 * Makes the CLI's own adapters the ones `openStore` uses. Left to itself, core would look for the
 * adapter package next to core or the working directory, where a strict installer (pnpm) may not
 * have put it even though the CLI depends on it.
 */
export function registerBuiltInAdapters(): void {
  for (const adapter of builtInAdapters) registerAdapter(adapter);
}

import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Adapter } from '../adapter-api.ts';
import { AdapterNotInstalledError, ConfigurationError } from '../errors.ts';

/** The built-in backends: URL scheme → the package that implements it. */
const builtIn: Readonly<Record<string, string>> = {
  sqlite: '@switchyard/sqlite',
  file: '@switchyard/sqlite',
  postgres: '@switchyard/postgres',
  postgresql: '@switchyard/postgres',
  mariadb: '@switchyard/mariadb',
  mysql: '@switchyard/mariadb',
};

const registered = new Map<string, Adapter>();

/** Makes an adapter (a third-party one, say) available to `openStore` by URL scheme. */
export function registerAdapter(adapter: Adapter): void {
  for (const scheme of adapter.schemes) registered.set(scheme.toLowerCase(), adapter);
}

function isAdapter(value: unknown): value is Adapter {
  return typeof value === 'object' && value !== null && 'dialect' in value && 'createDriver' in value;
}

async function importFromApplication(packageName: string): Promise<unknown> {
  try {
    return await import(packageName);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
  }
  // Core may live outside the application's node_modules tree (pnpm, linked workspaces): resolve
  // the adapter the way the application itself would.
  const resolved = createRequire(join(process.cwd(), 'package.json')).resolve(packageName);
  return import(pathToFileURL(resolved).href);
}

export async function loadAdapter(scheme: string): Promise<Adapter> {
  const own = registered.get(scheme);
  if (own) return own;
  const packageName = builtIn[scheme];
  if (!packageName) {
    const known = [...new Set([...Object.keys(builtIn), ...registered.keys()])]
      .map((s) => `${s}:`)
      .join(', ');
    throw new ConfigurationError(`Unknown database URL scheme "${scheme}:". Known schemes: ${known}.`);
  }
  let mod: unknown;
  try {
    mod = await importFromApplication(packageName);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    // Only the adapter itself missing means "install it"; a dependency of an installed adapter
    // missing is a broken installation, reported as it is.
    const message = cause instanceof Error ? cause.message : '';
    if (
      (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') &&
      message.includes(`'${packageName}'`)
    ) {
      throw new AdapterNotInstalledError(packageName, scheme, { cause });
    }
    throw new ConfigurationError(`Loading ${packageName} failed.`, { cause });
  }
  const adapter = (mod as { adapter?: unknown }).adapter;
  if (!isAdapter(adapter)) {
    throw new ConfigurationError(`${packageName} does not export an adapter named "adapter".`);
  }
  return adapter;
}

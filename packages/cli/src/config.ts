import { existsSync, statSync } from 'node:fs';
import { dirname, extname, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type AnyEntitySchema, ConfigurationError } from '@switchyard/core';

/** Looked for in the working directory, in this order. */
export const CONFIG_FILE_NAMES = [
  'switchyard.config.ts',
  'switchyard.config.mts',
  'switchyard.config.js',
  'switchyard.config.mjs',
] as const;

/** The configuration with every path made absolute. */
export interface LoadedConfig {
  readonly schema: readonly AnyEntitySchema[];
  /** The migrations directory. */
  readonly migrations: string;
  readonly url: string | undefined;
}

function findConfigFile(explicit: string | undefined, cwd: string): string {
  if (explicit !== undefined) {
    const file = resolve(cwd, explicit);
    if (!existsSync(file) || !statSync(file).isFile()) {
      throw new ConfigurationError(`configuration file ${explicit} not found`);
    }
    return file;
  }
  for (const name of CONFIG_FILE_NAMES) {
    const file = resolve(cwd, name);
    if (existsSync(file)) return file;
  }
  throw new ConfigurationError(
    `no switchyard.config.ts (.mts, .js, .mjs) in ${cwd}: create one (see switchyard --help) or pass --config <path>`,
  );
}

function typeScriptUnavailable(name: string): string {
  return `cannot load ${name}: Node.js ${process.version} does not run TypeScript by itself (Node 22.18 or newer strips types natively); upgrade Node, or write the configuration as switchyard.config.mjs`;
}

async function importConfig(file: string, name: string): Promise<unknown> {
  const typeScript = ['.ts', '.mts'].includes(extname(file));
  // Node 22.17 and older, or a Node started with --no-experimental-strip-types.
  if (typeScript && !process.features.typescript) throw new ConfigurationError(typeScriptUnavailable(name));
  try {
    return ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const detail = cause instanceof Error ? cause.message : String(cause);
    const message =
      typeScript && code === 'ERR_UNKNOWN_FILE_EXTENSION'
        ? typeScriptUnavailable(name)
        : code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX'
          ? `cannot load ${name}: Node.js strips types but cannot run enum, namespace or parameter properties: ${detail}`
          : `cannot load ${name}: ${detail}`;
    throw new ConfigurationError(message, { cause });
  }
}

function isEntitySchemaList(value: unknown): value is readonly AnyEntitySchema[] {
  return Array.isArray(value) && value.length > 0 && value.every((e) => typeof e === 'object' && e !== null);
}

/**
 * Finds and imports the configuration: `explicit` (a path from `--config`), else the first of
 * {@link CONFIG_FILE_NAMES} in `cwd`. A TypeScript file is imported by Node's own type stripping.
 */
export async function loadConfig(explicit: string | undefined, cwd = process.cwd()): Promise<LoadedConfig> {
  const file = findConfigFile(explicit, cwd);
  const name = relative(cwd, file) || file;
  const config = await importConfig(file, name);
  if (typeof config !== 'object' || config === null) {
    throw new ConfigurationError(
      `${name} has no default export: export default defineConfig({ schema, migrations })`,
    );
  }
  const { schema, migrations, url } = config as Record<string, unknown>;
  if (!isEntitySchemaList(schema)) {
    throw new ConfigurationError(`${name}: schema must be a non-empty list of entities (defineEntity)`);
  }
  if (migrations !== undefined && (typeof migrations !== 'string' || migrations === '')) {
    throw new ConfigurationError(`${name}: migrations must be a directory path`);
  }
  if (url !== undefined && typeof url !== 'string') {
    throw new ConfigurationError(`${name}: url must be a string`);
  }
  return {
    schema,
    migrations: resolve(dirname(file), migrations ?? 'migrations'),
    url: url || undefined,
  };
}

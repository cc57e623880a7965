import type { AdapterOpenContext } from '../adapter-api.ts';
import { ConfigurationError } from '../errors.ts';
import { redactUrl } from './database-url.ts';

/** The settings every server adapter reads, from the URL or from `adapterOptions`. */
export interface ServerOptions {
  /** Most connections the store's pool opens. */
  readonly poolMax: number;
}

/** URL query parameter → `adapterOptions` key, for every setting of {@link ServerOptions}. */
const settings = { pool_max: 'poolMax' } as const;
const DEFAULT_POOL_MAX = 10;

/** URL values are text; option values must already be numbers. */
function positiveInteger(value: unknown, where: string, fromText = false): number {
  const n = fromText && typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new ConfigurationError(`${where} must be a positive integer, not ${JSON.stringify(value)}.`);
  }
  return n;
}

/**
 * Reads the shared server settings from the URL (`?pool_max=5`) and from
 * `openStore({ adapterOptions: { poolMax: 5 } })`. A name that is not known is refused, naming
 * the known ones — never silently dropped — and one setting given both ways with different
 * values is refused. Messages name parameters, never values from the URL's credentials.
 */
export function readServerOptions(context: AdapterOpenContext, backend: string): ServerOptions {
  let params: URLSearchParams;
  try {
    params = new URL(context.url).searchParams;
  } catch {
    throw new ConfigurationError(`Invalid ${backend} URL "${redactUrl(context.url)}".`);
  }
  const unknownParams = [...new Set(params.keys())].filter((k) => !(k in settings));
  if (unknownParams.length > 0) {
    // A name that is not a plain identifier may be a mistyped password: never echo it.
    const shown = unknownParams.map((k) =>
      /^[A-Za-z0-9_.-]{1,64}$/.test(k) ? `"${k}"` : '(a malformed name)',
    );
    throw new ConfigurationError(
      `Unknown ${backend} URL parameter${unknownParams.length > 1 ? 's' : ''} ${shown.join(', ')}; known: ${Object.keys(settings).join(', ')}.`,
    );
  }
  const optionNames: readonly string[] = Object.values(settings);
  const unknownOptions = Object.keys(context.options).filter((k) => !optionNames.includes(k));
  if (unknownOptions.length > 0) {
    throw new ConfigurationError(
      `Unknown ${backend} adapter option${unknownOptions.length > 1 ? 's' : ''} ${unknownOptions.map((k) => `"${k}"`).join(', ')}; known: ${optionNames.join(', ')}.`,
    );
  }
  const fromUrl = params.getAll('pool_max');
  if (fromUrl.length > 1) throw new ConfigurationError(`The ${backend} URL gives pool_max more than once.`);
  const urlValue =
    fromUrl[0] === undefined ? undefined : positiveInteger(fromUrl[0], 'The URL parameter pool_max', true);
  const optionValue =
    context.options.poolMax === undefined
      ? undefined
      : positiveInteger(context.options.poolMax, 'adapterOptions.poolMax');
  if (urlValue !== undefined && optionValue !== undefined && urlValue !== optionValue) {
    throw new ConfigurationError(
      `pool_max=${urlValue} in the URL and adapterOptions.poolMax=${optionValue} disagree; give one of them.`,
    );
  }
  return { poolMax: urlValue ?? optionValue ?? DEFAULT_POOL_MAX };
}

import type { AdapterOpenContext } from '../adapter-api.ts';
import { ConfigurationError } from '../errors.ts';
import { redactUrl } from './database-url.ts';
import { readServerTls, type ServerTls } from './server-tls.ts';

/**
 * The settings every server adapter reads, from the URL or (`poolMax` only) from
 * `adapterOptions`, with the same names and units on every server. An absent optional setting
 * leaves the driver's or the server's own default in place.
 */
export interface ServerOptions {
  /** Most connections the store's pool opens (`pool_max`). */
  readonly poolMax: number;
  /**
   * Milliseconds a call waits for a free pooled connection when all `poolMax` are in use, then
   * fails with `PoolTimeoutError` (`pool_timeout`).
   */
  readonly poolTimeoutMs: number;
  /** Milliseconds an idle pooled connection is kept before it is closed (`idle_timeout`). */
  readonly idleTimeoutMs: number | undefined;
  /** Seconds to wait for a new connection before failing (`connect_timeout`, libpq's unit). */
  readonly connectTimeoutSeconds: number | undefined;
  /** Milliseconds after which the server cancels a statement (`statement_timeout`). */
  readonly statementTimeoutMs: number | undefined;
  /** The name the server shows for the store's connections (`application_name`). */
  readonly applicationName: string | undefined;
  /** Encryption of the connections (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`). */
  readonly tls: ServerTls;
}

/** Every URL query parameter a server adapter accepts. */
const urlParameters = [
  'pool_max',
  'pool_timeout',
  'idle_timeout',
  'connect_timeout',
  'statement_timeout',
  'application_name',
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
] as const;
type UrlParameter = (typeof urlParameters)[number];

/** The `adapterOptions` keys a server adapter accepts. */
const optionNames = ['poolMax'] as const;

const DEFAULT_POOL_MAX = 10;
/** Long enough for a burst to drain, short enough that an exhausted pool is reported, not hung on. */
const DEFAULT_POOL_TIMEOUT_MS = 30_000;
/** The largest timeout every driver takes (a signed 32-bit count of milliseconds). */
const MAX_MS = 2 ** 31 - 1;

/** Each URL parameter's value, refusing a parameter given more than once. */
function single(params: URLSearchParams, backend: string): Record<UrlParameter, string | undefined> {
  const values = {} as Record<UrlParameter, string | undefined>;
  for (const name of urlParameters) {
    const all = params.getAll(name);
    if (all.length > 1) throw new ConfigurationError(`The ${backend} URL gives ${name} more than once.`);
    values[name] = all[0];
  }
  return values;
}

/** A URL value as a whole number from 1 to `max`; the message never shows the value. */
function urlInteger(name: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new ConfigurationError(`The URL parameter ${name} must be a whole number from 1 to ${max}.`);
  }
  return n;
}

/** The server shows at most 63 bytes (PostgreSQL's NAMEDATALEN); printable ASCII shows the same everywhere. */
function applicationName(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^[\x20-\x7e]{1,63}$/.test(text)) {
    throw new ConfigurationError(
      'The URL parameter application_name must be 1 to 63 printable ASCII characters.',
    );
  }
  return text;
}

function unknownNames(names: readonly string[]): string {
  // A name that is not a plain identifier may be a mistyped password: never echo it.
  return names.map((k) => (/^[A-Za-z0-9_.-]{1,64}$/.test(k) ? `"${k}"` : '(a malformed name)')).join(', ');
}

/**
 * Reads the shared server settings from the URL (`?pool_max=5&sslmode=require`) and from
 * `openStore({ adapterOptions: { poolMax: 5 } })`, and reads the TLS files the URL names. A name
 * that is not known is refused, naming the known ones — never silently dropped; a parameter given
 * twice is refused; `pool_max` given both ways with different values is refused. Messages name
 * parameters (and file paths), never a URL value, a file's content or the URL's credentials.
 */
export function readServerOptions(context: AdapterOpenContext, backend: string): ServerOptions {
  let params: URLSearchParams;
  try {
    params = new URL(context.url).searchParams;
  } catch {
    throw new ConfigurationError(`Invalid ${backend} URL "${redactUrl(context.url)}".`);
  }
  const known: readonly string[] = urlParameters;
  const unknownParams = [...new Set(params.keys())].filter((k) => !known.includes(k));
  if (unknownParams.length > 0) {
    throw new ConfigurationError(
      `Unknown ${backend} URL parameter${unknownParams.length > 1 ? 's' : ''} ${unknownNames(unknownParams)}; known: ${urlParameters.join(', ')}.`,
    );
  }
  const knownOptions: readonly string[] = optionNames;
  const unknownOptions = Object.keys(context.options).filter((k) => !knownOptions.includes(k));
  if (unknownOptions.length > 0) {
    throw new ConfigurationError(
      `Unknown ${backend} adapter option${unknownOptions.length > 1 ? 's' : ''} ${unknownNames(unknownOptions)}; known: ${optionNames.join(', ')}.`,
    );
  }
  const url = single(params, backend);
  const urlPoolMax = urlInteger('pool_max', url.pool_max, Number.MAX_SAFE_INTEGER);
  const optionPoolMax = context.options.poolMax;
  if (
    optionPoolMax !== undefined &&
    (typeof optionPoolMax !== 'number' || !Number.isInteger(optionPoolMax) || optionPoolMax < 1)
  ) {
    throw new ConfigurationError(
      `adapterOptions.poolMax must be a positive integer, not ${JSON.stringify(optionPoolMax)}.`,
    );
  }
  if (urlPoolMax !== undefined && optionPoolMax !== undefined && urlPoolMax !== optionPoolMax) {
    throw new ConfigurationError(
      `pool_max=${urlPoolMax} in the URL and adapterOptions.poolMax=${optionPoolMax} disagree; give one of them.`,
    );
  }
  return {
    poolMax: urlPoolMax ?? optionPoolMax ?? DEFAULT_POOL_MAX,
    poolTimeoutMs: urlInteger('pool_timeout', url.pool_timeout, MAX_MS) ?? DEFAULT_POOL_TIMEOUT_MS,
    idleTimeoutMs: urlInteger('idle_timeout', url.idle_timeout, MAX_MS),
    connectTimeoutSeconds: urlInteger('connect_timeout', url.connect_timeout, Math.floor(MAX_MS / 1000)),
    statementTimeoutMs: urlInteger('statement_timeout', url.statement_timeout, MAX_MS),
    applicationName: applicationName(url.application_name),
    tls: readServerTls(backend, url),
  };
}

import { ConfigurationError } from '../errors.ts';

export interface ParsedUrl {
  /** Scheme without the colon, lower-case. */
  readonly scheme: string;
  readonly url: URL;
}

/**
 * Everything between `//` and the last `@` of the URL is taken as the user info — a password may
 * itself contain `/`, `?`, `#` or `@`, which a URL parser would read as the end of the authority —
 * so the password is whatever follows its first `:`. An `@` later in the path or query makes this
 * hide more than the password: over-redacting an odd URL is the safe failure.
 */
function redactUserInfo(url: string): string {
  // After the scheme, slashes (or a mistyped single one, or none) lead to the user info.
  const start = /^[a-z][a-z0-9+.-]*:[/\\]*/i.exec(url)?.[0].length ?? 0;
  const at = url.lastIndexOf('@');
  if (at < start) return url;
  const userInfo = url.slice(start, at);
  const colon = userInfo.indexOf(':');
  return colon < 0 ? url : `${url.slice(0, start)}${userInfo.slice(0, colon)}:***${url.slice(at)}`;
}

/** The URL with any password replaced by `***`: the only form of a URL that may be printed. */
export function redactUrl(url: string): string {
  const withoutPassword = redactUserInfo(url);
  const query = withoutPassword.indexOf('?');
  if (query < 0) return withoutPassword;
  const params = new URLSearchParams(withoutPassword.slice(query + 1).split('#')[0]);
  let changed = false;
  for (const key of [...params.keys()]) {
    if (/pass|secret|token|key/i.test(key)) {
      params.set(key, '***');
      changed = true;
    }
  }
  return changed
    ? `${withoutPassword.slice(0, query)}?${params.toString().replace(/%2A%2A%2A/g, '***')}`
    : withoutPassword;
}

/** Parses a database URL; a malformed one is a ConfigurationError that never echoes a password. */
export function parseDatabaseUrl(url: string): ParsedUrl {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  if (!match?.[1]) {
    throw new ConfigurationError(
      `Invalid database URL "${redactUrl(url)}": expected a scheme such as sqlite:, postgres: or mariadb:.`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new ConfigurationError(`Invalid database URL "${redactUrl(url)}".`, {
      cause: redactCause(cause, url),
    });
  }
  return { scheme: match[1].toLowerCase(), url: parsed };
}

function redactCause(cause: unknown, url: string): Error {
  const message = cause instanceof Error ? cause.message : String(cause);
  return new Error(message.split(url).join(redactUrl(url)));
}

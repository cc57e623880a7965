import { ConfigurationError } from '../errors.ts';

export interface ParsedUrl {
  /** Scheme without the colon, lower-case. */
  readonly scheme: string;
  readonly url: URL;
}

const credentials = /\/\/([^/@:]*):([^/@]*)@/;

/** The URL with any password replaced by `***`: the only form of a URL that may be printed. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(key)) parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    return url.replace(credentials, '//$1:***@');
  }
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

import {
  AuthenticationError,
  ConfigurationError,
  ConnectionError,
  certificateRefusal,
  DeadlockError,
  DriverError,
  ForeignKeyError,
  LockTimeoutError,
  NotNullError,
  SerializationError,
  StatementTimeoutError,
  type SwitchyardError,
  UniqueConstraintError,
  ValidationError,
} from '@switchyard/core/adapter';
import { appendOnlyRefusal } from './postgres-append-only.ts';

/** Node socket error codes that mean the server is unreachable or the connection broke. */
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);

/** pg's own messages for a connection that ended or never came up. */
const connectionMessages = [
  /Connection terminated/i,
  /Client has encountered a connection error/i,
  /Client was closed and is not queryable/i,
  /timeout expired/i,
  /Connection ended unexpectedly/i,
];

interface ErrorFields {
  readonly code: string | undefined;
  readonly message: string;
}

/**
 * The SQLSTATE (or socket code) of the error, looking through MikroORM's wrappers (`cause`) and
 * Node's AggregateError (one error per address tried).
 */
function fieldsOf(error: unknown, depth = 0): ErrorFields {
  const e = error as { code?: unknown; sqlState?: unknown; cause?: unknown; errors?: unknown } | null;
  const message = error instanceof Error ? error.message : String(error);
  if (e === null || typeof e !== 'object' || depth > 5) return { code: undefined, message };
  const code = typeof e.sqlState === 'string' ? e.sqlState : typeof e.code === 'string' ? e.code : undefined;
  if (code && (/^[0-9A-Z]{5}$/.test(code) || socketCodes.has(code))) return { code, message };
  if (Array.isArray(e.errors) && e.errors.length > 0) {
    const inner = fieldsOf(e.errors[0], depth + 1);
    if (inner.code) return { code: inner.code, message };
  }
  if (e.cause !== undefined) {
    const inner = fieldsOf(e.cause, depth + 1);
    if (inner.code) return inner;
  }
  return { code, message };
}

/** True when the connection that raised this error cannot be used again. */
export function isConnectionFault(error: unknown): boolean {
  const { code, message } = fieldsOf(error);
  if (code !== undefined) {
    return socketCodes.has(code) || code.startsWith('08') || /^57P0[1-3]$/.test(code);
  }
  return connectionMessages.some((pattern) => pattern.test(message));
}

/** Removes every occurrence of `secret` (and its URL-encoded form) from `text`. */
export function scrub(text: string, secret: string | undefined): string {
  // Very short passwords would mangle ordinary words and protect nothing.
  if (!secret || secret.length < 3) return text;
  let out = text;
  for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('***');
  return out;
}

/** The URL's password, decoded, or undefined. */
export function passwordOf(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/** Maps node-postgres errors (SQLSTATE codes, socket errors) onto the Switchyard hierarchy. */
export function classifyPostgresError(error: unknown, url = ''): SwitchyardError {
  const { code, message: raw } = fieldsOf(error);
  const message = scrub(raw, passwordOf(url));
  const options = { cause: error };
  const refusal = appendOnlyRefusal(error, code, message) ?? certificateRefusal(error, 'PostgreSQL');
  if (refusal) return refusal;
  // pg's own message (no code) when the URL asks for TLS and the server answered the SSLRequest with no.
  if (/server does not support SSL/i.test(message)) {
    return new ConfigurationError(
      `PostgreSQL does not accept TLS connections, and the URL's sslmode asks for one: turn on ssl on the server, or connect with sslmode=disable. (${message})`,
      options,
    );
  }
  switch (code) {
    case '23505':
      return new UniqueConstraintError(`Unique constraint violated: ${message}`, options);
    case '23503':
      return new ForeignKeyError(`Foreign key constraint violated: ${message}`, options);
    case '23502':
      return new NotNullError(`Not-null constraint violated: ${message}`, options);
    case '23514':
      return new ValidationError(`Check constraint violated: ${message}`, options);
    case '25006':
      return new ValidationError(`Write refused in a read-only transaction: ${message}`, options);
    case '40001':
      return new SerializationError(`Serialization failure, retry the transaction: ${message}`, options);
    case '40P01':
      return new DeadlockError(`Deadlock detected, retry the transaction: ${message}`, options);
    case '55P03':
      return new LockTimeoutError(`Lock not available: ${message}`, options);
    case '28P01':
    case '28000':
      return new AuthenticationError(`PostgreSQL refused the credentials: ${message}`, options);
    case '3D000':
      return new ConfigurationError(`The database does not exist: ${message}`, options);
    case '57014':
      // query_canceled is also a cancel request (pg_cancel_backend, an aborted query): only the
      // statement_timeout one is a timeout.
      if (/statement timeout/i.test(message)) {
        return new StatementTimeoutError(
          `PostgreSQL cancelled the statement after statement_timeout: ${message}`,
          options,
        );
      }
      break;
    case '53300':
      return new ConnectionError(`PostgreSQL has no free connection slot: ${message}`, options);
  }
  if (code?.startsWith('22')) return new ValidationError(`Value refused by PostgreSQL: ${message}`, options);
  if (isConnectionFault(error))
    return new ConnectionError(`PostgreSQL connection failed: ${message}`, options);
  return new DriverError(message, options);
}

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
import { appendOnlyRefusal } from './mariadb-append-only.ts';

interface MysqlErrorFields {
  errno?: unknown;
  fatal?: unknown;
  code?: unknown;
  message?: unknown;
  sqlMessage?: unknown;
  cause?: unknown;
}

/** Server error numbers (`errno`) and their Switchyard class. */
const byErrno = new Map<number, (message: string, options: { cause: unknown }) => SwitchyardError>([
  [1062, (m, o) => new UniqueConstraintError(`Unique constraint violated: ${m}`, o)],
  [1586, (m, o) => new UniqueConstraintError(`Unique constraint violated: ${m}`, o)],
  [1451, (m, o) => new ForeignKeyError(`Foreign key constraint violated: ${m}`, o)],
  [1452, (m, o) => new ForeignKeyError(`Foreign key constraint violated: ${m}`, o)],
  [1216, (m, o) => new ForeignKeyError(`Foreign key constraint violated: ${m}`, o)],
  [1217, (m, o) => new ForeignKeyError(`Foreign key constraint violated: ${m}`, o)],
  [1048, (m, o) => new NotNullError(`Not-null constraint violated: ${m}`, o)],
  [1364, (m, o) => new NotNullError(`Not-null constraint violated: ${m}`, o)],
  // Too long, incorrect value, out of range, truncated, CHECK (json_valid) failed.
  [1406, (m, o) => new ValidationError(m, o)],
  [1366, (m, o) => new ValidationError(m, o)],
  [1264, (m, o) => new ValidationError(m, o)],
  [1265, (m, o) => new ValidationError(m, o)],
  [1292, (m, o) => new ValidationError(m, o)],
  [1690, (m, o) => new ValidationError(m, o)],
  [4025, (m, o) => new ValidationError(m, o)],
  // A write in a READ ONLY transaction.
  [1792, (m, o) => new ValidationError(`The transaction is read-only: ${m}`, o)],
  [1213, (m, o) => new DeadlockError(`Deadlock; the transaction was rolled back: ${m}`, o)],
  [1205, (m, o) => new LockTimeoutError(`Lock wait timeout: ${m}`, o)],
  // "Record has changed since last read": under innodb_snapshot_isolation (see mariadb-session.ts),
  // a REPEATABLE READ or SERIALIZABLE transaction wrote a row changed since its snapshot.
  [1020, (m, o) => new SerializationError(`Serialization failure, retry the transaction: ${m}`, o)],
  // max_statement_time (the URL's statement_timeout) exceeded.
  [
    1969,
    (m, o) => new StatementTimeoutError(`MariaDB cancelled the statement after statement_timeout: ${m}`, o),
  ],
  [1045, (m, o) => new AuthenticationError(`MariaDB refused the credentials: ${m}`, o)],
  [1698, (m, o) => new AuthenticationError(`MariaDB refused the credentials: ${m}`, o)],
  [1049, (m, o) => new ConfigurationError(`The database does not exist: ${m}`, o)],
  // Server gone away, lost connection, connection killed, shutting down.
  [2006, connectionLost],
  [2013, connectionLost],
  [1927, connectionLost],
  [1053, connectionLost],
  [4031, connectionLost],
]);

/** Client-side (Node.js and mysql2) error codes meaning the connection could not be made or broke. */
const connectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);

function connectionLost(message: string, options: { cause: unknown }): SwitchyardError {
  return new ConnectionError(`The connection to MariaDB failed: ${message}`, options);
}

/** The mysql2 error itself, or the one a MikroORM exception wraps. */
function driverFields(error: unknown): MysqlErrorFields {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const fields = current as MysqlErrorFields;
    const isDriverError =
      typeof fields.errno === 'number' ||
      fields.fatal === true ||
      (typeof fields.code === 'string' && connectionCodes.has(fields.code));
    if (isDriverError) {
      return fields;
    }
    current = fields.cause;
  }
  return (error ?? {}) as MysqlErrorFields;
}

/**
 * Maps mysql2 errors onto the Switchyard hierarchy by server error number, then by client error
 * code. mysql2 messages never contain the password (at most "using password: YES"); nothing here
 * prints the URL.
 */
export function classifyMariadbError(error: unknown): SwitchyardError {
  const fields = driverFields(error);
  const message =
    typeof fields.sqlMessage === 'string'
      ? fields.sqlMessage
      : error instanceof Error
        ? error.message
        : String(error);
  const options = { cause: error };
  const refusal = appendOnlyRefusal(fields.errno, message, error) ?? certificateRefusal(error, 'MariaDB');
  if (refusal) return refusal;
  if (fields.code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return new ConfigurationError(
      `MariaDB does not accept TLS connections, and the URL's sslmode asks for one: turn on TLS on the server, or connect with sslmode=disable. (${message})`,
      options,
    );
  }
  if (typeof fields.errno === 'number') {
    const make = byErrno.get(fields.errno);
    if (make) return make(message, options);
  }
  // mysql2 marks an error `fatal` when the connection it happened on is unusable.
  if ((typeof fields.code === 'string' && connectionCodes.has(fields.code)) || fields.fatal === true) {
    return connectionLost(message, options);
  }
  return new DriverError(message, options);
}

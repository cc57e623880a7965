import {
  BusyError,
  ConfigurationError,
  ConnectionError,
  DriverError,
  ForeignKeyError,
  NotNullError,
  type SwitchyardError,
  UniqueConstraintError,
  ValidationError,
} from '@switchyard/core/adapter';
import { appendOnlyRefusal } from './sqlite-append-only.ts';

/** Maps better-sqlite3's extended result codes onto the Switchyard hierarchy. */
export function classifySqliteError(error: unknown): SwitchyardError {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const options = { cause: error };
  const refusal = appendOnlyRefusal(error);
  if (refusal) return refusal;
  switch (code) {
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
      return new UniqueConstraintError(`Unique constraint violated: ${message}`, options);
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
      return new ForeignKeyError(`Foreign key constraint violated: ${message}`, options);
    case 'SQLITE_CONSTRAINT_NOTNULL':
      return new NotNullError(`Not-null constraint violated: ${message}`, options);
    // A write in a read-only transaction (`query_only`), like PostgreSQL 25006 and MariaDB 1792, or
    // to a file the process may not write. The extended SQLITE_READONLY_* codes stay DriverError.
    case 'SQLITE_READONLY':
      return new ValidationError(
        `Write refused: the transaction or the database is read-only: ${message}`,
        options,
      );
    case 'SQLITE_CONSTRAINT_CHECK':
    case 'SQLITE_TOOBIG':
    case 'SQLITE_MISMATCH':
      return new ValidationError(message, options);
    case 'SQLITE_BUSY':
    case 'SQLITE_BUSY_SNAPSHOT':
    case 'SQLITE_BUSY_RECOVERY':
    case 'SQLITE_BUSY_TIMEOUT':
    case 'SQLITE_LOCKED':
    case 'SQLITE_LOCKED_SHAREDCACHE':
      return new BusyError(`The database is busy: ${message}`, options);
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_CANTOPEN_ISDIR':
    case 'SQLITE_CANTOPEN_NOTEMPDIR':
    case 'SQLITE_NOTADB':
      return new ConfigurationError(`The SQLite database cannot be opened: ${message}`, options);
    case 'SQLITE_IOERR':
    case 'SQLITE_FULL':
      return new ConnectionError(`SQLite I/O error: ${message}`, options);
    default:
      if (typeof code === 'string' && code.startsWith('SQLITE_IOERR')) {
        return new ConnectionError(`SQLite I/O error: ${message}`, options);
      }
      return new DriverError(message, options);
  }
}

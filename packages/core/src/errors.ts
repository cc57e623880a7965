/**
 * The one error hierarchy of Switchyard. Every backend throws the same class for the same fault;
 * the driver's own error is kept as `cause`. `code` is stable and safe to switch on.
 *
 * Messages MUST NOT contain a password, token or private key taken from a URL or an option.
 */
export type ErrorCode =
  | 'CONFIGURATION'
  | 'ADAPTER_NOT_INSTALLED'
  | 'SCHEMA_INVALID'
  | 'VALIDATION'
  | 'NOT_NULL_VIOLATION'
  | 'UNIQUE_VIOLATION'
  | 'FOREIGN_KEY_VIOLATION'
  | 'NOT_FOUND'
  | 'VERSION_CONFLICT'
  | 'DEADLOCK'
  | 'SERIALIZATION_FAILURE'
  | 'LOCK_TIMEOUT'
  | 'POOL_TIMEOUT'
  | 'STATEMENT_TIMEOUT'
  | 'LOCK_LOST'
  | 'BUSY'
  | 'CONNECTION'
  | 'AUTHENTICATION'
  | 'UNSUPPORTED_FEATURE'
  | 'STORE_CLOSED'
  | 'TRANSACTION_ABORTED'
  | 'TRANSACTION_ENDED'
  | 'COMMIT_OUTCOME_UNKNOWN'
  | 'APPEND_ONLY'
  | 'TENANT_SCOPE'
  | 'TRANSFER_REFUSED'
  | 'MIGRATION_FAILED'
  | 'MIGRATION_HISTORY'
  | 'DRIVER';

export interface SwitchyardErrorOptions {
  cause?: unknown;
  /** Entity the failing operation was about, when known. */
  entity?: string;
}

export class SwitchyardError extends Error {
  readonly code: ErrorCode = 'DRIVER';
  /** True when repeating the same operation (usually the whole transaction) may succeed. */
  readonly retryable: boolean = false;
  readonly entity: string | undefined;

  constructor(message: string, options: SwitchyardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.entity = options.entity;
  }
}

/** Invalid options or URL, unknown scheme, store opened twice, guard refusing SQLite, … */
export class ConfigurationError extends SwitchyardError {
  override readonly code: ErrorCode = 'CONFIGURATION';
}

/** The URL scheme names a backend whose adapter package is not installed. */
export class AdapterNotInstalledError extends ConfigurationError {
  override readonly code = 'ADAPTER_NOT_INSTALLED' as const;
  constructor(
    readonly packageName: string,
    scheme: string,
    options: SwitchyardErrorOptions = {},
  ) {
    super(
      `The "${scheme}:" URL scheme needs the ${packageName} adapter, which is not installed. Install it with: npm install ${packageName}`,
      options,
    );
  }
}

/** The schema definition uses something that does not behave the same on every backend. */
export class SchemaError extends SwitchyardError {
  override readonly code = 'SCHEMA_INVALID' as const;
}

/** A value or an option was refused before anything was written. */
export class ValidationError extends SwitchyardError {
  override readonly code: ErrorCode = 'VALIDATION';
  readonly property: string | undefined;
  constructor(message: string, options: SwitchyardErrorOptions & { property?: string } = {}) {
    super(message, options);
    this.property = options.property;
  }
}

/** A required (non-nullable) property was missing or null. */
export class NotNullError extends ValidationError {
  override readonly code = 'NOT_NULL_VIOLATION' as const;
}

/** A unique constraint (primary key included) refused the write. */
export class UniqueConstraintError extends SwitchyardError {
  override readonly code = 'UNIQUE_VIOLATION' as const;
}

/** A foreign key refused the write (missing parent, or a parent that still has children). */
export class ForeignKeyError extends SwitchyardError {
  override readonly code = 'FOREIGN_KEY_VIOLATION' as const;
}

/** The row the operation targets does not exist (or is outside the caller's scope). */
export class NotFoundError extends SwitchyardError {
  override readonly code = 'NOT_FOUND' as const;
}

/** Optimistic locking: the row's version is not the one the caller expected. */
export class VersionConflictError extends SwitchyardError {
  override readonly code = 'VERSION_CONFLICT' as const;
  constructor(
    message: string,
    readonly expectedVersion: number,
    readonly actualVersion: number | undefined,
    options: SwitchyardErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** A transient conflict: retrying the whole transaction may succeed. */
export class RetryableError extends SwitchyardError {
  override readonly retryable = true;
}

export class DeadlockError extends RetryableError {
  override readonly code = 'DEADLOCK' as const;
}

export class SerializationError extends RetryableError {
  override readonly code = 'SERIALIZATION_FAILURE' as const;
}

export class LockTimeoutError extends RetryableError {
  override readonly code = 'LOCK_TIMEOUT' as const;
}

/**
 * Every connection of the store's pool stayed in use for the URL's `pool_timeout`. Retryable: the
 * connections come back as the calls holding them finish.
 */
export class PoolTimeoutError extends RetryableError {
  override readonly code = 'POOL_TIMEOUT' as const;
}

/**
 * The server cancelled a statement that ran longer than the URL's `statement_timeout`. Not
 * retryable: the same statement would run as long again.
 */
export class StatementTimeoutError extends SwitchyardError {
  override readonly code = 'STATEMENT_TIMEOUT' as const;
}

/**
 * A lock of `store.locks` stopped being held before it was released: its connection failed, its
 * lease could not be renewed in time, or the store was closed. Another process may hold it now.
 * The reason of the lock's `signal`; not retryable (the work under the lock must be re-examined).
 */
export class LockLostError extends SwitchyardError {
  override readonly code = 'LOCK_LOST' as const;
}

/** SQLite's SQLITE_BUSY that outlived the busy timeout. */
export class BusyError extends RetryableError {
  override readonly code = 'BUSY' as const;
}

/** The server could not be reached, or the connection broke. Retryable: the pool reconnects. */
export class ConnectionError extends SwitchyardError {
  override readonly code: ErrorCode = 'CONNECTION';
  override readonly retryable: boolean = true;
}

/** The server refused the credentials. Not retryable. */
export class AuthenticationError extends ConnectionError {
  override readonly code = 'AUTHENTICATION' as const;
  override readonly retryable = false;
}

/** The adapter declares the capability `false`. */
export class UnsupportedFeatureError extends SwitchyardError {
  override readonly code = 'UNSUPPORTED_FEATURE' as const;
  constructor(
    readonly capability: string,
    backend: string,
    detail = '',
  ) {
    super(`The ${backend} adapter does not support "${capability}"${detail ? `: ${detail}` : ''}.`);
  }
}

/** The store was closed; no further operation is accepted. */
export class StoreClosedError extends SwitchyardError {
  override readonly code = 'STORE_CLOSED' as const;
  constructor() {
    super('The store is closed.');
  }
}

/**
 * A statement inside the transaction failed, and the transaction went on. PostgreSQL refuses
 * everything after a failed statement while the others carry on; Switchyard refuses on every
 * backend, so code that works on one works on all. Catch failures inside a nested
 * `tx.transaction()` (a savepoint) to go on after them. `cause` is the first failure.
 */
export class TransactionAbortedError extends SwitchyardError {
  override readonly code = 'TRANSACTION_ABORTED' as const;
}

/**
 * A call made through a transaction that has already committed or rolled back — typically a
 * callback that outlived `store.transaction(fn)`. Nothing was run.
 */
export class TransactionEndedError extends SwitchyardError {
  override readonly code = 'TRANSACTION_ENDED' as const;
}

/**
 * The connection broke while COMMIT was in flight: the transaction may or may not have been
 * committed. Never retried automatically, because running the transaction again could apply it
 * twice; check the data (or make the transaction idempotent) before repeating it.
 */
export class CommitOutcomeUnknownError extends ConnectionError {
  override readonly code = 'COMMIT_OUTCOME_UNKNOWN' as const;
  override readonly retryable = false;
}

/**
 * An update or delete of an append-only entity: refused by the repository before anything ran, or
 * by the database's guard (raw SQL, any connection). Nothing was changed.
 */
export class AppendOnlyError extends SwitchyardError {
  override readonly code = 'APPEND_ONLY' as const;
}

/**
 * A tenant-scoped entity was used without a tenant context, or a write would have put a row in
 * another tenant (an insert naming another tenant, a patch changing the tenant). Nothing was
 * written. A `ValidationError`: the input was refused before anything ran.
 */
export class TenantScopeError extends ValidationError {
  override readonly code = 'TENANT_SCOPE' as const;
}

/**
 * A transfer refused to start: a bad option, the same database on both sides, a target that
 * already holds rows (without `truncate` or `resume`), a schema that differs from the definition
 * on either side, a target that refuses writes, or references that form a cycle. No row moved.
 */
export class TransferError extends SwitchyardError {
  override readonly code = 'TRANSFER_REFUSED' as const;
}

/**
 * A migration step failed. On backends with transactional DDL nothing of the migration remains;
 * elsewhere (MariaDB) the steps before `step` stay applied and are recorded, so a rerun resumes at
 * `step`. The driver's error is the `cause`.
 */
export class MigrationError extends SwitchyardError {
  override readonly code = 'MIGRATION_FAILED' as const;
  constructor(
    message: string,
    /** The migration's name. */
    readonly migration: string,
    /** 1-based number of the failing step, 0 when the failure came before any step. */
    readonly step: number,
    options: SwitchyardErrorOptions = {},
  ) {
    super(message, options);
  }
}

/**
 * The migration history and the migration files disagree (a file missing, changed after it was
 * applied, out of order, forked by two branches, a revert left part-way, a partial migration whose
 * file changed in its finished steps) or the files themselves are not valid.
 * Nothing was changed; the message says what to repair.
 */
export class MigrationHistoryError extends SwitchyardError {
  override readonly code = 'MIGRATION_HISTORY' as const;
}

/** A driver error that no other class describes. The driver error is the `cause`. */
export class DriverError extends SwitchyardError {
  override readonly code = 'DRIVER' as const;
}

export function isSwitchyardError(error: unknown): error is SwitchyardError {
  return error instanceof SwitchyardError;
}

/**
 * The adapter SPI: what a backend implements. Application code never imports this module; adapter
 * authors do (`@switchyard/core/adapter`), and prove their adapter with `@switchyard/conformance`.
 */
import type { MikroORM, Options } from '@mikro-orm/core';
import type { Capabilities } from './capabilities.ts';
import type { SwitchyardError } from './errors.ts';
import type { AppendOnlyDialect } from './schema/append-only-dialect.ts';
import type { ColumnPreparer } from './schema/schema-discovery.ts';
import type { SearchDialect } from './search/search-dialect.ts';
import type { SqlDialect } from './sql/sql-dialect.ts';
import type { ValueCodec } from './sql/value-codec.ts';

export { ServerLockSession } from './adapter-kit/server-lock-session.ts';
export type { Capabilities } from './capabilities.ts';
export { defaultCapabilities } from './capabilities.ts';
export * from './errors.ts';
export { foldCase } from './query/fold-case.ts';
export type { AppendOnlyDialect } from './schema/append-only-dialect.ts';
export type { PortableKind } from './schema/portable-kind.ts';
export type { ColumnPreparer } from './schema/schema-discovery.ts';
export { encodeDocument, MAX_DOCUMENT_TOKENS, MAX_TOKEN_OCCURRENCES } from './search/document-encoder.ts';
export { normalizeQuery } from './search/query-normalizer.ts';
export { parseQuery, type QueryItem, type QueryNode } from './search/query-parser.ts';
export type { SearchDialect, SearchFieldSpec, SearchIndexSpec } from './search/search-dialect.ts';
export {
  FILLER_TOKEN,
  positiveTerms,
  type SearchAnd,
  type SearchExpr,
  type SearchOr,
  type SearchTerm,
} from './search/search-expr.ts';
export { encodeToken, normalizeText, tokenize } from './search/text-normalizer.ts';
export { decodePlain, type PlainKind, parseSqlTimestamp } from './sql/codec-kit.ts';
export type { JsonPath, JsonScalarType, SortDirection, SqlDialect } from './sql/sql-dialect.ts';
export { type CompiledQuery, compile, ident, join, raw, Sql, sql } from './sql/sql-fragment.ts';
export type { ValueCodec } from './sql/value-codec.ts';
export { type ParsedUrl, parseDatabaseUrl, redactUrl } from './store/database-url.ts';
export { readServerOptions, type ServerOptions } from './store/server-options.ts';

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

/** A row as the driver returns it: column name → driver value. */
export type DriverRow = Record<string, unknown>;

export interface ExecuteResult {
  /** Rows the statement matched (not only the rows whose values changed). */
  readonly affectedRows: number;
}

/** Something statements can run on: the pool, or one transaction's connection. */
export interface DriverSession {
  /** Runs a statement that returns rows. Rejects with the driver's own error. */
  query(sql: string, params: readonly unknown[]): Promise<DriverRow[]>;
  /** Runs a statement that returns no rows. */
  execute(sql: string, params: readonly unknown[]): Promise<ExecuteResult>;
}

/** The session `Driver.withLock` hands to its callback. */
export interface LockedSession extends DriverSession {
  /**
   * Runs `fn` as one atomic unit on this session: a transaction, or a savepoint where holding the
   * lock is itself a transaction (SQLite). Rolled back when `fn` throws, and the error rethrown.
   * Whether DDL inside is rolled back too is `Adapter.transactionalDdl`.
   */
  atomic<T>(fn: () => Promise<T>): Promise<T>;
}

export interface BeginOptions {
  readonly isolation: IsolationLevel | undefined;
  readonly readOnly: boolean;
}

/** One open transaction on one connection. After commit or rollback it MUST NOT be used. */
export interface DriverTransaction extends DriverSession {
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

export interface HealthInfo {
  readonly serverVersion: string;
  /** Settings that decide whether the portable semantics hold (collation, time zone, journal mode, …). */
  readonly settings: Readonly<Record<string, string | number | boolean>>;
}

/**
 * A live connection (or pool) to one database.
 *
 * Concurrency rules: statements on the driver itself MAY run concurrently with open transactions;
 * a transaction's statements run on that transaction only. `begin` MUST take every lock needed so
 * that a write inside the transaction does not fail with a busy error when another process writes
 * (SQLite: `BEGIN IMMEDIATE` with a busy timeout).
 */
export interface Driver extends DriverSession {
  begin(options: BeginOptions): Promise<DriverTransaction>;
  /**
   * Runs `fn` while holding the lock `name` of this database: two callers holding the same name on
   * the same database — in any process, on any host — never run at once. Used for schema work
   * (migrations), so `fn` may run long.
   *
   * - Waits at most `timeoutMs` for the lock, then rejects with `LockTimeoutError`.
   * - Releases the lock when `fn` settles; the database MUST release it too when the connection
   *   is lost, so a crashed process never leaves it held.
   * - `fn`'s statements run on the session it receives (one connection, kept for the whole call).
   *   Other callers of the driver MAY run meanwhile on other connections; with a single
   *   connection (SQLite) they wait until `fn` settles.
   */
  withLock<T>(name: string, timeoutMs: number, fn: (session: LockedSession) => Promise<T>): Promise<T>;
  health(): Promise<HealthInfo>;
  /** Closes every connection. MUST resolve even when a connection is broken. */
  close(): Promise<void>;
}

/** One check of `switchyard doctor`: what Switchyard needs from a database setting. */
export interface HealthFinding {
  /** What was checked, e.g. `time zone`. */
  readonly check: string;
  /** `fail`: a portable semantic does not hold; `warn`: it holds, but something should change. */
  readonly status: 'ok' | 'warn' | 'fail';
  /** What the database has. */
  readonly found: string;
  /** What to do about it (absent when `ok`). */
  readonly fix?: string;
}

export interface AdapterOpenContext {
  /** The URL with its scheme, as the user gave it. */
  readonly url: string;
  /** Adapter-specific options from `openStore({ adapterOptions })`. */
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * A backend. Adapters are thin: a backend's differences live here and nowhere else.
 */
export interface Adapter {
  /** Short backend name, e.g. `postgres`. */
  readonly name: string;
  /**
   * `embedded` databases live in the application's own files; `server` databases can be shared by
   * replicas on several hosts. The `requireServer` guard refuses embedded ones.
   */
  readonly kind: 'embedded' | 'server';
  /** URL schemes (without the colon) this adapter accepts. */
  readonly schemes: readonly string[];
  /**
   * A URL `ormOptions` accepts without a server: `migrate create` initialises MikroORM with it to
   * derive this dialect's DDL offline. Never connected to.
   */
  readonly offlineUrl: string;
  /** Capability flags; anything omitted takes its default. */
  readonly capabilities?: Partial<Capabilities>;
  readonly dialect: SqlDialect;
  readonly codec: ValueCodec;
  /** Adjusts MikroORM's column definitions so every portable kind is stored exactly. */
  readonly prepareColumn: ColumnPreparer;
  /**
   * Full-text search (DESIGN §5). Optional: without it, searchable entities and `store.search`
   * are refused with UnsupportedFeatureError.
   */
  readonly search?: SearchDialect;
  /**
   * Database-enforced append-only tables. Optional: without it, `appendOnly` entities are refused
   * with UnsupportedFeatureError.
   */
  readonly appendOnly?: AppendOnlyDialect;
  /**
   * True when the backend rolls DDL back with the transaction (SQLite, PostgreSQL): a failed
   * migration then leaves nothing behind. False (the default) makes core run a migration's steps
   * one by one and record how far it got (MariaDB).
   */
  readonly transactionalDdl?: boolean;
  /**
   * Reads `Driver.health()` for what Switchyard needs (server version, collation, character set,
   * time zone, journal mode, …). One finding per check, `ok` ones included.
   */
  diagnose(info: HealthInfo): HealthFinding[];
  /**
   * MikroORM options (driver, connection) for the URL. MUST NOT connect. Core adds the entities and
   * the discovery hook.
   */
  ormOptions(context: AdapterOpenContext): Partial<Options>;
  /** Builds the driver on the initialised ORM's own connection (its pool or database handle). */
  createDriver(orm: MikroORM, context: AdapterOpenContext): Promise<Driver>;
  /**
   * Maps a driver error to the Switchyard class for the same fault. MUST return a `SwitchyardError`
   * for anything (falling back to `DriverError`), and MUST NOT put a password in the message.
   */
  classifyError(error: unknown, context: AdapterOpenContext): SwitchyardError;
}

/**
 * The adapter SPI: what a backend implements. Application code never imports this module; adapter
 * authors do (`@switchyard/core/adapter`), and prove their adapter with `@switchyard/conformance`.
 */
import type { MikroORM, Options } from '@mikro-orm/core';
import type { Capabilities } from './capabilities.ts';
import type { SwitchyardError } from './errors.ts';
import type { LockDialect } from './locks/lock-dialect.ts';
import type { AppendOnlyDialect } from './schema/append-only-dialect.ts';
import type { ColumnPreparer } from './schema/schema-discovery.ts';
import type { SearchDialect } from './search/search-dialect.ts';
import type { SqlDialect } from './sql/sql-dialect.ts';
import type { ValueCodec } from './sql/value-codec.ts';
import type { TenantPolicyDialect } from './tenancy/tenant-policy-dialect.ts';

export { acquireWithin, type PoolLimits } from './adapter-kit/pool-acquire.ts';
export { ServerLockSession } from './adapter-kit/server-lock-session.ts';
export { serverLockStorage, takeSessionLock } from './adapter-kit/session-lock.ts';
export { certificateRefusal } from './adapter-kit/tls-refusal.ts';
export type { Capabilities } from './capabilities.ts';
export { defaultCapabilities } from './capabilities.ts';
export * from './errors.ts';
export { LOCK_TABLE, type LockDialect } from './locks/lock-dialect.ts';
export { foldCase } from './query/fold-case.ts';
export type { AppendOnlyDialect } from './schema/append-only-dialect.ts';
export type { PortableKind } from './schema/portable-kind.ts';
export type { ColumnPreparer } from './schema/schema-discovery.ts';
export { encodeDocument, MAX_DOCUMENT_TOKENS, MAX_TOKEN_OCCURRENCES } from './search/document-encoder.ts';
export { normalizeQuery } from './search/query-normalizer.ts';
export { parseQuery, type QueryItem, type QueryNode } from './search/query-parser.ts';
export { joinHits, rankedQuery } from './search/ranked-hits.ts';
export type { RankedHits, SearchDialect, SearchFieldSpec, SearchIndexSpec } from './search/search-dialect.ts';
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
export type { ServerTls, SslMode } from './store/server-tls.ts';
export type { TenantPolicyDialect } from './tenancy/tenant-policy-dialect.ts';

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
  /**
   * Optional: runs a statement that returns at most one row (a read or an `UPDATE … RETURNING` by
   * primary key) and gives that row, where the driver has a cheaper call for it than `query`.
   */
  queryFirst?(sql: string, params: readonly unknown[]): Promise<DriverRow | undefined>;
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

/** What `Driver.lock` is asked for. */
export interface LockRequest {
  /** How long to wait for the holder to let go, in milliseconds; 0 tries once. */
  readonly waitMs: number;
  /**
   * Milliseconds the lock outlives a holder that stopped renewing it (a killed process), where
   * only a lease tells that the holder is gone (SQLite). Servers, which end the lock with its
   * connection, check that connection every `ttlMs / 3`.
   */
  readonly ttlMs: number;
}

/** A lock `Driver.lock` took: held until `release()`, or until it is lost. */
export interface AcquiredLock {
  /**
   * Aborts, with a `LockLostError` as its reason, once the lock can no longer be trusted: its
   * connection failed, or its lease ran out or was taken over before it could be renewed. MUST NOT
   * abort once `release()` has been called.
   */
  readonly lost: AbortSignal;
  /**
   * Gives the lock up and stops renewing it. Idempotent, and MUST NOT reject: when the release
   * statement fails the database still lets go of the lock (servers: the connection is closed; a
   * lease runs out after its ttl). Resolves once this process holds nothing of the lock.
   */
  release(): Promise<void>;
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

/** Rows for `Driver.bulkLoad`: one table, values already encoded by the adapter's codec. */
export interface BulkLoad {
  readonly table: string;
  /** Column names, in the order of each row's values. */
  readonly columns: readonly string[];
  /** One array per row: the values a statement would bind (the codec's `encode` output; null for NULL). */
  readonly rows: readonly (readonly unknown[])[];
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
  /**
   * Takes the application lock `name` (`store.locks`) until the caller releases it. Optional: a
   * driver without it has `store.locks` refused with `UnsupportedFeatureError`.
   *
   * - Two holders of one name on one database MUST NOT overlap — in any process, on any host —
   *   while neither has seen `lost`.
   * - Not reentrant: taking a name this process already holds waits like any other taker.
   * - Resolves null when the lock did not come free within `waitMs` (0: one attempt); rejects only
   *   when the database failed.
   * - The database MUST release the lock of a killed process: a server when its connection drops,
   *   an embedded database once `ttlMs` has run out without a renewal.
   * - `lock(name)` and `withLock(name)` are different locks (migrations never wait for the
   *   application's locks).
   * - While held, statements of the store MUST keep running (a server lock keeps one pooled
   *   connection of its own; SQLite's lease holds no database lock).
   */
  lock?(name: string, request: LockRequest): Promise<AcquiredLock | null>;
  health(): Promise<HealthInfo>;
  /**
   * Optional fast path for loading many rows into one table (transfers): PostgreSQL `COPY`, one
   * prepared statement in one write transaction on SQLite, … MUST be atomic — every row or none —
   * in a transaction of its own, and MUST store each value exactly as binding it in an INSERT
   * would. Without it core runs multi-row INSERT statements in one transaction.
   */
  bulkLoad?(load: BulkLoad): Promise<void>;
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
   * Row-level security for tenant-scoped entities that ask for it. Optional: without it their
   * tables are guarded by the repository's tenant predicate only (no refusal: the first layer
   * holds everywhere).
   */
  readonly tenantPolicy?: TenantPolicyDialect;
  /**
   * Named application locks (`store.locks`, taken by `Driver.lock`): the storage they need in the
   * database. Optional: without it `store.locks` is refused with UnsupportedFeatureError.
   */
  readonly locks?: LockDialect;
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

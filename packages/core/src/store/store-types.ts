import type {
  EntitySchema,
  InferEntity,
  MikroORM,
  Primary,
  PrimaryKeyProp,
  RequiredEntityData,
} from '@mikro-orm/core';
import type { HealthFinding, IsolationLevel } from '../adapter-api.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Capabilities } from '../capabilities.ts';
import type { Locks } from '../locks/lock-types.ts';
import type { MigrationReport, MigrationStatus, Migrations } from '../migrations/migration-types.ts';
import type { OrderBy, Where } from '../query/filter-types.ts';
import type { Snippet, TextRange } from '../search/highlighter.ts';
import type { TenantId } from '../tenancy/tenant-binding.ts';
import type { TenantScopedEntity } from '../tenancy/tenant-scoped.ts';

export type { Snippet, TextRange } from '../search/highlighter.ts';

// biome-ignore lint/suspicious/noExplicitAny: entity schemas are generic over every entity shape.
export type AnyEntitySchema = EntitySchema<any, any>;

/** A reference to another entity is its primary key; optional (nullable) values read back as null. */
type PlainValue<V> =
  NonNullable<V> extends Date
    ? V
    : typeof PrimaryKeyProp extends keyof NonNullable<V>
      ? Primary<NonNullable<V>> | Extract<V, null>
      : V;
type Nullish<V> = Exclude<V, undefined> | (undefined extends V ? null : never);

/** The plain object a repository returns: scalars as declared, references as primary keys. */
export type Row<E> = {
  -readonly [K in keyof InferEntity<E> as K extends string ? K : never]-?: Nullish<
    PlainValue<InferEntity<E>[K]>
  >;
};
/**
 * What `insert` accepts: generated keys, versions, defaults and nullable properties are optional,
 * and so is the tenant property of a `tenantScoped` entity (the scope fills it in).
 */
export type InsertInput<E> =
  E extends TenantScopedEntity<infer K>
    ? Omit<RequiredEntityData<InferEntity<E>>, K> &
        Partial<
          Pick<RequiredEntityData<InferEntity<E>>, Extract<K, keyof RequiredEntityData<InferEntity<E>>>>
        >
    : RequiredEntityData<InferEntity<E>>;
/** What `update` accepts: any subset of the properties except the primary key (the version is refused at run time). */
export type Patch<E> = Partial<Omit<Row<E>, PrimaryKeyOf<InferEntity<E>>>>;
type PrimaryKeyOf<T> = T extends { [PrimaryKeyProp]?: infer K } ? Extract<K, string> : never;

export interface FindOptions<T> {
  orderBy?: OrderBy<T>;
  /** Maximum number of rows. Without it, every matching row is returned. */
  limit?: number;
  /** `nextCursor` of the previous page; requires the same `orderBy`. */
  cursor?: string | null;
  /** Lock the rows read until the transaction ends (inside a transaction only). */
  forUpdate?: boolean;
}

export interface Page<T> {
  items: T[];
  /** Cursor for the next page, or null when this page is the last one. */
  nextCursor: string | null;
}

export interface StreamOptions<T> {
  orderBy?: OrderBy<T>;
  /** Rows fetched per round trip. Default 500. */
  batchSize?: number;
}

export interface BulkInsertOptions {
  /** Rows per transaction. Default 1000. */
  batchSize?: number;
}

export interface SearchOptions<T> {
  /** Any repository filter: only matching rows are returned. */
  where?: Where<T>;
  /**
   * Required exactly when the entity is searched per tenant (`tenantScoped`, or a search
   * declaration naming a tenant property); a tenant scope's `search` passes its own.
   */
  tenant?: TenantId;
  /** Hits per page, 1–1000. Default 20. */
  limit?: number;
  /** `nextCursor` of the previous page of the same query, filter and tenant. */
  cursor?: string | null;
  /** Adds highlights and a snippet per searchable field to every hit. */
  highlight?: boolean | { snippetTokens?: number };
}

export interface SearchHit<T> {
  item: T;
  /** Higher is more relevant. Comparable within one result list, not across backends. */
  relevance: number;
  /** Per searchable field: ranges of the original text that matched (with `highlight`). */
  highlights?: Record<string, TextRange[]>;
  /** Per searchable field: an excerpt around the best match (with `highlight`). */
  snippets?: Record<string, Snippet>;
}

export interface SearchPage<T> {
  /** Most relevant first; equal relevance in primary-key order. */
  hits: SearchHit<T>[];
  /** Cursor for the next page, or null when this page is the last one. */
  nextCursor: string | null;
}

export interface WriteOptions {
  /** Optimistic locking: the write fails with VersionConflictError unless the row has this version. */
  expectedVersion?: number;
}

/**
 * Typed access to one entity. Every method returns plain objects — no identity map, no unit of
 * work — and every method throws only Switchyard errors.
 *
 * Rules:
 * - Inside `store.transaction(fn)` every call runs on that transaction (ambient or explicit).
 * - Input is validated before anything is written; a refused value writes nothing.
 * - Multi-row writes (`insertMany`, `deleteMany`) are atomic: all rows or none.
 */
export interface Repository<E> {
  /** Inserts one row and returns it as a later `get` would. Duplicate key → UniqueConstraintError. */
  insert(data: InsertInput<E>): Promise<Row<E>>;
  /** Inserts all rows in one transaction, in batches; returns them in input order. */
  insertMany(data: readonly InsertInput<E>[]): Promise<Row<E>[]>;
  /** The row with this primary key, or null. */
  get(id: string, options?: { forUpdate?: boolean }): Promise<Row<E> | null>;
  /** Rows for these keys, aligned with `ids`; null where no row exists. */
  getMany(ids: readonly string[]): Promise<(Row<E> | null)[]>;
  /** Matching rows in `orderBy` order (then by primary key), one page at a time. */
  find(where?: Where<Row<E>>, options?: FindOptions<Row<E>>): Promise<Page<Row<E>>>;
  count(where?: Where<Row<E>>): Promise<number>;
  /**
   * Applies `patch` and returns the row read right after. Missing row → NotFoundError; a version
   * other than `expectedVersion` → VersionConflictError. The version (if declared) always increases by 1.
   */
  update(id: string, patch: Patch<E>, options?: WriteOptions): Promise<Row<E>>;
  /**
   * Inserts the row, or updates the row with the same primary key — changing only the properties
   * given. Two concurrent upserts of a new key both succeed outside a transaction; inside one, the
   * loser's transaction fails (UniqueConstraintError, then TransactionAbortedError).
   */
  upsert(data: InsertInput<E>): Promise<Row<E>>;
  /**
   * Deletes the row; false when it did not exist. With `expectedVersion`, a missing row is a
   * NotFoundError and another version a VersionConflictError.
   */
  delete(id: string, options?: WriteOptions): Promise<boolean>;
  /** Deletes every matching row; returns how many. An empty filter is refused (use `{ $and: [] }`). */
  deleteMany(where: Where<Row<E>>): Promise<number>;
  /**
   * Loads many rows fast: inserted in transactions of `batchSize` rows (search documents included),
   * other writers getting their turn between batches. Not atomic as a whole — a failure leaves the
   * batches before it committed — and refused inside a transaction. Returns the number inserted.
   */
  bulkInsert(
    rows: Iterable<InsertInput<E>> | AsyncIterable<InsertInput<E>>,
    options?: BulkInsertOptions,
  ): Promise<number>;
  /** Every matching row, fetched in keyset batches: memory stays flat however many rows match. */
  stream(where?: Where<Row<E>>, options?: StreamOptions<Row<E>>): AsyncIterable<Row<E>>;
}

export interface RetryOptions {
  /** Total attempts including the first. Default 5. */
  attempts?: number;
  /** Delay before the first retry; doubles each time (with full jitter). Default 10 ms. */
  baseDelayMs?: number;
  /** Upper bound of one delay. Default 1000 ms. */
  maxDelayMs?: number;
}

export interface TransactionOptions {
  /** Honoured at least as strongly as asked; SQLite transactions are always serializable. */
  isolation?: IsolationLevel;
  readOnly?: boolean;
  /** Retries of retryable errors (deadlock, serialization failure, lock timeout, busy, lost connection). */
  retry?: RetryOptions | false;
}

/** What a transaction callback receives. */
export interface TransactionScope {
  /**
   * The entity's repository on this transaction. A `tenantScoped` entity needs a tenant: through
   * `tenant(id)`, or a transaction opened by `store.tenant(id)` — TenantScopeError otherwise.
   */
  repo<E extends AnyEntitySchema>(entity: E): Repository<E>;
  /** A nested transaction: a savepoint, rolled back alone when `fn` throws. Never retried. */
  transaction<T>(fn: (tx: TransactionScope) => Promise<T>): Promise<T>;
  /**
   * The same transaction seen by one tenant: its repositories of tenant-scoped entities are
   * confined to `tenant` (other entities are unaffected). TenantScopeError for an invalid tenant.
   */
  tenant(tenant: TenantId): TransactionScope;
}

/**
 * One tenant's view of the store (`store.tenant(id)`): every statement a repository of a
 * `tenantScoped` entity runs carries `<tenant property> = tenant`, so no call reads, counts,
 * changes or deletes another tenant's rows, whatever its filter. Inserts get the tenant filled in;
 * an insert or patch naming another tenant is refused (TenantScopeError) and writes nothing.
 * Entities that are not tenant-scoped behave as through the store. `transaction` hands its callback
 * a scope confined to the tenant; `search` searches the tenant's rows only (passing `tenant` in
 * its options is refused: the view's tenant is the only one); `tenant` is `store.tenant`.
 */
export interface TenantStore extends Pick<Store, 'transaction' | 'search' | 'tenant'> {
  readonly tenantId: TenantId;
  repo<E extends AnyEntitySchema>(entity: E): Repository<E>;
}

export interface HealthReport {
  ok: boolean;
  backend: string;
  /** The URL without its password. */
  url: string;
  serverVersion: string;
  latencyMs: number;
  settings: Readonly<Record<string, string | number | boolean>>;
  capabilities: Capabilities;
}

/** What `switchyard doctor` prints: every check of the database, and the migration status. */
export interface DoctorReport {
  /** False when any finding is `fail` or the migration history has problems. */
  ok: boolean;
  backend: string;
  /** The URL without its password. */
  url: string;
  serverVersion: string;
  findings: HealthFinding[];
  /** Null when the store was opened without a migration history. */
  migrations: MigrationStatus | null;
}

export interface Store extends TransactionScope {
  readonly backend: string;
  readonly capabilities: Capabilities;
  /**
   * The initialised MikroORM instance: an escape hatch outside the contract. What you do with it
   * is not covered by the portable semantics.
   */
  readonly orm: MikroORM;
  /**
   * The store seen by one tenant: the only way to reach a `tenantScoped` entity's repository.
   * TenantScopeError when `tenant` is not a non-empty string, an integer or a bigint (or, on first
   * use with an entity, not a valid value of its tenant property).
   */
  tenant(tenant: TenantId): TenantStore;
  /**
   * Runs `fn` in a transaction: commit when it resolves, rollback when it throws. Retryable errors
   * restart `fn` (so it must be safe to run again). Called inside another transaction it nests
   * (a savepoint) and is not retried on its own.
   */
  transaction<T>(fn: (tx: TransactionScope) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Full-text search over an entity declared with `searchable` (DESIGN §5). Never fails on the
   * query text: any string is a valid query, and one without a positive term finds nothing. Sees
   * committed writes (whether it sees the current transaction's own writes differs by backend).
   */
  search<E extends AnyEntitySchema>(
    entity: E,
    query: string,
    options?: SearchOptions<Row<E>>,
  ): Promise<SearchPage<Row<E>>>;
  /**
   * Rebuilds the search documents of every row of a searchable entity (after raw SQL writes, or a
   * changed normaliser), in batches, each its own transaction. Returns the number of rows indexed.
   */
  reindex(entity: AnyEntitySchema, options?: BulkInsertOptions): Promise<number>;
  /**
   * Brings the database up to date, holding the migration lock (replicas starting together wait
   * for the one that migrates). With a history (`openStore({ migrations })`) it applies the
   * pending migrations; without one it adds what the schema definition has and the database lacks
   * (`push`: tables, columns, indexes, search indexes; never drops) — for prototypes and tests.
   */
  migrate(): Promise<MigrationReport>;
  /**
   * The audit log: a tamper-evident hash chain of events (its table, `AuditEvent`, must be in the
   * schema). ConfigurationError otherwise.
   */
  readonly audit: AuditLog;
  /**
   * Named locks shared by every process on the database: `withLock(name, fn, { wait, ttl })` and
   * `tryLock(name)`. UnsupportedFeatureError when the adapter has no locks.
   */
  readonly locks: Locks;
  /** The migration history of this database (`openStore({ migrations })`). */
  readonly migrations: Migrations;
  /**
   * Drops every table of the schema definition, their search indexes and the migration history
   * table — nothing else. For tests and tooling.
   */
  dropSchema(): Promise<void>;
  health(): Promise<HealthReport>;
  /** Checks the database for what Switchyard needs (`switchyard doctor`). */
  doctor(): Promise<DoctorReport>;
  /** Closes every connection. Later calls fail with StoreClosedError. Safe to call twice. */
  close(): Promise<void>;
}

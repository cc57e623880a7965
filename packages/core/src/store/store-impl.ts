import type { MikroORM } from '@mikro-orm/core';
import type { Adapter, AdapterOpenContext, Driver } from '../adapter-api.ts';
import { AuditEvent } from '../audit/audit-event.ts';
import { AuditLog } from '../audit/audit-log.ts';
import type { Capabilities } from '../capabilities.ts';
import {
  ConfigurationError,
  StoreClosedError,
  TenantScopeError,
  TransactionEndedError,
  UnsupportedFeatureError,
  ValidationError,
} from '../errors.ts';
import type { Locks } from '../locks/lock-types.ts';
import { StoreLocks } from '../locks/store-locks.ts';
import { MigrationRunner } from '../migrations/migration-runner.ts';
import type { MigrationFile, MigrationReport, Migrations } from '../migrations/migration-types.ts';
import { type SchemaObject, schemaObjects } from '../migrations/schema-objects.ts';
import { dropSchema, pushSchema } from '../migrations/schema-sync.ts';
import { StoreMigrations } from '../migrations/store-migrations.ts';
import { FilterCompiler } from '../query/filter-compiler.ts';
import type { EntityModel, SchemaModel } from '../schema/entity-model.ts';
import { SearchIndexWriter } from '../search/index-writer.ts';
import type { SearchModel } from '../search/search-model.ts';
import { SearchRunner } from '../search/search-runner.ts';
import { ident, join, raw, sql } from '../sql/sql-fragment.ts';
import { withRowSecurity } from '../tenancy/row-security.ts';
import { checkTenantId, TenantBinding, type TenantId } from '../tenancy/tenant-binding.ts';
import type { TenantModel } from '../tenancy/tenant-model.ts';
import { redactUrl } from './database-url.ts';
import { type RepositoryContext, RepositoryImpl } from './repository-impl.ts';
import type { ResolvedRetry } from './retry-policy.ts';
import { RowCodec } from './row-codec.ts';
import { Executor, type NestingScope } from './session.ts';
import { type StoreInternals, storeInternals } from './store-internals.ts';
import type {
  AnyEntitySchema,
  BulkInsertOptions,
  DoctorReport,
  HealthReport,
  Repository,
  Row,
  SearchOptions,
  SearchPage,
  Store,
  TenantStore,
  TransactionOptions,
  TransactionScope,
} from './store-types.ts';
import { TransactionRunner } from './transaction-runner.ts';

export interface StoreParts {
  readonly adapter: Adapter;
  readonly context: AdapterOpenContext;
  readonly orm: MikroORM;
  readonly driver: Driver;
  readonly schema: SchemaModel;
  /** The searchable entities. */
  readonly search: ReadonlyMap<EntityModel, SearchModel>;
  /** The append-only entities. */
  readonly appendOnly: ReadonlySet<EntityModel>;
  /** The `tenantScoped` entities. */
  readonly tenancy: ReadonlyMap<EntityModel, TenantModel>;
  readonly capabilities: Capabilities;
  readonly retry: ResolvedRetry;
  /** The migration history, or undefined to push the schema. */
  readonly migrations: readonly MigrationFile[] | undefined;
  readonly migrationLockTimeoutMs: number;
}

export class StoreImpl implements Store {
  readonly backend: string;
  readonly capabilities: Capabilities;
  readonly orm: MikroORM;
  readonly #parts: StoreParts;
  readonly #driverExecutor: Executor;
  readonly #runner: TransactionRunner;
  readonly #rows: RowCodec;
  readonly #filters: FilterCompiler;
  readonly #repositories = new Map<EntityModel, Repository<AnyEntitySchema>>();
  readonly #indexWriters = new Map<EntityModel, SearchIndexWriter>();
  readonly #searchRunner: SearchRunner | undefined;
  readonly #migrationRunner: MigrationRunner;
  readonly migrations: Migrations;
  #audit: AuditLog | undefined;
  readonly #locks: StoreLocks;
  #closed = false;

  constructor(parts: StoreParts) {
    this.#parts = parts;
    this.backend = parts.adapter.name;
    this.capabilities = parts.capabilities;
    this.orm = parts.orm;
    this.#driverExecutor = new Executor(parts.adapter, parts.context, parts.driver, false);
    this.#runner = new TransactionRunner(
      parts.adapter,
      parts.context,
      parts.driver,
      parts.capabilities,
      parts.retry,
    );
    this.#rows = new RowCodec(parts.adapter.codec);
    this.#filters = new FilterCompiler(parts.adapter.dialect, parts.adapter.codec);
    for (const [entity, model] of parts.search)
      this.#indexWriters.set(entity, new SearchIndexWriter(model, this.#rows));
    const dialect = parts.adapter.search;
    this.#searchRunner = dialect && new SearchRunner({ dialect, rows: this.#rows, filters: this.#filters });
    this.#migrationRunner = new MigrationRunner(
      {
        adapter: parts.adapter,
        context: parts.context,
        driver: parts.driver,
        lockTimeoutMs: parts.migrationLockTimeoutMs,
      },
      parts.migrations ?? [],
    );
    this.migrations = new StoreMigrations({
      backend: this.backend,
      orm: parts.orm,
      runner: this.#migrationRunner,
      files: parts.migrations,
      executor: this.#driverExecutor,
      guard: (operation) => this.#guardSchemaWork(`migrations.${operation}`),
    });
    this.#locks = new StoreLocks({
      backend: this.backend,
      enabled: parts.capabilities.locks,
      driver: parts.driver,
      assertOpen: () => this.#assertOpen(),
      inTransaction: () => this.#runner.ambient.getStore() !== undefined,
      classify: (error) => this.#driverExecutor.classify(error),
    });
  }

  get locks(): Locks {
    return this.#locks;
  }

  [storeInternals](): StoreInternals {
    this.#assertOpen();
    const parts = this.#parts;
    return {
      adapter: parts.adapter,
      context: parts.context,
      driver: parts.driver,
      schema: parts.schema,
      rows: this.#rows,
      executor: this.#driverExecutor,
      atomic: (fn) => this.#runner.atomic(fn),
      tenancy: parts.tenancy,
      search: parts.search,
      appendOnly: parts.appendOnly,
    };
  }

  get audit(): AuditLog {
    if (!this.#parts.schema.entities.has(AuditEvent.meta.className)) {
      throw new ConfigurationError(
        'store.audit needs the AuditEvent entity in the schema: openStore({ schema: [..., AuditEvent] }) (and a migration that creates it).',
      );
    }
    this.#audit ??= new AuditLog(this);
    return this.#audit;
  }

  repo<E extends AnyEntitySchema>(entity: E): Repository<E> {
    const model = this.#model(entity);
    this.#refuseUnscoped(model);
    let repository = this.#repositories.get(model);
    if (!repository) {
      repository = this.#repository(entity, undefined);
      this.#repositories.set(model, repository);
    }
    return repository as Repository<E>;
  }

  transaction<T>(fn: (tx: TransactionScope) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.#transaction(fn, options, undefined);
  }

  #transaction<T>(
    fn: (tx: TransactionScope) => Promise<T>,
    options: TransactionOptions | undefined,
    tenant: TenantId | undefined,
  ): Promise<T> {
    this.#assertOpen();
    return this.#runner.run((ex) => fn(this.#scope(ex, ex.rootScope, tenant)), options);
  }

  tenant(tenant: TenantId): TenantStore {
    const tenantId = checkTenantId(tenant);
    const repositories = new Map<EntityModel, Repository<AnyEntitySchema>>();
    const view: TenantStore = {
      tenantId,
      repo: <E extends AnyEntitySchema>(entity: E) => {
        const model = this.#model(entity);
        let repository = repositories.get(model);
        if (!repository) {
          repository = this.#repository(entity, undefined, undefined, tenantId);
          repositories.set(model, repository);
        }
        return repository as Repository<E>;
      },
      transaction: (fn, options) => this.#transaction(fn, options, tenantId),
      search: async (entity, query, options = {}) => {
        if (options.tenant !== undefined) {
          throw new TenantScopeError(
            'A tenant scope searches its own tenant only: do not pass { tenant } to its search().',
          );
        }
        const perTenant = this.#searchModel(entity).tenant !== undefined;
        return this.search(entity, query, perTenant ? { ...options, tenant: tenantId } : options);
      },
      tenant: (other) => this.tenant(other),
    };
    return view;
  }

  /** A tenant-scoped entity is never reachable without a tenant. */
  #refuseUnscoped(model: EntityModel): void {
    if (!this.#parts.tenancy.has(model)) return;
    throw new TenantScopeError(
      `${model.name} is tenant-scoped: reach it through a tenant, store.tenant(id).repo(${model.name}) (a missing tenant never means "all tenants").`,
      { entity: model.name },
    );
  }

  async migrate(): Promise<MigrationReport> {
    this.#guardSchemaWork('migrate');
    try {
      if (this.#parts.migrations) return await this.migrations.up();
      await pushSchema(this.#migrationRunner, this.#parts.adapter, this.orm, this.#objects());
      return { migrations: [], mode: 'push' };
    } catch (error) {
      throw this.#driverExecutor.classify(error);
    }
  }

  /** Drops the tables of this store's schema definition, their search indexes and the migration history, and nothing else. */
  async dropSchema(): Promise<void> {
    this.#guardSchemaWork('dropSchema');
    try {
      await dropSchema(this.#migrationRunner, this.#parts.adapter, this.orm, this.#objects());
    } catch (error) {
      throw this.#driverExecutor.classify(error);
    }
  }

  async search<E extends AnyEntitySchema>(
    entity: E,
    query: string,
    options?: SearchOptions<Row<E>>,
  ): Promise<SearchPage<Row<E>>> {
    this.#assertOpen();
    const model = this.#searchModel(entity);
    const run = (executor: Executor) =>
      (this.#searchRunner as SearchRunner).search(
        model,
        executor,
        query,
        options as SearchOptions<Record<string, unknown>>,
      ) as unknown as Promise<SearchPage<Row<E>>>;
    const tenancy = this.#parts.tenancy.get(model.entity);
    const policy = tenancy?.rowLevelSecurity ? this.#parts.adapter.tenantPolicy : undefined;
    if (!policy || !tenancy || options?.tenant === undefined) {
      return run(this.#runner.ambient.getStore() ?? this.#driverExecutor);
    }
    // The base table's policy applies to the search's join too: the tenant is bound first.
    const binding = new TenantBinding(model.entity, tenancy.property, options.tenant, this.#rows);
    return this.#runner.atomic(async (executor) => {
      await executor.query(policy.bind(binding.text));
      return run(executor);
    });
  }

  async reindex(entity: AnyEntitySchema, options: BulkInsertOptions = {}): Promise<number> {
    this.#assertOpen();
    const model = this.#searchModel(entity);
    const batchSize = options.batchSize ?? 1000;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ValidationError(`${model.entity.name}: batchSize must be a positive integer.`);
    }
    if (this.#runner.ambient.getStore()) {
      throw new ValidationError('reindex() commits batch by batch and cannot run inside a transaction.');
    }
    const writer = this.#indexWriters.get(model.entity) as SearchIndexWriter;
    const entityModel = model.entity;
    const pk = entityModel.primaryKey;
    const columns = join(entityModel.properties.map((p) => ident(p.column)));
    let indexed = 0;
    // The index is built from every row: a row-level security policy must not hide any.
    const everyTenant = this.#parts.tenancy.get(entityModel)?.rowLevelSecurity
      ? this.#parts.adapter.tenantPolicy?.bindAll()
      : undefined;
    let after: unknown;
    for (;;) {
      const from = after === undefined ? raw('') : sql` WHERE ${ident(pk.column)} > ${after}`;
      const batch = await this.#runner.atomic(async (ex) => {
        if (everyTenant) await ex.query(everyTenant);
        const rows = (
          await ex.query(
            sql`SELECT ${columns} FROM ${ident(entityModel.table)}${from} ORDER BY ${ident(pk.column)} LIMIT ${raw(String(batchSize))}`,
          )
        ).map((r) => this.#rows.decode(entityModel, r));
        if (rows.length > 0) await writer.replace(ex, rows, writer.prepare(rows));
        return rows;
      });
      if (batch.length === 0) return indexed;
      indexed += batch.length;
      after = this.#rows.encode(pk, (batch[batch.length - 1] as Record<string, unknown>)[pk.name]);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  #searchModel(entity: AnyEntitySchema): SearchModel {
    if (!this.capabilities.search) throw new UnsupportedFeatureError('search', this.backend);
    const entityModel = this.#model(entity);
    const model = this.#parts.search.get(entityModel);
    if (!model) {
      throw new ConfigurationError(
        `${entityModel.name} is not searchable; declare its fields with searchable(${entityModel.name}, { fields: […] }).`,
      );
    }
    return model;
  }

  #objects(): SchemaObject[] {
    return Object.values(
      schemaObjects({
        search: this.#parts.search.values(),
        appendOnly: this.#parts.appendOnly,
        tenancy: this.#parts.tenancy,
      }),
    );
  }

  /** Schema work takes the migration lock on its own session: never inside a transaction. */
  #guardSchemaWork(name: string): void {
    this.#assertOpen();
    if (this.#runner.ambient.getStore()) {
      throw new ValidationError(`${name}() cannot run inside a transaction.`);
    }
  }

  async health(): Promise<HealthReport> {
    this.#assertOpen();
    const started = performance.now();
    // Inside a transaction the probe runs on it: on SQLite the transaction holds the only connection.
    await (this.#runner.ambient.getStore() ?? this.#driverExecutor).query(raw('SELECT 1'));
    const latencyMs = performance.now() - started;
    let info: Awaited<ReturnType<Driver['health']>>;
    try {
      info = await this.#parts.driver.health();
    } catch (error) {
      throw this.#driverExecutor.classify(error);
    }
    return {
      ok: true,
      backend: this.backend,
      url: redactUrl(this.#parts.context.url),
      serverVersion: info.serverVersion,
      latencyMs: Math.round(latencyMs * 100) / 100,
      settings: info.settings,
      capabilities: this.capabilities,
    };
  }

  async doctor(): Promise<DoctorReport> {
    const health = await this.health();
    const findings = this.#parts.adapter.diagnose({
      serverVersion: health.serverVersion,
      settings: health.settings,
    });
    const migrations = this.#parts.migrations ? await this.migrations.status() : null;
    return {
      ok: findings.every((f) => f.status !== 'fail') && (migrations?.problems.length ?? 0) === 0,
      backend: health.backend,
      url: health.url,
      serverVersion: health.serverVersion,
      findings,
      migrations,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      // Released while the connections still work, so other processes can take them at once.
      await this.#locks.releaseAll();
      await this.#parts.driver.close();
    } finally {
      await this.orm.close(true).catch(() => undefined);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreClosedError();
  }

  /** The handle a transaction callback receives; it stops working once its level has ended. */
  #scope(ex: Executor, nesting: NestingScope, tenant: TenantId | undefined): TransactionScope {
    return {
      repo: (entity) => this.#repository(entity, ex, nesting, tenant),
      transaction: (fn) =>
        this.#runner.nested(ex, (inner, child) => fn(this.#scope(inner, child, tenant)), nesting),
      tenant: (other) => this.#scope(ex, nesting, checkTenantId(other)),
    };
  }

  #model(entity: AnyEntitySchema): EntityModel {
    const name = typeof entity === 'string' ? entity : entity?.meta?.className;
    const model = name ? this.#parts.schema.entities.get(name) : undefined;
    if (!model) {
      throw new ConfigurationError(
        `${String(name)} is not part of this store's schema; pass it to openStore({ schema }).`,
      );
    }
    return model;
  }

  #repository<E extends AnyEntitySchema>(
    entity: E,
    bound: Executor | undefined,
    nesting?: NestingScope,
    tenant?: TenantId,
  ): Repository<E> {
    const model = this.#model(entity);
    const tenancy = this.#parts.tenancy.get(model);
    if (tenancy && tenant === undefined) this.#refuseUnscoped(model);
    const binding =
      tenancy && tenant !== undefined
        ? new TenantBinding(model, tenancy.property, tenant, this.#rows)
        : undefined;
    const context: RepositoryContext = {
      backend: this.backend,
      dialect: this.#parts.adapter.dialect,
      codec: this.#parts.adapter.codec,
      rows: this.#rows,
      filters: this.#filters,
      capabilities: this.capabilities,
      search: this.#indexWriters.get(this.#model(entity)),
      appendOnly: this.#parts.appendOnly.has(model),
      tenant: binding,
      executor: () => {
        this.#assertOpen();
        if (nesting?.closed) {
          throw new TransactionEndedError(
            'The transaction (or nested transaction) this repository belongs to has ended; a call made through it after the end runs nothing.',
          );
        }
        return bound ?? this.#runner.ambient.getStore() ?? this.#driverExecutor;
      },
      atomic: (fn) => {
        this.#assertOpen();
        return bound ? this.#runner.ambient.run(bound, () => fn(bound)) : this.#runner.atomic(fn);
      },
      run: (fn) => fn(context.executor()),
    };
    const policy = tenancy?.rowLevelSecurity ? this.#parts.adapter.tenantPolicy : undefined;
    const scoped = binding && policy ? withRowSecurity(context, policy.bind(binding.text)) : context;
    return new RepositoryImpl(model, scoped) as unknown as Repository<E>;
  }
}

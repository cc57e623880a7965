import type { Capabilities } from '../capabilities.ts';
import {
  AppendOnlyError,
  NotFoundError,
  UniqueConstraintError,
  UnsupportedFeatureError,
  ValidationError,
  VersionConflictError,
} from '../errors.ts';
import { decodeCursor, encodeCursor } from '../query/cursor-codec.ts';
import type { FilterCompiler } from '../query/filter-compiler.ts';
import { afterPredicate, orderByClause, resolveSortKeys } from '../query/sort-keys.ts';
import type { EntityModel, PropertyModel } from '../schema/entity-model.ts';
import { normalizeValue } from '../schema/value-validation.ts';
import type { SearchIndexWriter } from '../search/index-writer.ts';
import { insertStatement, rowsPerInsert } from '../sql/insert-statement.ts';
import type { SqlDialect } from '../sql/sql-dialect.ts';
import { type CompiledQuery, compile, ident, join, raw, type Sql, sql } from '../sql/sql-fragment.ts';
import type { ValueCodec } from '../sql/value-codec.ts';
import type { TenantBinding } from '../tenancy/tenant-binding.ts';
import type { RowCodec } from './row-codec.ts';
import type { Executor } from './session.ts';
import type { BulkInsertOptions, FindOptions, Page, StreamOptions, WriteOptions } from './store-types.ts';

type Plain = Record<string, unknown>;

/** What a repository needs from its store. */
export interface RepositoryContext {
  readonly backend: string;
  readonly dialect: SqlDialect;
  readonly codec: ValueCodec;
  readonly rows: RowCodec;
  readonly filters: FilterCompiler;
  readonly capabilities: Capabilities;
  /** Keeps the entity's search index exact, when the entity is searchable. */
  readonly search: SearchIndexWriter | undefined;
  /** Updates and deletes are refused (`appendOnly`). */
  readonly appendOnly: boolean;
  /** The tenant every statement is confined to (`tenantScoped` entities only). */
  readonly tenant: TenantBinding | undefined;
  /** The executor calls run on now (the ambient or bound transaction, or the driver). */
  executor(): Executor;
  /**
   * Runs statements that need no atomicity together: on the current transaction, or on the
   * driver. (A tenant bound by row-level security runs them in a transaction of their own.)
   */
  run<T>(fn: (executor: Executor) => Promise<T>): Promise<T>;
  /** Runs `fn` atomically: on the current transaction, or in a new one. */
  atomic<T>(fn: (executor: Executor) => Promise<T>): Promise<T>;
}

/** Patch shapes whose compiled UPDATE a repository keeps: an application uses a handful. */
const MAX_UPDATE_SHAPES = 64;

/** Keys per `IN (…)` of getMany. */
const MAX_KEYS_PER_READ = 1000;

export class RepositoryImpl {
  readonly #entity: EntityModel;
  readonly #ctx: RepositoryContext;
  readonly #table: Sql;
  readonly #columns: Sql;
  readonly #pk: PropertyModel;
  /** The primary key as `#byId` validates an id: never null. */
  readonly #pkRequired: PropertyModel;
  /**
   * `get`'s statement, compiled once: point reads are the hottest path, and the same string on
   * every call also spares the driver's statement cache hashing a new one.
   */
  readonly #getText: string;
  /** `#updateReturning`'s compiled texts by patch shape. */
  readonly #updateTexts = new Map<string, string>();

  constructor(entity: EntityModel, ctx: RepositoryContext) {
    this.#entity = entity;
    this.#ctx = ctx;
    // Quoted once: these identifiers are in every statement of the repository.
    const quote = (name: string) => ctx.dialect.quoteIdent(name);
    this.#table = raw(quote(entity.table));
    this.#columns = raw(entity.properties.map((p) => quote(p.column)).join(', '));
    this.#pk = entity.primaryKey;
    this.#pkRequired = { ...entity.primaryKey, nullable: false };
    this.#getText = compile(
      sql`SELECT ${this.#columns} FROM ${this.#table} WHERE ${ident(this.#pk.column)} = ${null}`,
      ctx.dialect,
    ).sql;
  }

  #prepareInsert(data: unknown): Plain {
    return this.#ctx.rows.prepareInsert(this.#entity, this.#ctx.tenant ? this.#ctx.tenant.stamp(data) : data);
  }

  /** `WHERE` of a statement: the given conditions, and the tenant's predicate when scoped. */
  #where(...conditions: Sql[]): Sql {
    const all = this.#ctx.tenant ? [...conditions, this.#ctx.tenant.predicate] : conditions;
    return join(all, ' AND ');
  }

  async insert(data: unknown): Promise<Plain> {
    const row = this.#prepareInsert(data);
    const search = this.#ctx.search;
    if (!search) {
      await this.#ctx.run((ex) => ex.execute(this.#insertSql([row])));
      return row;
    }
    const documents = search.prepare([row]);
    await this.#ctx.atomic(async (ex) => {
      await ex.execute(this.#insertSql([row]));
      await search.insert(ex, documents);
    });
    return row;
  }

  async insertMany(data: readonly unknown[]): Promise<Plain[]> {
    if (!Array.isArray(data)) throw new ValidationError(`${this.#entity.name}: insertMany takes an array.`);
    const rows = data.map((d) => this.#prepareInsert(d));
    if (rows.length === 0) return [];
    const perStatement = rowsPerInsert(this.#entity.properties.length);
    const search = this.#ctx.search;
    const documents = search?.prepare(rows);
    await this.#ctx.atomic(async (ex) => {
      for (let i = 0; i < rows.length; i += perStatement) {
        await ex.execute(this.#insertSql(rows.slice(i, i + perStatement)));
      }
      if (search && documents) await search.insert(ex, documents);
    });
    return rows;
  }

  async bulkInsert(source: unknown, options: BulkInsertOptions = {}): Promise<number> {
    const batchSize = options.batchSize ?? 1000;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ValidationError(`${this.#entity.name}: batchSize must be a positive integer.`);
    }
    if (
      source === null ||
      typeof source !== 'object' ||
      !(Symbol.iterator in source || Symbol.asyncIterator in source)
    ) {
      throw new ValidationError(
        `${this.#entity.name}: bulkInsert takes an iterable or async iterable of rows.`,
      );
    }
    if (this.#ctx.executor().inTransaction) {
      throw new ValidationError(
        `${this.#entity.name}: bulkInsert commits batch by batch and cannot run inside a transaction; use insertMany there.`,
      );
    }
    let inserted = 0;
    let batch: unknown[] = [];
    const flush = async () => {
      await this.insertMany(batch);
      inserted += batch.length;
      batch = [];
      // Between batches every other writer waiting for the database gets its turn.
      await new Promise((resolve) => setImmediate(resolve));
    };
    for await (const row of source as AsyncIterable<unknown>) {
      batch.push(row);
      if (batch.length >= batchSize) await flush();
    }
    if (batch.length > 0) await flush();
    return inserted;
  }

  #insertSql(rows: readonly Plain[]): Sql {
    const properties = this.#entity.properties;
    return insertStatement(
      this.#entity.table,
      properties.map((p) => p.column),
      rows.map((row) => properties.map((p) => this.#ctx.rows.encode(p, row[p.name]))),
    );
  }

  /** The id validated and encoded for the primary key column. */
  #key(id: unknown): unknown {
    return this.#ctx.rows.encode(this.#pk, normalizeValue(this.#entity, this.#pkRequired, id));
  }

  /** `<primary key> = <id>`, the id validated first. */
  #byId(id: unknown): Sql {
    return sql`${ident(this.#pk.column)} = ${this.#key(id)}`;
  }

  #lockSuffix(forUpdate: boolean | undefined, executor: Executor): Sql {
    if (!forUpdate) return raw('');
    if (!this.#ctx.capabilities.forUpdate) throw new UnsupportedFeatureError('forUpdate', this.#ctx.backend);
    if (!executor.inTransaction) {
      throw new ValidationError(`${this.#entity.name}: forUpdate only applies inside a transaction.`);
    }
    const clause = this.#ctx.dialect.forUpdateClause;
    return raw(clause ? ` ${clause}` : '');
  }

  async get(id: string, options: { forUpdate?: boolean } = {}): Promise<Plain | null> {
    const lock = this.#lockSuffix(options.forUpdate, this.#ctx.executor());
    const plain = !options.forUpdate && !this.#ctx.tenant;
    const first = await this.#ctx.run((ex) =>
      ex.queryFirst(
        plain
          ? { sql: this.#getText, params: [this.#key(id)] }
          : sql`SELECT ${this.#columns} FROM ${this.#table} WHERE ${this.#where(this.#byId(id))}${lock}`,
      ),
    );
    return first ? this.#ctx.rows.decode(this.#entity, first) : null;
  }

  async getMany(ids: readonly string[]): Promise<(Plain | null)[]> {
    if (!Array.isArray(ids))
      throw new ValidationError(`${this.#entity.name}: getMany takes an array of ids.`);
    if (ids.length === 0) return [];
    const normalized = ids.map((id) => normalizeValue(this.#entity, this.#pk, id) as string);
    const found = new Map<unknown, Plain>();
    const unique = [...new Set(normalized)];
    await this.#ctx.run(async (ex) => {
      for (let i = 0; i < unique.length; i += MAX_KEYS_PER_READ) {
        const chunk = unique
          .slice(i, i + MAX_KEYS_PER_READ)
          .map((id) => sql`${this.#ctx.rows.encode(this.#pk, id)}`);
        const rows = await ex.query(
          sql`SELECT ${this.#columns} FROM ${this.#table} WHERE ${this.#where(sql`${ident(this.#pk.column)} IN (${join(chunk)})`)}`,
        );
        for (const r of rows) {
          const plain = this.#ctx.rows.decode(this.#entity, r);
          found.set(plain[this.#pk.name], plain);
        }
      }
    });
    return normalized.map((id) => found.get(id) ?? null);
  }

  async find(where: unknown, options: FindOptions<Plain> = {}): Promise<Page<Plain>> {
    const { limit } = options;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
      throw new ValidationError(`${this.#entity.name}: limit must be a non-negative integer.`);
    }
    const keys = resolveSortKeys(this.#entity, options.orderBy, this.#ctx.dialect);
    const conditions = [this.#ctx.filters.compile(this.#entity, where)];
    if (options.cursor) {
      const values = decodeCursor(keys, options.cursor, this.#entity);
      conditions.push(afterPredicate(keys, values, this.#ctx.dialect, this.#ctx.codec));
    }
    const lock = this.#lockSuffix(options.forUpdate, this.#ctx.executor());
    // The limit is bound, not written into the text: one prepared statement serves every page
    // size, and PostgreSQL's generic plan for an unknown limit favours plans that return the
    // first rows early (walking an index in order) over reading every matching row to sort them —
    // which is what it chose for `LIMIT 51` when it expected fewer matches than that (a JSON
    // `contains` on an owner's rows: 66 ms instead of 0.3 ms on 13,000 rows).
    const limitSql = limit === undefined ? raw('') : sql` LIMIT ${limit + 1}`;
    const rows = await this.#ctx.run((ex) =>
      ex.query(
        sql`SELECT ${this.#columns} FROM ${this.#table} WHERE ${this.#where(...conditions)} ORDER BY ${orderByClause(keys, this.#ctx.dialect)}${limitSql}${lock}`,
      ),
    );
    const items = rows.map((r) => this.#ctx.rows.decode(this.#entity, r));
    let nextCursor: string | null = null;
    if (limit !== undefined && items.length > limit) {
      items.length = limit;
      const last = items[limit - 1];
      nextCursor = last ? encodeCursor(keys, last) : null;
    }
    return { items, nextCursor };
  }

  async count(where: unknown): Promise<number> {
    const filter = this.#where(this.#ctx.filters.compile(this.#entity, where));
    const rows = await this.#ctx.run((ex) =>
      ex.query(sql`SELECT COUNT(*) AS ${ident('n')} FROM ${this.#table} WHERE ${filter}`),
    );
    return Number(rows[0]?.n ?? 0);
  }

  async update(id: string, patchInput: unknown, options: WriteOptions = {}): Promise<Plain> {
    this.#refuseAppendOnly('update');
    const patch = this.#ctx.rows.preparePatch(this.#entity, patchInput);
    this.#ctx.tenant?.checkPatch(patch);
    const version = this.#entity.versionProperty;
    const expected = this.#expectedVersion(options);
    const changes = version !== undefined || Object.keys(patch).length > 0;
    if (changes && this.#ctx.dialect.updateReturning && !this.#ctx.search?.touches(patch)) {
      const statement = this.#ctx.tenant
        ? sql`UPDATE ${this.#table} SET ${this.#sets(patch)} WHERE ${this.#where(this.#byId(id))}${this.#versionGuard(expected)} RETURNING ${this.#columns}`
        : this.#updateReturning(patch, id, expected);
      // One statement changes and reads the row: nothing else needs to be atomic with it.
      return this.#ctx.run(async (ex) => {
        const row = await ex.queryFirst(statement);
        if (!row) return this.#explainMiss(ex, id, expected);
        return this.#ctx.rows.decode(this.#entity, row);
      });
    }
    return this.#ctx.atomic(async (ex) => {
      if (changes) {
        const result = await ex.execute(
          sql`UPDATE ${this.#table} SET ${this.#sets(patch)} WHERE ${this.#where(this.#byId(id))}${this.#versionGuard(expected)}`,
        );
        if (result.affectedRows === 0) await this.#explainMiss(ex, id, expected);
      }
      const row = await this.get(id);
      if (!row) throw this.#notFound(id);
      if (!changes && expected !== undefined) this.#checkVersion(row, expected);
      if (this.#ctx.search?.touches(patch)) await this.#ctx.search.update(ex, row);
      return row;
    });
  }

  async upsert(data: unknown): Promise<Plain> {
    // An upsert may update: refused whatever the row, so the outcome never depends on the data.
    this.#refuseAppendOnly('upsert');
    const row = this.#prepareInsert(data);
    const id = row[this.#pk.name] as string;
    // The update branch changes only what the caller passed: omitted properties keep their
    // values, and onCreate values are not recomputed.
    const given = data as Record<string, unknown>;
    const patch = Object.fromEntries(
      Object.entries(given).filter(
        ([name, v]) =>
          v !== undefined && name !== this.#pk.name && name !== this.#entity.versionProperty?.name,
      ),
    );
    const search = this.#ctx.search;
    const documents = search?.prepare([row]);
    const attempt = () =>
      this.#ctx.atomic(async (ex) => {
        const existing = await ex.query(
          sql`SELECT ${ident(this.#pk.column)} FROM ${this.#table} WHERE ${this.#where(this.#byId(id))}${this.#lockSuffix(this.#ctx.capabilities.forUpdate, ex)}`,
        );
        if (existing.length === 0) {
          await ex.execute(this.#insertSql([row]));
          if (search && documents) await search.insert(ex, documents);
          return row;
        }
        return this.update(id, patch);
      });
    try {
      return await attempt();
    } catch (error) {
      // Two upserts of a new key raced: the loser retries once and now finds the row to update.
      // Inside a caller's transaction the failed insert has aborted it (see TransactionAbortedError).
      if (error instanceof UniqueConstraintError && !this.#ctx.executor().inTransaction) return attempt();
      throw error;
    }
  }

  async delete(id: string, options: WriteOptions = {}): Promise<boolean> {
    this.#refuseAppendOnly('delete');
    const expected = this.#expectedVersion(options);
    const byId = this.#byId(id);
    const run = async (ex: Executor) => {
      const result = await ex.execute(
        sql`DELETE FROM ${this.#table} WHERE ${this.#where(byId)}${this.#versionGuard(expected)}`,
      );
      if (result.affectedRows > 0) return true;
      if (expected !== undefined) await this.#explainMiss(ex, id, expected);
      return false;
    };
    return expected === undefined ? this.#ctx.run(run) : this.#ctx.atomic(run);
  }

  async deleteMany(where: unknown): Promise<number> {
    this.#refuseAppendOnly('deleteMany');
    if (
      where === undefined ||
      where === null ||
      (typeof where === 'object' && Object.keys(where).length === 0)
    ) {
      throw new ValidationError(
        `${this.#entity.name}: deleteMany with an empty filter would delete every row; pass { $and: [] } to mean that.`,
      );
    }
    const filter = this.#where(this.#ctx.filters.compile(this.#entity, where));
    const result = await this.#ctx.run((ex) => ex.execute(sql`DELETE FROM ${this.#table} WHERE ${filter}`));
    return result.affectedRows;
  }

  async *stream(where: unknown, options: StreamOptions<Plain> = {}): AsyncIterable<Plain> {
    const batchSize = options.batchSize ?? 500;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ValidationError(`${this.#entity.name}: batchSize must be a positive integer.`);
    }
    let cursor: string | null = null;
    do {
      const page: Page<Plain> = await this.find(where, {
        orderBy: options.orderBy,
        limit: batchSize,
        cursor,
      });
      yield* page.items;
      cursor = page.nextCursor;
    } while (cursor);
  }

  #expectedVersion(options: WriteOptions): number | undefined {
    const expected = options.expectedVersion;
    if (expected === undefined) return undefined;
    if (!this.#entity.versionProperty) {
      throw new ValidationError(
        `${this.#entity.name} has no version property; expectedVersion cannot be checked.`,
      );
    }
    if (!Number.isInteger(expected))
      throw new ValidationError(`${this.#entity.name}: expectedVersion must be an integer.`);
    return expected;
  }

  #versionGuard(expected: number | undefined): Sql {
    const version = this.#entity.versionProperty;
    return expected === undefined || !version ? raw('') : sql` AND ${ident(version.column)} = ${expected}`;
  }

  /** `SET` of an update: the patch's values, and the version raised. */
  #sets(patch: Plain): Sql {
    const version = this.#entity.versionProperty;
    const sets = Object.entries(patch).map(([name, v]) => {
      const prop = this.#entity.byName.get(name) as PropertyModel;
      return sql`${ident(prop.column)} = ${this.#ctx.rows.encode(prop, v)}`;
    });
    if (version) sets.push(sql`${ident(version.column)} = ${ident(version.column)} + 1`);
    return join(sets);
  }

  /**
   * `UPDATE … RETURNING` of a patch outside a tenant scope. The text depends only on which
   * properties the patch sets and whether a version is expected, so it is compiled once per such
   * shape, as `get`'s is: updates are the hottest write.
   */
  #updateReturning(patch: Plain, id: string, expected: number | undefined): CompiledQuery {
    const names = Object.keys(patch);
    const params = names.map((name) =>
      this.#ctx.rows.encode(this.#entity.byName.get(name) as PropertyModel, patch[name]),
    );
    params.push(this.#key(id));
    if (expected !== undefined) params.push(expected);
    const shape = `${names.join('\0')}${expected === undefined ? '' : '\0='}`;
    let text = this.#updateTexts.get(shape);
    if (text === undefined) {
      // Compiled from the same pieces as the uncached statement, so the parameters line up.
      text = compile(
        sql`UPDATE ${this.#table} SET ${this.#sets(patch)} WHERE ${this.#byId(id)}${this.#versionGuard(expected)} RETURNING ${this.#columns}`,
        this.#ctx.dialect,
      ).sql;
      if (this.#updateTexts.size < MAX_UPDATE_SHAPES) this.#updateTexts.set(shape, text);
    }
    return { sql: text, params };
  }

  /** Zero rows matched: tell a missing row from a version mismatch. */
  async #explainMiss(ex: Executor, id: string, expected: number | undefined): Promise<never> {
    const version = this.#entity.versionProperty;
    if (expected !== undefined && version) {
      const rows = await ex.query(
        sql`SELECT ${ident(version.column)} AS ${ident('v')} FROM ${this.#table} WHERE ${this.#where(this.#byId(id))}`,
      );
      const actual = rows[0]?.v;
      if (actual !== undefined && actual !== null) {
        throw new VersionConflictError(
          `${this.#entity.name} ${id} is at version ${Number(actual)}, not the expected ${expected}.`,
          expected,
          Number(actual),
          { entity: this.#entity.name },
        );
      }
    }
    throw this.#notFound(id);
  }

  #checkVersion(row: Plain, expected: number): void {
    const version = this.#entity.versionProperty;
    const actual = version ? Number(row[version.name]) : undefined;
    if (actual !== expected) {
      throw new VersionConflictError(
        `${this.#entity.name} ${String(row[this.#pk.name])} is at version ${actual}, not the expected ${expected}.`,
        expected,
        actual,
        { entity: this.#entity.name },
      );
    }
  }

  #refuseAppendOnly(operation: string): void {
    if (!this.#ctx.appendOnly) return;
    throw new AppendOnlyError(
      `${this.#entity.name} is append-only: ${operation}() is refused (rows are inserted and read, never changed or deleted).`,
      { entity: this.#entity.name },
    );
  }

  #notFound(id: string): NotFoundError {
    return new NotFoundError(`${this.#entity.name} ${id} does not exist.`, { entity: this.#entity.name });
  }
}

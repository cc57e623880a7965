import type { BulkLoad } from '../adapter-api.ts';
import { afterPredicate, orderByClause, resolveSortKeys } from '../query/sort-keys.ts';
import type { EntityModel } from '../schema/entity-model.ts';
import { insertStatement, rowsPerInsert } from '../sql/insert-statement.ts';
import { ident, join, raw, type Sql, sql } from '../sql/sql-fragment.ts';
import type { Executor } from '../store/session.ts';
import type { StoreInternals } from '../store/store-internals.ts';

type Plain = Record<string, unknown>;

/**
 * One entity's table on one side of a transfer, whole: every tenant's rows, read in primary-key
 * order (the same order on every backend) and loaded in batches.
 */
export class TableAccess {
  readonly entity: EntityModel;
  readonly #store: StoreInternals;
  readonly #columns: Sql;
  /** Bound first in each transaction where a row-level security policy would hide rows. */
  readonly #everyTenant: Sql | undefined;

  constructor(store: StoreInternals, entity: EntityModel) {
    this.#store = store;
    this.entity = entity;
    this.#columns = join(entity.properties.map((p) => ident(p.column)));
    this.#everyTenant = store.tenancy.get(entity)?.rowLevelSecurity
      ? store.adapter.tenantPolicy?.bindAll()
      : undefined;
  }

  async #read<T>(fn: (executor: Executor) => Promise<T>): Promise<T> {
    const everyTenant = this.#everyTenant;
    if (!everyTenant) return fn(this.#store.executor);
    return this.#store.atomic(async (ex) => {
      await ex.query(everyTenant);
      return fn(ex);
    });
  }

  async count(): Promise<number> {
    const rows = await this.#read((ex) =>
      ex.query(sql`SELECT COUNT(*) AS ${ident('n')} FROM ${ident(this.entity.table)}`),
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** The primary key of the last row in key order, or undefined when the table is empty. */
  async lastKey(): Promise<unknown> {
    const pk = this.entity.primaryKey;
    const keys = resolveSortKeys(this.entity, { [pk.name]: 'desc' }, this.#store.adapter.dialect);
    const rows = await this.#read((ex) =>
      ex.query(
        sql`SELECT ${ident(pk.column)} FROM ${ident(this.entity.table)} ORDER BY ${orderByClause(keys, this.#store.adapter.dialect)} LIMIT 1`,
      ),
    );
    const first = rows[0];
    return first ? this.#store.rows.decode(this.entity, first)[pk.name] : undefined;
  }

  /** Every row after the key `after` (all rows without it), `batchSize` at a time, in key order. */
  async *batches(batchSize: number, after?: unknown): AsyncIterable<Plain[]> {
    const { dialect, codec } = this.#store.adapter;
    const keys = resolveSortKeys(this.entity, undefined, dialect);
    const order = orderByClause(keys, dialect);
    let last = after;
    for (;;) {
      const from = last === undefined ? raw('') : sql` WHERE ${afterPredicate(keys, [last], dialect, codec)}`;
      const rows = await this.#read((ex) =>
        ex.query(
          sql`SELECT ${this.#columns} FROM ${ident(this.entity.table)}${from} ORDER BY ${order} LIMIT ${raw(String(batchSize))}`,
        ),
      );
      if (rows.length === 0) return;
      const decoded = rows.map((r) => this.#store.rows.decode(this.entity, r));
      yield decoded;
      if (rows.length < batchSize) return;
      last = (decoded[decoded.length - 1] as Plain)[this.entity.primaryKey.name];
    }
  }

  /**
   * Loads decoded rows in one transaction: through the driver's fast path when it has one, else
   * (and always under a row-level security policy, which PostgreSQL's COPY does not support)
   * multi-row INSERT statements.
   */
  async load(rows: readonly Plain[]): Promise<void> {
    const properties = this.entity.properties;
    const load: BulkLoad = {
      table: this.entity.table,
      columns: properties.map((p) => p.column),
      rows: rows.map((row) => properties.map((p) => this.#store.rows.encode(p, row[p.name]))),
    };
    const { driver, executor } = this.#store;
    const everyTenant = this.#everyTenant;
    if (driver.bulkLoad && !everyTenant) {
      try {
        await driver.bulkLoad(load);
      } catch (error) {
        throw executor.classify(error);
      }
      return;
    }
    const perStatement = rowsPerInsert(load.columns.length);
    await this.#store.atomic(async (ex) => {
      if (everyTenant) await ex.query(everyTenant);
      for (let i = 0; i < load.rows.length; i += perStatement) {
        await ex.execute(insertStatement(load.table, load.columns, load.rows.slice(i, i + perStatement)));
      }
    });
  }

  /** Deletes every row (a derived table loaded again whole). */
  async clear(): Promise<void> {
    await this.#store.executor.execute(sql`DELETE FROM ${ident(this.entity.table)}`);
  }

  /** Inserts nothing, but fails as an INSERT would where the table refuses this connection's writes. */
  async probeWrite(): Promise<void> {
    const table = ident(this.entity.table);
    await this.#store.executor.execute(
      sql`INSERT INTO ${table} (${this.#columns}) SELECT ${this.#columns} FROM ${table} WHERE 1 = 0`,
    );
  }
}

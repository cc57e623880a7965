import {
  type AcquiredLock,
  acquireWithin,
  type BeginOptions,
  type BulkLoad,
  type Driver,
  type DriverRow,
  type DriverTransaction,
  type ExecuteResult,
  type HealthInfo,
  type IsolationLevel,
  type LockedSession,
  type LockRequest,
  type SslMode,
  takeSessionLock,
} from '@switchyard/core/adapter';
import type { Pool, PoolClient, QueryResult } from 'pg';
import { copyRows } from './postgres-bulk-load.ts';
import { CASE_FOLDING_COLLATION } from './postgres-dialect.ts';
import { isConnectionFault } from './postgres-errors.ts';
import { PostgresLockedSession } from './postgres-lock.ts';
import { StatementNames } from './postgres-statement-names.ts';
import { switchyardTypes } from './postgres-type-parsers.ts';

const isolationSql: Record<IsolationLevel, string> = {
  'read committed': 'READ COMMITTED',
  'repeatable read': 'REPEATABLE READ',
  serializable: 'SERIALIZABLE',
};

/** The statement that opens a transaction; READ COMMITTED unless asked otherwise, whatever the server default. */
export function beginStatement(options: BeginOptions): string {
  const level = isolationSql[options.isolation ?? 'read committed'];
  return `BEGIN ISOLATION LEVEL ${level}${options.readOnly ? ' READ ONLY' : ''}`;
}

function run(
  target: PoolClient,
  names: StatementNames,
  text: string,
  params: readonly unknown[],
): Promise<QueryResult> {
  return target.query({
    text,
    values: params as unknown[],
    types: switchyardTypes,
    name: names.nameOf(text),
  });
}

/** The URL settings `health()` reports as they were asked for, and the wait for a pooled client. */
export interface PostgresDriverSettings {
  readonly poolMax: number;
  readonly sslMode: SslMode;
  /** `pool_timeout`: how long a call waits for a free client before `PoolTimeoutError`. */
  readonly poolTimeoutMs: number;
}

/**
 * Statements on the pg Pool that MikroORM created (one pool per store). A transaction holds one
 * pooled client from BEGIN until COMMIT or ROLLBACK; a statement outside one holds a client for
 * itself. Every client is taken through `#connect`, so no call waits longer than `pool_timeout`.
 */
export class PostgresStoreDriver implements Driver {
  readonly #pool: Pool;
  readonly #settings: PostgresDriverSettings;
  /** Transactions and lock sessions holding a client. */
  readonly #open = new Set<{ discard(reason: Error): void }>();
  readonly #names = new StatementNames();

  constructor(pool: Pool, settings: PostgresDriverSettings) {
    this.#pool = pool;
    this.#settings = settings;
  }

  async query(sql: string, params: readonly unknown[]): Promise<DriverRow[]> {
    return (await this.#statement(sql, params)).rows;
  }

  async execute(sql: string, params: readonly unknown[]): Promise<ExecuteResult> {
    return { affectedRows: (await this.#statement(sql, params)).rowCount ?? 0 };
  }

  /** A pooled client, or `PoolTimeoutError` when none is free within `pool_timeout`. */
  #connect(): Promise<PoolClient> {
    return acquireWithin(this.#pool.connect(), (client) => client.release(), this.#settings);
  }

  /**
   * One statement on a client of its own (what `pool.query` does, but with the bounded wait). The
   * client goes back to the pool unless its connection broke; a failed statement alone leaves it
   * usable, and keeps the statements it has prepared.
   */
  async #statement(sql: string, params: readonly unknown[]): Promise<QueryResult> {
    const client = await this.#connect();
    // A checked-out client whose connection breaks emits 'error', which would crash the process
    // without a listener; the statement's own failure reports it.
    const onError = () => undefined;
    client.on('error', onError);
    let broken: Error | undefined;
    try {
      return await run(client, this.#names, sql, params);
    } catch (error) {
      if (isConnectionFault(error)) broken = asError(error);
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async begin(options: BeginOptions): Promise<DriverTransaction> {
    const client = await this.#connect();
    try {
      await client.query(beginStatement(options));
    } catch (error) {
      client.release(isConnectionFault(error) ? asError(error) : undefined);
      throw error;
    }
    const tx = new PostgresTransaction(client, this.#names, () => this.#open.delete(tx));
    this.#open.add(tx);
    return tx;
  }

  /**
   * `COPY … FROM STDIN` on a pooled client: atomic by itself, so no transaction around it. Like a
   * single statement, it is not ended by `close()`, which waits for the client to come back.
   */
  async bulkLoad(load: BulkLoad): Promise<void> {
    if (load.rows.length === 0) return;
    const client = await this.#connect();
    try {
      await copyRows(client, load);
    } catch (error) {
      client.release(isConnectionFault(error) ? asError(error) : undefined);
      throw error;
    }
    client.release();
  }

  /**
   * A session-level advisory lock (`pg_try_advisory_lock`, polled until the deadline) on a client
   * of its own; PostgreSQL ends it with the session, so a crashed process never keeps it.
   */
  withLock<T>(name: string, timeoutMs: number, fn: (session: LockedSession) => Promise<T>): Promise<T> {
    const request = { name, timeoutMs, deadline: performance.now() + timeoutMs };
    return PostgresLockedSession.run(() => this.#connect(), request, fn, this.#open);
  }

  /**
   * An application lock (`store.locks`): a session-level advisory lock under `withLock`, on a client
   * of its own for as long as it is held.
   */
  lock(name: string, request: LockRequest): Promise<AcquiredLock | null> {
    return takeSessionLock((key, timeoutMs, fn) => this.withLock(key, timeoutMs, fn), name, request);
  }

  async health(): Promise<HealthInfo> {
    const { rows } = await this.#statement(
      `SELECT current_setting('server_version') AS server_version,
              current_setting('TimeZone') AS time_zone,
              current_setting('server_encoding') AS server_encoding,
              d.datcollate AS lc_collate,
              d.datctype AS lc_ctype,
              current_setting('DateStyle') AS date_style,
              current_setting('extra_float_digits') AS extra_float_digits,
              current_setting('default_transaction_isolation') AS default_transaction_isolation,
              current_setting('default_transaction_read_only') AS default_transaction_read_only,
              pg_is_in_recovery() AS in_recovery,
              current_database() AS database,
              current_setting('application_name') AS application_name,
              current_setting('statement_timeout') AS statement_timeout,
              COALESCE((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false) AS ssl_encrypted,
              EXISTS (SELECT 1 FROM pg_collation WHERE collname = $1) AS case_folding_collation
         FROM pg_database d WHERE d.datname = current_database()`,
      [CASE_FOLDING_COLLATION],
    );
    const row = rows[0] ?? {};
    return {
      serverVersion: String(row.server_version),
      settings: {
        TimeZone: String(row.time_zone),
        server_encoding: String(row.server_encoding),
        lc_collate: String(row.lc_collate),
        lc_ctype: String(row.lc_ctype),
        DateStyle: String(row.date_style),
        extra_float_digits: Number(row.extra_float_digits),
        default_transaction_isolation: String(row.default_transaction_isolation),
        default_transaction_read_only: row.default_transaction_read_only === 'on',
        in_recovery: row.in_recovery === true,
        database: String(row.database),
        icu_case_folding: row.case_folding_collation === true,
        pool_max: this.#settings.poolMax,
        // What the URL asked for, and whether this connection is encrypted.
        ssl: this.#settings.sslMode,
        ssl_encrypted: row.ssl_encrypted === true,
        // As the server reports them: '0' when statements are never cancelled.
        statement_timeout: String(row.statement_timeout),
        application_name: String(row.application_name),
      },
    };
  }

  /**
   * Ends the transactions and locks still open (their clients are discarded, which rolls them back
   * and releases the locks), then the pool. MikroORM created the pool, but only ends it through
   * Kysely when Kysely itself ran a query — which Switchyard's statements never do — so the idle
   * connections would otherwise keep the process alive until they time out.
   */
  async close(): Promise<void> {
    for (const open of [...this.#open]) open.discard(new Error('The store was closed while it was in use.'));
    this.#open.clear();
    if (!this.#pool.ending && !this.#pool.ended) await this.#pool.end().catch(() => undefined);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

class PostgresTransaction implements DriverTransaction {
  readonly #client: PoolClient;
  readonly #names: StatementNames;
  readonly #onEnd: () => void;
  #done = false;

  constructor(client: PoolClient, names: StatementNames, onEnd: () => void) {
    this.#client = client;
    this.#names = names;
    this.#onEnd = onEnd;
  }

  #check(): void {
    if (this.#done) throw new Error('The transaction has already ended.');
  }

  async query(sql: string, params: readonly unknown[]): Promise<DriverRow[]> {
    this.#check();
    return (await run(this.#client, this.#names, sql, params)).rows;
  }

  async execute(sql: string, params: readonly unknown[]): Promise<ExecuteResult> {
    this.#check();
    return { affectedRows: (await run(this.#client, this.#names, sql, params)).rowCount ?? 0 };
  }

  async commit(): Promise<void> {
    this.#check();
    let result: QueryResult;
    try {
      result = await this.#client.query('COMMIT');
    } catch (error) {
      // A failed COMMIT ends the transaction on the server; a broken connection is discarded.
      this.#end(isConnectionFault(error) ? asError(error) : undefined);
      throw error;
    }
    this.#end(undefined);
    // COMMIT of a transaction that an earlier error aborted answers "ROLLBACK", not an error. Core
    // never commits after a failed statement (TransactionAbortedError), so this only guards callers
    // that use the driver directly; core classifies the plain Error.
    if (result.command === 'ROLLBACK') {
      throw new Error(
        'The transaction was rolled back, not committed: a statement inside it failed earlier.',
      );
    }
  }

  async rollback(): Promise<void> {
    if (this.#done) return;
    try {
      await this.#client.query('ROLLBACK');
    } catch (error) {
      this.#end(asError(error));
      throw error;
    }
    this.#end(undefined);
  }

  /** Gives the client back without a statement: destroyed, so the server rolls the work back. */
  discard(reason: Error): void {
    if (!this.#done) this.#end(reason);
  }

  #end(destroyWith: Error | undefined): void {
    if (this.#done) return;
    this.#done = true;
    this.#onEnd();
    this.#client.release(destroyWith);
  }
}

import {
  type AcquiredLock,
  type BeginOptions,
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
import type { Pool, PoolConnection } from 'mysql2';
import { MariadbLockedSession } from './mariadb-lock.ts';
import { affectedOf, getConnection, rowsOf, run } from './mariadb-statements.ts';

const CLOSE_TIMEOUT_MS = 5000;

/**
 * Destroys a connection's socket with an error: mysql2 then fails every command still waiting on
 * it (its own `destroy()` leaves them pending forever).
 */
function cut(connection: PoolConnection): void {
  const socket = (connection as unknown as { stream?: { destroy(error?: Error): void } }).stream;
  if (socket) socket.destroy(new Error('The store was closed while this connection was not answering.'));
  else connection.destroy();
}

/** `max_statement_time` (seconds) as PostgreSQL shows `statement_timeout`. */
function statementTimeout(seconds: number): string {
  return seconds > 0 ? `${Math.round(seconds * 1000)}ms` : '0';
}

const isolationSql: Record<IsolationLevel, string> = {
  'read committed': 'READ COMMITTED',
  'repeatable read': 'REPEATABLE READ',
  serializable: 'SERIALIZABLE',
};

/** The URL settings `health()` reports as they were asked for, and the wait for a pooled connection. */
export interface MariadbDriverSettings {
  readonly poolMax: number;
  readonly sslMode: SslMode;
  /** `pool_timeout`: how long a call waits for a free connection before `PoolTimeoutError`. */
  readonly poolTimeoutMs: number;
  /** Sent as the `program_name` connection attribute, which the server shows only in performance_schema. */
  readonly applicationName?: string | undefined;
}

/**
 * A Switchyard driver on the mysql2 pool MikroORM created. Statements outside a transaction take
 * any pooled connection; a transaction holds one connection from `begin` until commit/rollback.
 * Every connection is taken through `#connect`, so no call waits longer than `pool_timeout`.
 */
export class MariadbStoreDriver implements Driver {
  readonly #pool: Pool;
  readonly #settings: MariadbDriverSettings;
  #closed: Promise<void> | undefined;

  /** Connections checked out of the pool right now: what `close()` destroys when they do not end. */
  readonly #inUse = new Set<PoolConnection>();

  constructor(pool: Pool, settings: MariadbDriverSettings) {
    this.#pool = pool;
    this.#settings = settings;
    pool.on('acquire', (connection: PoolConnection) => this.#inUse.add(connection));
    pool.on('release', (connection: PoolConnection) => this.#inUse.delete(connection));
  }

  async query(sql: string, params: readonly unknown[]): Promise<DriverRow[]> {
    return rowsOf(await this.#statement(sql, params));
  }

  async execute(sql: string, params: readonly unknown[]): Promise<ExecuteResult> {
    return affectedOf(await this.#statement(sql, params));
  }

  #connect(): Promise<PoolConnection> {
    return getConnection(this.#pool, this.#settings);
  }

  /**
   * One statement on a connection of its own (what `pool.query` does, but with the bounded wait).
   * The connection goes back to the pool unless mysql2 marked the error fatal (the connection is
   * unusable).
   */
  async #statement(sql: string, params: readonly unknown[]): Promise<unknown> {
    const connection = await this.#connect();
    let broken = false;
    try {
      return await run(connection, sql, params);
    } catch (error) {
      broken = Boolean((error as { fatal?: unknown }).fatal);
      throw error;
    } finally {
      if (broken) connection.destroy();
      else connection.release();
    }
  }

  async begin(options: BeginOptions): Promise<DriverTransaction> {
    const connection = await this.#connect();
    const transaction = new MariadbTransaction(connection);
    try {
      // SET TRANSACTION applies to the next transaction only, so a pooled connection keeps no trace.
      await transaction.query(
        `SET TRANSACTION ISOLATION LEVEL ${isolationSql[options.isolation ?? 'read committed']}`,
        [],
      );
      await transaction.query(options.readOnly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION', []);
    } catch (error) {
      // The connection may keep a pending SET TRANSACTION: it goes, rather than back to the pool.
      transaction.discard(true);
      throw error;
    }
    return transaction;
  }

  /**
   * A user-level lock (`GET_LOCK`, which waits on the server up to the timeout) on a connection of
   * its own; the server releases it when that connection ends, so a crashed process never keeps it.
   */
  withLock<T>(name: string, timeoutMs: number, fn: (session: LockedSession) => Promise<T>): Promise<T> {
    return MariadbLockedSession.run(() => this.#connect(), { name, timeoutMs }, fn);
  }

  /**
   * An application lock (`store.locks`): a `GET_LOCK` under `withLock`, on a connection of its own
   * for as long as it is held.
   */
  lock(name: string, request: LockRequest): Promise<AcquiredLock | null> {
    return takeSessionLock((key, timeoutMs, fn) => this.withLock(key, timeoutMs, fn), name, request);
  }

  async health(): Promise<HealthInfo> {
    const [row] = rowsOf(
      await this.#statement(
        'SELECT VERSION() AS version, @@version_comment AS version_comment, @@character_set_connection AS character_set_connection, ' +
          '@@collation_connection AS collation_connection, @@time_zone AS time_zone, @@sql_mode AS sql_mode, @@tx_isolation AS tx_isolation, ' +
          'DATABASE() AS `database`, @@character_set_database AS character_set_database, @@collation_database AS collation_database, ' +
          '@@GLOBAL.time_zone AS global_time_zone, @@system_time_zone AS system_time_zone, @@read_only AS read_only, ' +
          '@@innodb_ft_min_token_size AS innodb_ft_min_token_size, @@innodb_ft_max_token_size AS innodb_ft_max_token_size, ' +
          '@@innodb_ft_cache_size AS innodb_ft_cache_size, @@max_statement_time AS max_statement_time, ' +
          // Empty on a connection without TLS.
          "(SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'SSL_CIPHER') AS ssl_cipher, " +
          // NULL on servers without the variable (older than 10.6.18 / 10.11.8 / 11.4.2).
          "(SELECT VARIABLE_VALUE FROM information_schema.SESSION_VARIABLES WHERE VARIABLE_NAME = 'INNODB_SNAPSHOT_ISOLATION') AS innodb_snapshot_isolation",
        [],
      ),
    );
    const text = (key: string) => String(row?.[key] ?? '');
    return {
      serverVersion: text('version'),
      settings: {
        version_comment: text('version_comment'),
        character_set_connection: text('character_set_connection'),
        collation_connection: text('collation_connection'),
        time_zone: text('time_zone'),
        sql_mode: text('sql_mode'),
        tx_isolation: text('tx_isolation'),
        innodb_snapshot_isolation: text('innodb_snapshot_isolation') === 'ON',
        database: text('database'),
        character_set_database: text('character_set_database'),
        collation_database: text('collation_database'),
        global_time_zone: text('global_time_zone'),
        system_time_zone: text('system_time_zone'),
        read_only: Number(row?.read_only) === 1,
        innodb_ft_min_token_size: Number(row?.innodb_ft_min_token_size),
        innodb_ft_max_token_size: Number(row?.innodb_ft_max_token_size),
        innodb_ft_cache_size: Number(row?.innodb_ft_cache_size),
        pool_max: this.#settings.poolMax,
        // What the URL asked for, and whether this connection is encrypted.
        ssl: this.#settings.sslMode,
        ssl_encrypted: text('ssl_cipher') !== '',
        // In PostgreSQL's notation ('200ms'; '0' when statements are never cancelled).
        statement_timeout: statementTimeout(Number(row?.max_statement_time)),
        application_name: this.#settings.applicationName ?? '',
      },
    };
  }

  /**
   * Ends the pool, open transactions' connections included (MikroORM's own close then finds it
   * ended). Resolves within a few seconds even when a connection is wedged: a connection that has
   * not answered the quit message by then is destroyed, failing what still waits on it.
   */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        // A connection that never answered its QUIT (a wedged network, a frozen server) is cut:
        // the calls still waiting on it fail instead of hanging, and the process can exit.
        for (const connection of this.#inUse) cut(connection);
        this.#inUse.clear();
        resolve();
      }, CLOSE_TIMEOUT_MS);
      timer.unref();
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      try {
        this.#pool.end(done);
      } catch {
        done();
      }
    });
    return this.#closed;
  }
}

class MariadbTransaction implements DriverTransaction {
  readonly #connection: PoolConnection;
  #done = false;
  #broken = false;

  constructor(connection: PoolConnection) {
    this.#connection = connection;
  }

  async #run(sql: string, params: readonly unknown[]): Promise<unknown> {
    if (this.#done) throw new Error('The transaction has already ended.');
    try {
      return await run(this.#connection, sql, params);
    } catch (error) {
      if ((error as { fatal?: unknown }).fatal) this.#broken = true;
      throw error;
    }
  }

  async query(sql: string, params: readonly unknown[]): Promise<DriverRow[]> {
    return rowsOf(await this.#run(sql, params));
  }

  async execute(sql: string, params: readonly unknown[]): Promise<ExecuteResult> {
    return affectedOf(await this.#run(sql, params));
  }

  commit(): Promise<void> {
    return this.#finish('COMMIT');
  }

  rollback(): Promise<void> {
    return this.#finish('ROLLBACK');
  }

  async #finish(statement: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    if (this.#done) return;
    try {
      await this.#run(statement, []);
    } catch (error) {
      // The transaction's state is unknown: never hand this connection to anyone else.
      this.#broken = true;
      throw error;
    } finally {
      this.discard();
    }
  }

  /** Gives the connection back to the pool, or destroys it when it may still hold a transaction. */
  discard(destroy = false): void {
    if (this.#done) return;
    this.#done = true;
    if (destroy || this.#broken) this.#connection.destroy();
    else this.#connection.release();
  }
}

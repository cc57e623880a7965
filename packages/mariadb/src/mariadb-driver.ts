import type {
  BeginOptions,
  Driver,
  DriverRow,
  DriverTransaction,
  ExecuteResult,
  HealthInfo,
  IsolationLevel,
} from '@switchyard/core/adapter';
import type { Pool, PoolConnection, QueryError } from 'mysql2';

const CLOSE_TIMEOUT_MS = 5000;

const isolationSql: Record<IsolationLevel, string> = {
  'read committed': 'READ COMMITTED',
  'repeatable read': 'REPEATABLE READ',
  serializable: 'SERIALIZABLE',
};

interface Queryable {
  query(
    options: typeof QUERY_OPTIONS & { sql: string; values: unknown[] },
    callback: (error: QueryError | null, result: unknown) => void,
  ): unknown;
}

/**
 * Per-statement mysql2 options of every statement the driver runs: every BIGINT as a string (so a
 * value is never a rounded number) and every DECIMAL as a string; datetimes as strings.
 */
export const QUERY_OPTIONS = {
  supportBigNumbers: true,
  bigNumberStrings: true,
  decimalNumbers: false,
  dateStrings: true,
} as const;

function run(target: Queryable, sql: string, params: readonly unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    target.query({ ...QUERY_OPTIONS, sql, values: [...params] }, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
}

function rowsOf(result: unknown): DriverRow[] {
  return Array.isArray(result) ? (result as DriverRow[]) : [];
}

function affectedOf(result: unknown): ExecuteResult {
  // With the FOUND_ROWS client flag, affectedRows counts matched rows, not only changed ones.
  const affected = (result as { affectedRows?: unknown } | null)?.affectedRows;
  return { affectedRows: typeof affected === 'number' ? affected : 0 };
}

/**
 * A Switchyard driver on the mysql2 pool MikroORM created. Statements outside a transaction take
 * any pooled connection; a transaction holds one connection from `begin` until commit/rollback.
 */
export class MariadbStoreDriver implements Driver {
  readonly #pool: Pool;
  readonly #poolMax: number;
  #closed: Promise<void> | undefined;

  constructor(pool: Pool, poolMax: number) {
    this.#pool = pool;
    this.#poolMax = poolMax;
  }

  async query(sql: string, params: readonly unknown[]): Promise<DriverRow[]> {
    return rowsOf(await run(this.#pool, sql, params));
  }

  async execute(sql: string, params: readonly unknown[]): Promise<ExecuteResult> {
    return affectedOf(await run(this.#pool, sql, params));
  }

  async begin(options: BeginOptions): Promise<DriverTransaction> {
    const connection = await new Promise<PoolConnection>((resolve, reject) => {
      this.#pool.getConnection((error, conn) => (error ? reject(error) : resolve(conn)));
    });
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

  async health(): Promise<HealthInfo> {
    const [row] = rowsOf(
      await run(
        this.#pool,
        'SELECT VERSION() AS version, @@version_comment AS version_comment, @@character_set_connection AS character_set_connection, ' +
          '@@collation_connection AS collation_connection, @@time_zone AS time_zone, @@sql_mode AS sql_mode, @@tx_isolation AS tx_isolation, ' +
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
        pool_max: this.#poolMax,
      },
    };
  }

  /**
   * Ends the pool, open transactions' connections included (MikroORM's own close then finds it
   * ended). Resolves even when a connection is broken: a connection that does not answer the quit
   * message within a few seconds is left to its socket timeout.
   */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
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

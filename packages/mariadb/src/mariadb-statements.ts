import { acquireWithin, type DriverRow, type ExecuteResult, type PoolLimits } from '@switchyard/core/adapter';
import type { Pool, PoolConnection, QueryError } from 'mysql2';

interface Queryable {
  query(
    options: typeof QUERY_OPTIONS & { sql: string; values: unknown[] },
    callback: (error: QueryError | null, result: unknown) => void,
  ): unknown;
}

interface TypeCastField {
  readonly type: string;
  string(): string | null;
}

/**
 * DOUBLE and FLOAT values parsed by the JS engine: mysql2 parses a text-protocol double of up to
 * 17 characters digit by digit, which is off by one unit in the last place for values such as
 * 632 / 7 (sent as `90.28571428571429`, read as 90.28571428571428). `Number.parseFloat` rounds
 * correctly, so a double round-trips exactly.
 */
function exactDoubles(field: TypeCastField, next: () => unknown): unknown {
  if (field.type !== 'DOUBLE' && field.type !== 'FLOAT') return next();
  const text = field.string();
  return text === null ? null : Number.parseFloat(text);
}

/**
 * Per-statement mysql2 options of every statement the driver runs: every BIGINT as a string (so a
 * value is never a rounded number) and every DECIMAL as a string; datetimes as strings; doubles
 * parsed exactly.
 */
export const QUERY_OPTIONS = {
  supportBigNumbers: true,
  bigNumberStrings: true,
  decimalNumbers: false,
  dateStrings: true,
  typeCast: exactDoubles,
} as const;

export function run(target: Queryable, sql: string, params: readonly unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    target.query({ ...QUERY_OPTIONS, sql, values: [...params] }, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
}

export function rowsOf(result: unknown): DriverRow[] {
  return Array.isArray(result) ? (result as DriverRow[]) : [];
}

export function affectedOf(result: unknown): ExecuteResult {
  // With the FOUND_ROWS client flag, affectedRows counts matched rows, not only changed ones.
  const affected = (result as { affectedRows?: unknown } | null)?.affectedRows;
  return { affectedRows: typeof affected === 'number' ? affected : 0 };
}

/**
 * A pooled connection, or `PoolTimeoutError` when none is free within `limits.poolTimeoutMs`:
 * mysql2's pool would queue the call forever.
 */
export function getConnection(pool: Pool, limits: PoolLimits): Promise<PoolConnection> {
  const acquire = new Promise<PoolConnection>((resolve, reject) => {
    pool.getConnection((error, connection) => (error ? reject(error) : resolve(connection)));
  });
  return acquireWithin(acquire, (connection) => connection.release(), limits);
}

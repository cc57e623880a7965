import { BINARY_COLLATION } from './mariadb-dialect.ts';

/** The strict SQL mode every connection runs in: invalid data is refused, never adjusted. */
export const SQL_MODE =
  'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';

/**
 * Turns on `innodb_snapshot_isolation` for the session where the server has it (10.6.18+,
 * 10.11.8+, 11.4.2+; on by default from 11.6). With it, a REPEATABLE READ or SERIALIZABLE transaction
 * that writes a row another transaction changed since its snapshot fails with error 1020 (a
 * retryable `SerializationError`), as PostgreSQL fails with 40001; without it, the write silently
 * overwrites the other transaction's update. One statement that works on every server: the SET is
 * dynamic SQL, because MariaDB resolves a system variable's name when it parses a statement, even
 * in a branch that never runs.
 */
export const SNAPSHOT_ISOLATION_STATEMENT =
  'BEGIN NOT ATOMIC ' +
  "IF EXISTS (SELECT 1 FROM information_schema.SYSTEM_VARIABLES WHERE VARIABLE_NAME = 'INNODB_SNAPSHOT_ISOLATION') THEN " +
  "EXECUTE IMMEDIATE 'SET SESSION innodb_snapshot_isolation = ON'; " +
  'END IF; ' +
  'END';

/**
 * Session settings of every pooled connection, sent once when the pool opens it: UTC, utf8mb4 in
 * the binary collation, strict mode, READ COMMITTED (the PostgreSQL default) for statements
 * outside a transaction too, and snapshot isolation where the server has it.
 */
export const SESSION_STATEMENTS: readonly string[] = [
  `SET NAMES utf8mb4 COLLATE ${BINARY_COLLATION}, time_zone = '+00:00', sql_mode = '${SQL_MODE}'`,
  'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED',
  SNAPSHOT_ISOLATION_STATEMENT,
];

/**
 * The session statements of a store whose URL sets `statement_timeout` (ms): MariaDB's
 * `max_statement_time` is in seconds, fractions allowed, and cancels any statement (error 1969).
 */
export function sessionStatements(statementTimeoutMs: number | undefined): readonly string[] {
  if (statementTimeoutMs === undefined) return SESSION_STATEMENTS;
  return [...SESSION_STATEMENTS, `SET SESSION max_statement_time = ${statementTimeoutMs / 1000}`];
}

/** The part of a mysql2 pool connection that `configureConnection` uses. */
export interface ConfigurableConnection {
  query(sql: string, callback: (error: unknown) => void): unknown;
  destroy(): void;
}

/**
 * Runs the session statements on a new connection (the pool's `connection` event). They are queued
 * at once, so they run before any statement of whoever receives the connection; a connection that
 * cannot be configured is destroyed, which fails that caller's statement rather than running it
 * with the server's defaults.
 */
export function configureConnection(
  connection: ConfigurableConnection,
  statements: readonly string[] = SESSION_STATEMENTS,
): void {
  let destroyed = false;
  for (const statement of statements) {
    connection.query(statement, (error: unknown) => {
      if (error && !destroyed) {
        destroyed = true;
        connection.destroy();
      }
    });
  }
}

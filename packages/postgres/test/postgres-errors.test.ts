import {
  AuthenticationError,
  ConfigurationError,
  ConnectionError,
  DeadlockError,
  DriverError,
  ForeignKeyError,
  LockTimeoutError,
  NotNullError,
  SerializationError,
  StatementTimeoutError,
  UniqueConstraintError,
  ValidationError,
} from '@switchyard/core/adapter';
import { describe, expect, test } from 'vitest';
import { classifyPostgresError, isConnectionFault } from '../src/postgres-errors.ts';

const pgError = (code: string, message = `failure ${code}`) => Object.assign(new Error(message), { code });

describe('error classification by SQLSTATE', () => {
  const cases: [string, new (...args: never[]) => Error][] = [
    ['23505', UniqueConstraintError],
    ['23503', ForeignKeyError],
    ['23502', NotNullError],
    ['23514', ValidationError],
    ['22001', ValidationError],
    ['22P02', ValidationError],
    ['22003', ValidationError],
    ['22007', ValidationError],
    ['22008', ValidationError],
    ['25006', ValidationError],
    ['40001', SerializationError],
    ['40P01', DeadlockError],
    ['55P03', LockTimeoutError],
    ['28P01', AuthenticationError],
    ['28000', AuthenticationError],
    ['3D000', ConfigurationError],
    ['08006', ConnectionError],
    ['57P01', ConnectionError],
    ['57P03', ConnectionError],
    ['42P01', DriverError],
  ];
  for (const [code, kind] of cases) {
    test(`${code} becomes ${kind.name}`, () => {
      const error = pgError(code);
      const classified = classifyPostgresError(error);
      expect(classified).toBeInstanceOf(kind);
      expect(classified.cause).toBe(error);
    });
  }

  test('serialization failures, deadlocks, lock timeouts and lost connections are retryable', () => {
    for (const code of ['40001', '40P01', '55P03', '08006'])
      expect(classifyPostgresError(pgError(code)).retryable).toBe(true);
    expect(classifyPostgresError(pgError('28P01')).retryable).toBe(false);
  });
});

describe('statement timeout', () => {
  test('57014 from statement_timeout is a StatementTimeoutError, not retryable', () => {
    const classified = classifyPostgresError(
      pgError('57014', 'canceling statement due to statement timeout'),
    );
    expect(classified).toBeInstanceOf(StatementTimeoutError);
    expect(classified.retryable).toBe(false);
  });

  test('57014 from a cancel request is not a timeout', () => {
    expect(classifyPostgresError(pgError('57014', 'canceling statement due to user request'))).toBeInstanceOf(
      DriverError,
    );
  });
});

describe('connection faults', () => {
  test('socket errors become ConnectionError', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH']) {
      expect(classifyPostgresError(pgError(code))).toBeInstanceOf(ConnectionError);
    }
  });

  test('an AggregateError of several refused addresses becomes ConnectionError', () => {
    const error = new AggregateError([pgError('ECONNREFUSED'), pgError('ECONNREFUSED')], 'connect failed');
    expect(classifyPostgresError(error)).toBeInstanceOf(ConnectionError);
  });

  test('"Connection terminated" without a code becomes ConnectionError', () => {
    expect(classifyPostgresError(new Error('Connection terminated unexpectedly'))).toBeInstanceOf(
      ConnectionError,
    );
    expect(isConnectionFault(new Error('Connection terminated'))).toBe(true);
  });

  test('a SQLSTATE wrapped as the cause of another error is found', () => {
    const wrapped = new Error('wrapper', { cause: pgError('23505') });
    expect(classifyPostgresError(wrapped)).toBeInstanceOf(UniqueConstraintError);
  });

  test('anything unknown becomes DriverError', () => {
    expect(classifyPostgresError('a string')).toBeInstanceOf(DriverError);
    expect(classifyPostgresError(null)).toBeInstanceOf(DriverError);
  });
});

describe('passwords', () => {
  test('the URL password never appears in a classified message', () => {
    const url = 'postgres://app:S3cr%40t!@localhost/app';
    const error = pgError('08006', 'could not connect with S3cr@t! or S3cr%40t!');
    const message = classifyPostgresError(error, url).message;
    expect(message).not.toContain('S3cr@t!');
    expect(message).not.toContain('S3cr%40t!');
  });
});

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
import { classifyMariadbError } from '../src/mariadb-errors.ts';

function serverError(errno: number, message = 'server said no'): Error {
  return Object.assign(new Error(message), {
    errno,
    code: 'ER_SOMETHING',
    sqlMessage: message,
    sqlState: 'HY000',
  });
}

describe('error classification', () => {
  test.each([
    [1062, UniqueConstraintError],
    [1451, ForeignKeyError],
    [1452, ForeignKeyError],
    [1216, ForeignKeyError],
    [1217, ForeignKeyError],
    [1048, NotNullError],
    [1364, NotNullError],
    [1406, ValidationError],
    [1366, ValidationError],
    [1264, ValidationError],
    [1292, ValidationError],
    [4025, ValidationError],
    [1792, ValidationError],
    [1969, StatementTimeoutError],
    [1213, DeadlockError],
    [1205, LockTimeoutError],
    [1020, SerializationError],
    [1045, AuthenticationError],
    [1698, AuthenticationError],
    [1049, ConfigurationError],
    [2006, ConnectionError],
    [2013, ConnectionError],
    [1927, ConnectionError],
    [1146, DriverError],
  ])('server error %i is a %o', (errno, expected) => {
    const error = serverError(errno);
    const classified = classifyMariadbError(error);
    expect(classified).toBeInstanceOf(expected);
    expect(classified.cause).toBe(error);
  });

  test.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'PROTOCOL_CONNECTION_LOST'])(
    'client error %s is a retryable ConnectionError',
    (code) => {
      const classified = classifyMariadbError(
        Object.assign(new Error(`connect ${code}`), { code, errno: -111 }),
      );
      expect(classified).toBeInstanceOf(ConnectionError);
      expect(classified.retryable).toBe(true);
    },
  );

  test('an error mysql2 marks fatal (the connection is unusable) is a ConnectionError', () => {
    const closed = Object.assign(new Error("Can't add new command when connection is in closed state"), {
      fatal: true,
    });
    expect(classifyMariadbError(closed)).toBeInstanceOf(ConnectionError);
  });

  test('deadlocks and lock timeouts are retryable; authentication failures are not', () => {
    expect(classifyMariadbError(serverError(1213)).retryable).toBe(true);
    expect(classifyMariadbError(serverError(1205)).retryable).toBe(true);
    expect(classifyMariadbError(serverError(1045)).retryable).toBe(false);
  });

  test('a snapshot-isolation conflict (1020, "Record has changed since last read") is a retryable SerializationError', () => {
    const error = serverError(
      1020,
      "Record has changed since last read in table 'acct'; try restarting transaction",
    );
    const classified = classifyMariadbError(error);
    expect(classified).toBeInstanceOf(SerializationError);
    expect(classified.code).toBe('SERIALIZATION_FAILURE');
    expect(classified.retryable).toBe(true);
    expect(classified.message).toContain('Record has changed since last read');
  });

  test('a MikroORM exception wrapping the mysql2 error is classified by the wrapped error', () => {
    const wrapped = new Error('wrapper', { cause: serverError(1062, "Duplicate entry 'a' for key 'x'") });
    expect(classifyMariadbError(wrapped)).toBeInstanceOf(UniqueConstraintError);
  });

  test('anything else is a DriverError', () => {
    expect(classifyMariadbError('a string')).toBeInstanceOf(DriverError);
    expect(classifyMariadbError(undefined)).toBeInstanceOf(DriverError);
  });
});

import { describe, expect, test } from 'vitest';
import {
  type ConfigurableConnection,
  configureConnection,
  SESSION_STATEMENTS,
  SNAPSHOT_ISOLATION_STATEMENT,
} from '../src/mariadb-session.ts';

/** A connection that records statements and answers them with `fail(sql)` as the error. */
function fakeConnection(fail: (sql: string) => Error | null = () => null) {
  const sent: string[] = [];
  const callbacks: (() => void)[] = [];
  let destroyed = 0;
  const connection: ConfigurableConnection = {
    query(sql, callback) {
      sent.push(sql);
      callbacks.push(() => callback(fail(sql)));
      return undefined;
    },
    destroy() {
      destroyed++;
    },
  };
  return {
    connection,
    sent,
    answerAll: () => {
      for (const answer of callbacks) answer();
    },
    destroyed: () => destroyed,
  };
}

describe('session setup', () => {
  test('every session statement is queued at once, in order, before anyone else can use the connection', () => {
    const fake = fakeConnection();
    configureConnection(fake.connection);
    expect(fake.sent).toEqual([...SESSION_STATEMENTS]);
    fake.answerAll();
    expect(fake.destroyed()).toBe(0);
  });

  test('binary collation, UTC, strict mode, READ COMMITTED and snapshot isolation', () => {
    const all = SESSION_STATEMENTS.join('\n');
    expect(all).toContain('SET NAMES utf8mb4 COLLATE utf8mb4_nopad_bin');
    expect(all).toContain("time_zone = '+00:00'");
    expect(all).toContain('STRICT_ALL_TABLES');
    expect(all).toContain('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
    expect(SESSION_STATEMENTS).toContain(SNAPSHOT_ISOLATION_STATEMENT);
  });

  test('snapshot isolation is set only where the server has the variable, by dynamic SQL', () => {
    // A plain SET of an unknown variable fails at parse time even in an untaken IF branch.
    expect(SNAPSHOT_ISOLATION_STATEMENT).toMatch(
      /^BEGIN NOT ATOMIC IF EXISTS \(SELECT 1 FROM information_schema\.SYSTEM_VARIABLES WHERE VARIABLE_NAME = 'INNODB_SNAPSHOT_ISOLATION'\) THEN /,
    );
    expect(SNAPSHOT_ISOLATION_STATEMENT).toContain(
      "EXECUTE IMMEDIATE 'SET SESSION innodb_snapshot_isolation = ON'",
    );
    expect(SNAPSHOT_ISOLATION_STATEMENT.replace(/EXECUTE IMMEDIATE '[^']*'/, '')).not.toContain(
      'SET SESSION',
    );
  });

  test('a connection whose setup fails is destroyed (once), never handed out with server defaults', () => {
    const fake = fakeConnection((sql) => (sql.startsWith('SET NAMES') ? new Error('refused') : null));
    configureConnection(fake.connection);
    fake.answerAll();
    expect(fake.destroyed()).toBe(1);
  });
});

import pg, { type Pool, type QueryResult } from 'pg';
import { describe, expect, test } from 'vitest';
import { PostgresStoreDriver } from '../src/postgres-driver.ts';
import { RAW_TEXT_OIDS, switchyardTypes } from '../src/postgres-type-parsers.ts';

describe('type parsers', () => {
  test('int8, numeric, timestamptz, json and jsonb arrive as the text the server sent', () => {
    for (const oid of [20, 1700, 1184, 114, 3802]) {
      expect(RAW_TEXT_OIDS.has(oid)).toBe(true);
      const parse = switchyardTypes.getTypeParser(oid, 'text') as (text: string) => unknown;
      expect(parse('9223372036854775807')).toBe('9223372036854775807');
    }
  });

  test('other types, and binary results, keep pg’s own parsers', () => {
    expect(switchyardTypes.getTypeParser(23, 'text')).toBe(pg.types.getTypeParser(23, 'text'));
    expect(switchyardTypes.getTypeParser(20, 'binary')).toBe(pg.types.getTypeParser(20, 'binary'));
  });
});

/** A pool whose one client answers every statement with `answer(sql)`. */
function fakePool(answer: (sql: string) => Partial<QueryResult>) {
  const released: (Error | undefined)[] = [];
  const client = {
    query: async (config: string | { text: string }) =>
      answer(typeof config === 'string' ? config : config.text) as QueryResult,
    release: (error?: Error) => {
      released.push(error);
    },
  };
  const pool = { connect: async () => client } as unknown as Pool;
  return { pool, released };
}

describe('PostgresStoreDriver transactions', () => {
  test('a COMMIT answered with ROLLBACK is an error, not a silent success', async () => {
    const { pool, released } = fakePool((sql) =>
      sql === 'COMMIT' ? { command: 'ROLLBACK', rows: [] } : { command: 'SELECT', rows: [], rowCount: 0 },
    );
    const tx = await new PostgresStoreDriver(pool, {
      poolMax: 1,
      sslMode: 'disable',
      poolTimeoutMs: 30_000,
    }).begin({
      isolation: undefined,
      readOnly: false,
    });
    await expect(tx.commit()).rejects.toThrow(/rolled back, not committed/);
    // The server ended the transaction: the connection goes back to the pool intact.
    expect(released).toEqual([undefined]);
  });

  test('a transaction refuses statements after it ended', async () => {
    const { pool } = fakePool(() => ({ command: 'COMMIT', rows: [], rowCount: 0 }));
    const tx = await new PostgresStoreDriver(pool, {
      poolMax: 1,
      sslMode: 'disable',
      poolTimeoutMs: 30_000,
    }).begin({
      isolation: undefined,
      readOnly: false,
    });
    await tx.commit();
    await expect(tx.query('SELECT 1', [])).rejects.toThrow('The transaction has already ended.');
  });
});

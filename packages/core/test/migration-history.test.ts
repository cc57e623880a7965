import { describe, expect, test } from 'vitest';
import { analyseHistory } from '../src/migrations/history-analysis.ts';
import type { HistoryRow } from '../src/migrations/history-table.ts';
import { migrationChecksum, stepsChecksum } from '../src/migrations/migration-files.ts';
import type { MigrationFile } from '../src/migrations/migration-types.ts';

const file = (
  name: string,
  up = [`create table ${name.slice(15)} (x int)`],
  parent: string | null = null,
): MigrationFile => ({
  format: 1,
  name,
  parent,
  dialects: { mariadb: { up, down: ['drop table x'] } },
  snapshot: {},
});
const A = file('20260101000000_a');
const B = file('20260102000000_b', ['s1', 's2', 's3'], A.name);
const C = file('20260103000000_c', undefined, B.name);

const applied = (f: MigrationFile, over: Partial<HistoryRow> = {}): [string, HistoryRow] => {
  const steps = f.dialects.mariadb as { up: string[]; down: string[] };
  return [
    f.name,
    {
      name: f.name,
      checksum: migrationChecksum(steps),
      state: 'applied',
      direction: 'up',
      steps: steps.up.length,
      done: steps.up.length,
      doneChecksum: stepsChecksum(steps.up),
      error: null,
      updatedAt: '2026-01-01T00:00:00.000Z',
      ...over,
    },
  ];
};

describe('analyseHistory', () => {
  test('an empty database has every file pending, in order', () => {
    const a = analyseHistory('mariadb', [A, B, C], new Map());
    expect(a.pending).toEqual([A.name, B.name, C.name]);
    expect(a.problems).toEqual([]);
    expect(a.migrations.map((m) => m.state)).toEqual(['pending', 'pending', 'pending']);
  });

  test('applied ones are not pending', () => {
    const a = analyseHistory('mariadb', [A, B, C], new Map([applied(A), applied(B)]));
    expect(a.pending).toEqual([C.name]);
    expect(a.migrations.map((m) => m.state)).toEqual(['applied', 'applied', 'pending']);
  });

  test('a partial migration comes first among the pending, with its progress and error', () => {
    const a = analyseHistory(
      'mariadb',
      [A, B, C],
      new Map([applied(A), applied(B, { state: 'partial', done: 1, error: 'boom' })]),
    );
    expect(a.pending).toEqual([B.name, C.name]);
    expect(a.migrations[1]).toMatchObject({
      state: 'partial',
      done: 1,
      steps: 3,
      error: 'boom',
      direction: 'up',
    });
    expect(a.problems).toEqual([]);
  });

  test('an applied migration without its file is a problem', () => {
    const a = analyseHistory('mariadb', [A], new Map([applied(A), applied(B)]));
    expect(a.migrations[1]).toMatchObject({ name: B.name, state: 'missing' });
    expect(a.problems.join()).toContain(`${B.name} is recorded in the database but its file is missing`);
  });

  test('a file changed after it was applied is marked and is a problem', () => {
    const changed = file(B.name, ['s1', 'other'], A.name);
    const a = analyseHistory('mariadb', [A, changed], new Map([applied(A), applied(B)]));
    expect(a.migrations[1]).toMatchObject({ state: 'applied', modified: true });
    expect(a.problems.join()).toContain('changed after it was applied');
  });

  test('a pending file that sorts before an applied one is a problem', () => {
    const a = analyseHistory('mariadb', [A, B, C], new Map([applied(A), applied(C)]));
    expect(a.problems.join()).toContain(`${B.name} is not applied but sorts before the applied ${C.name}`);
  });

  test('a history forked by two branches is a problem, even when every file is applied', () => {
    const forked = file(C.name, undefined, A.name);
    const a = analyseHistory('mariadb', [A, B, forked], new Map([applied(A), applied(B), applied(forked)]));
    expect(a.problems.join()).toContain(`${C.name} was generated after ${A.name}`);
  });

  test('a file without steps for the backend is a problem', () => {
    expect(analyseHistory('postgres', [A], new Map()).problems.join()).toContain('has no postgres steps');
  });

  test('a revert left part-way is a problem for up', () => {
    const a = analyseHistory(
      'mariadb',
      [A],
      new Map([applied(A, { state: 'partial', direction: 'down', done: 0 })]),
    );
    expect(a.pending).toEqual([]);
    expect(a.problems.join()).toContain('while being reverted');
  });
});

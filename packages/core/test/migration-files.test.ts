import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigurationError, MigrationHistoryError } from '../src/errors.ts';
import {
  chainProblems,
  loadMigrationSource,
  migrationChecksum,
  migrationName,
  readMigrations,
  stepsChecksum,
  writeMigration,
} from '../src/migrations/migration-files.ts';
import type { MigrationFile } from '../src/migrations/migration-types.ts';

const file = (name: string, parent: string | null): MigrationFile => ({
  format: 1,
  name,
  parent,
  dialects: { sqlite: { up: ['create table t (x int)'], down: ['drop table t'] } },
  snapshot: { sqlite: { schema: {}, objects: {} } },
});

describe('migration names', () => {
  test('are the UTC time to the second and the slug', () => {
    expect(migrationName(new Date('2026-11-21T09:30:05.123Z'), 'add_tags')).toBe('20261121093005_add_tags');
  });

  test('refuse slugs that are not letters, digits, _ and -', () => {
    for (const bad of ['', 'add tags', '../x', '-x', 'a'.repeat(101)]) {
      expect(() => migrationName(new Date(), bad)).toThrow(ConfigurationError);
    }
  });
});

describe('reading and writing migration files', () => {
  test('round-trips a file and never overwrites one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sy-mig-'));
    const a = file('20260101000000_a', null);
    const path = await writeMigration(dir, a);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(a);
    expect(await readMigrations(dir)).toEqual([a]);
    await expect(writeMigration(dir, a)).rejects.toThrow(/EEXIST/);
  });

  test('reads in name order and ignores other files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sy-mig-'));
    await writeMigration(dir, file('20260102000000_b', '20260101000000_a'));
    await writeMigration(dir, file('20260101000000_a', null));
    await writeFile(join(dir, 'README.md'), 'notes');
    expect((await readMigrations(dir)).map((f) => f.name)).toEqual(['20260101000000_a', '20260102000000_b']);
  });

  test('a missing directory is an empty history only when allowed', async () => {
    const dir = join(tmpdir(), `sy-missing-${process.pid}-${Date.now()}`);
    expect(await readMigrations(dir, true)).toEqual([]);
    await expect(readMigrations(dir)).rejects.toThrow(ConfigurationError);
  });

  test.each([
    ['not JSON', '{', /not valid JSON/],
    ['another format', JSON.stringify({ ...file('20260101000000_a', null), format: 2 }), /format 1/],
    [
      'a name that differs from the file',
      JSON.stringify(file('20260101000000_b', null)),
      /differs from the file name/,
    ],
    [
      'a step that is not SQL',
      JSON.stringify({ ...file('20260101000000_a', null), dialects: { sqlite: { up: [42], down: [] } } }),
      /steps of sqlite/,
    ],
    [
      'a reindex without fields',
      JSON.stringify({
        ...file('20260101000000_a', null),
        dialects: {
          sqlite: { up: [{ reindex: { table: 't', key: 'id', indexTable: 't__search' } }], down: [] },
        },
      }),
      /steps of sqlite/,
    ],
  ])('refuses a file with %s, naming it', async (_, content, message) => {
    const dir = await mkdtemp(join(tmpdir(), 'sy-mig-'));
    await writeFile(join(dir, '20260101000000_a.json'), content);
    const error = await readMigrations(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationHistoryError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('20260101000000_a.json');
  });

  test('loadMigrationSource checks and sorts files given in memory', async () => {
    const a = file('20260101000000_a', null);
    const b = file('20260102000000_b', a.name);
    expect(await loadMigrationSource([b, a])).toEqual([a, b]);
    expect(await loadMigrationSource(undefined)).toBeUndefined();
    await expect(loadMigrationSource([{ ...a, format: 3 } as never])).rejects.toThrow(MigrationHistoryError);
  });
});

describe('the history as one line', () => {
  test('each migration must follow the one before it', () => {
    const a = file('20260101000000_a', null);
    const b = file('20260102000000_b', a.name);
    expect(chainProblems([a, b])).toEqual([]);
  });

  test('two migrations generated on the same parent are reported, naming the later one', () => {
    const a = file('20260101000000_a', null);
    const b = file('20260102000000_b', a.name);
    const c = file('20260103000000_c', a.name);
    const problems = chainProblems([a, b, c]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('20260103000000_c');
    expect(problems[0]).toContain('migrate create');
  });
});

describe('checksums', () => {
  test('change with any step and tell up from down', () => {
    const steps = { up: ['a', 'b'], down: ['c'] };
    expect(migrationChecksum(steps)).toBe(migrationChecksum({ up: ['a', 'b'], down: ['c'] }));
    expect(migrationChecksum(steps)).not.toBe(migrationChecksum({ up: ['a', 'b2'], down: ['c'] }));
    expect(migrationChecksum(steps)).not.toBe(migrationChecksum({ up: ['a'], down: ['b', 'c'] }));
    expect(stepsChecksum([])).not.toBe(stepsChecksum(['a']));
  });
});

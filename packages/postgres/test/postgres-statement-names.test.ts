import { describe, expect, test } from 'vitest';
import { StatementNames } from '../src/postgres-statement-names.ts';

describe('prepared statement names', () => {
  test('the same text always gets the same name, another text another name', () => {
    const names = new StatementNames();
    const a = names.nameOf('SELECT 1');
    expect(a).toBeDefined();
    expect(names.nameOf('SELECT 1')).toBe(a);
    expect(names.nameOf('SELECT 2')).not.toBe(a);
  });

  test('DDL and transaction control are never prepared', () => {
    const names = new StatementNames();
    expect(names.nameOf('CREATE TABLE t (id int)')).toBeUndefined();
    expect(names.nameOf('SAVEPOINT sy_1')).toBeUndefined();
    expect(names.nameOf('  with x as (select 1) select * from x')).toBeDefined();
  });

  test('past the cap, new texts run unnamed and known ones keep their names', () => {
    const names = new StatementNames(2);
    const first = names.nameOf('SELECT 1');
    names.nameOf('SELECT 2');
    expect(names.nameOf('SELECT 3')).toBeUndefined();
    expect(names.nameOf('SELECT 1')).toBe(first);
  });
});

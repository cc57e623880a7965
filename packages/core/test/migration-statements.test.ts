import { describe, expect, test } from 'vitest';
import { splitStatements } from '../src/migrations/statement-splitter.ts';

describe('splitStatements', () => {
  test('splits on a semicolon that ends a line and drops empty statements', () => {
    expect(splitStatements('create table a (x int);\n\nalter table a add column y int;\n')).toEqual([
      'create table a (x int)',
      'alter table a add column y int',
    ]);
  });

  test('keeps a semicolon and line break inside a quoted literal', () => {
    const text = "alter table a add column z text default 'one;\ntwo';\ncreate index i on a (z);";
    expect(splitStatements(text)).toEqual([
      "alter table a add column z text default 'one;\ntwo'",
      'create index i on a (z)',
    ]);
  });

  test('doubled quotes inside a literal do not end it', () => {
    expect(splitStatements("select 'it''s;\nfine';\nselect 2;")).toEqual([
      "select 'it''s;\nfine'",
      'select 2',
    ]);
  });

  test('a semicolon inside a line does not split (trigger bodies)', () => {
    const trigger = 'create trigger t after insert on a begin insert into b values (1); end;';
    expect(splitStatements(trigger)).toEqual([
      'create trigger t after insert on a begin insert into b values (1); end',
    ]);
  });

  test('quoted identifiers are literals too', () => {
    expect(splitStatements('create table "a;\nb" (x int);\nselect 1')).toEqual([
      'create table "a;\nb" (x int)',
      'select 1',
    ]);
  });
});

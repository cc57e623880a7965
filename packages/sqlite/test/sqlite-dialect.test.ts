import { describe, expect, test } from 'vitest';
import { likeToGlob, sqliteJsonPath } from '../src/sqlite-dialect.ts';
import { parseSqliteUrl } from '../src/sqlite-url.ts';

describe('SQLite dialect helpers', () => {
  test('LIKE patterns become GLOB patterns with GLOB metacharacters made literal', () => {
    expect(likeToGlob('a%b_c')).toBe('a*b?c');
    expect(likeToGlob('100\\%')).toBe('100%');
    expect(likeToGlob('*?[x')).toBe('[*][?][[]x');
    expect(likeToGlob('\\_\\\\')).toBe('_\\');
  });

  test('JSON paths quote every key so dots and quotes stay inside one segment', () => {
    expect(sqliteJsonPath(['a.b', 0, 'say "hi"'])).toBe('$."a.b"[0]."say \\"hi\\""');
    expect(sqliteJsonPath(['back\\slash', 'new\nline'])).toBe('$."back\\\\slash"."new\\nline"');
  });

  test('URLs: relative, absolute and in-memory databases', () => {
    expect(parseSqliteUrl('sqlite::memory:')).toEqual({ filename: ':memory:', memory: true });
    expect(parseSqliteUrl('sqlite:///var/db/app.sqlite').filename).toBe('/var/db/app.sqlite');
    expect(parseSqliteUrl('file:data/x.db').filename).toBe(`${process.cwd()}/data/x.db`);
  });

  test('URL parameters are refused by name rather than ignored', () => {
    expect(() => parseSqliteUrl('sqlite:./x.db?mode=ro&cache=shared')).toThrow(/"mode", "cache"/);
    expect(parseSqliteUrl('sqlite:./x.db?').filename).toBe(`${process.cwd()}/x.db`);
  });
});

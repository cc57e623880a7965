import { describe, expect, test } from 'vitest';
import { likeToGlob, sqliteJsonPath } from '../src/sqlite-dialect.ts';

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
});

import { ident, raw, type Sql, sql } from '@switchyard/core/adapter';
import { describe, expect, test } from 'vitest';
import { mariadbDialect, mariadbJsonPath } from '../src/mariadb-dialect.ts';

/** The SQL text with `?` for values, and the values. */
function render(fragment: Sql): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const text = fragment.parts
    .map((p) => {
      if (p.kind === 'text') return p.text;
      if (p.kind === 'ident') return mariadbDialect.quoteIdent(p.name);
      values.push(p.value);
      return '?';
    })
    .join('');
  return { text, values };
}

describe('JSON paths', () => {
  test('every key is quoted, so dots and Unicode stay inside one key', () => {
    expect(mariadbJsonPath(['a.b', 'é', 0, 'x'])).toBe('$."a.b"."é"[0]."x"');
  });

  test('quotes, backslashes and control characters in a key are escaped as in JSON', () => {
    expect(mariadbJsonPath(['say "hi"', 'back\\slash', 'new\nline'])).toBe(
      '$."say \\"hi\\""."back\\\\slash"."new\\nline"',
    );
  });

  test('the empty path is the whole value', () => {
    expect(mariadbJsonPath([])).toBe('$');
  });

  test('an array index applies only to arrays (MariaDB would apply [0] to any value)', () => {
    const { text, values } = render(mariadbDialect.jsonExists(ident('j'), ['a', 0]));
    expect(text).toContain("JSON_TYPE(JSON_EXTRACT(`j`, ?)) = 'ARRAY'");
    expect(values).toEqual(['$."a"', '$."a"[0]']);
  });
});

describe('SQL pieces', () => {
  test('identifiers are quoted with backticks, doubling any backtick', () => {
    expect(mariadbDialect.quoteIdent('a`b')).toBe('`a``b`');
  });

  test('NULLs sort last ascending and first descending without NULLS FIRST/LAST', () => {
    expect(render(mariadbDialect.orderTerm(ident('x'), 'asc', true)).text).toBe('`x` IS NULL, `x` ASC');
    expect(render(mariadbDialect.orderTerm(ident('x'), 'desc', true)).text).toBe(
      '`x` IS NULL DESC, `x` DESC',
    );
  });

  test('an expression known not to be NULL sorts without the IS NULL term, so an index can be read in order', () => {
    expect(render(mariadbDialect.orderTerm(ident('id'), 'asc', false)).text).toBe('`id` ASC');
    expect(render(mariadbDialect.orderTerm(ident('id'), 'desc', false)).text).toBe('`id` DESC');
  });

  test('LIKE names backslash as its escape character; a column keeps its own (binary) collation', () => {
    expect(render(mariadbDialect.like(ident('s'), 'a\\%%')).text).toBe("`s` LIKE ? ESCAPE '\\\\'");
  });

  test('LIKE on an expression compares in the binary collation', () => {
    expect(render(mariadbDialect.like(sql`UPPER(${ident('s')})`, 'A%')).text).toContain(
      'COLLATE utf8mb4_nopad_bin',
    );
  });

  test('a decimal operand is an exact numeric literal, not a string compared as a double', () => {
    expect(render(mariadbDialect.comparableValue('decimal', '-12.3400')).text).toBe('-12.3400');
    expect(render(mariadbDialect.comparableValue('decimal', '1; DROP TABLE x')).values).toEqual([
      '1; DROP TABLE x',
    ]);
    expect(render(mariadbDialect.comparableValue('string', '1.5')).values).toEqual(['1.5']);
  });

  test('lower() of a column picks the Unicode 14 case table on MariaDB 10.10+ by a version comment', () => {
    const { text } = render(mariadbDialect.lower(ident('s')));
    expect(text).toContain('/*M!101000 COLLATE utf8mb4_uca1400_as_cs */');
    expect(text).toContain('COLLATE utf8mb4_unicode_520_ci');
  });

  test('lower() of an expression with bound values keeps every placeholder outside comments', () => {
    const { text } = render(mariadbDialect.lower(sql`${'x'}`));
    const comments = text.match(/\/\*.*?\*\//g) ?? [];
    expect(comments).toEqual(['/*M!101000 COLLATE utf8mb4_uca1400_as_cs */']);
    expect(text.replace(/\/\*.*?\*\//g, '').match(/\?/g)).toHaveLength(1);
  });

  test('JSON string values compare in the binary collation', () => {
    expect(render(mariadbDialect.jsonScalarValue('a', 'string')).text).toBe(
      '(CONVERT(? USING utf8mb4) COLLATE utf8mb4_nopad_bin)',
    );
    expect(render(mariadbDialect.jsonScalar(raw('j'), ['k'], 'string')).text).toContain(
      'COLLATE utf8mb4_nopad_bin',
    );
  });

  test('array containment walks the top-level elements with JSON_TABLE, not JSON_CONTAINS', () => {
    const { text } = render(mariadbDialect.jsonArrayContains(ident('j'), ['tags'], 1));
    expect(text).toContain('JSON_TABLE(');
    expect(text).not.toContain('JSON_CONTAINS(');
  });
});

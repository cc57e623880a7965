import { raw, type Sql } from '@switchyard/core/adapter';
import { describe, expect, test } from 'vitest';
import { postgresDialect as d } from '../src/postgres-dialect.ts';

/** The SQL text with `$n` placeholders, and the bound values. */
function render(fragment: Sql): { text: string; params: unknown[] } {
  let text = '';
  const params: unknown[] = [];
  for (const part of fragment.parts) {
    if (part.kind === 'text') text += part.text;
    else if (part.kind === 'ident') text += d.quoteIdent(part.name);
    else {
      params.push(part.value);
      text += d.placeholder(params.length);
    }
  }
  return { text, params };
}

const col = raw('"doc"');

describe('dialect', () => {
  test('placeholders are $1, $2, … and identifiers are double-quoted with quotes doubled', () => {
    expect(d.placeholder(3)).toBe('$3');
    expect(d.quoteIdent('we"ird')).toBe('"we""ird"');
  });

  test('NULLs sort last ascending and first descending, spelled out', () => {
    expect(render(d.orderTerm(col, 'asc', true)).text).toBe('"doc" ASC NULLS LAST');
    expect(render(d.orderTerm(col, 'desc', true)).text).toBe('"doc" DESC NULLS FIRST');
  });

  test('LIKE compares in the "C" collation with backslash as the escape character', () => {
    const { text, params } = render(d.like(col, '100\\%%'));
    expect(text).toBe(`("doc") COLLATE "C" LIKE $1 ESCAPE E'\\\\'`);
    expect(params).toEqual(['100\\%%']);
  });

  test('lower() folds with the ICU root collation and compares in "C"', () => {
    const { text } = render(d.lower(col));
    expect(text).toContain('COLLATE "und-x-icu"');
    expect(text).toMatch(/COLLATE "C" END\)$/);
  });

  test('a JSON path is bound as a text[] parameter', () => {
    const { text, params } = render(d.jsonExists(col, ['meta', 'p']));
    expect(text).toBe('("doc" #> $1::text[] IS NOT NULL)');
    expect(params).toEqual([['meta', 'p']]);
  });

  test('a number segment only indexes an array and a digit key only names an object key', () => {
    const { text, params } = render(d.jsonExists(col, ['items', 0, '2024']));
    expect(text).toContain(`jsonb_typeof("doc" #> $1::text[]) = 'array'`);
    expect(text).toContain(`jsonb_typeof("doc" #> $2::text[]) = 'object'`);
    expect(params.slice(0, 2)).toEqual([['items'], ['items', '0']]);
  });

  test('a JSON scalar of another type is NULL, never a cast error', () => {
    const { text } = render(d.jsonScalar(col, ['n'], 'number'));
    expect(text).toBe(
      `(CASE WHEN jsonb_typeof("doc" #> $1::text[]) = 'number' THEN ("doc" #>> $2::text[])::numeric END)`,
    );
  });

  test('JSON strings compare in the "C" collation', () => {
    expect(render(d.jsonScalar(col, ['k'], 'string')).text).toContain('COLLATE "C" END');
  });

  test('array containment is one typed `@>` (an object or scalar never contains an array), on the column itself when the path is empty', () => {
    const nested = render(d.jsonArrayContains(col, ['tags'], 'ops'));
    expect(nested.text).toContain('#> $1::text[]) @> jsonb_build_array($2::text)');
    expect(nested.params).toEqual([['tags'], 'ops']);
    // No expression around the column: the planner estimates the condition from its statistics.
    const whole = render(d.jsonArrayContains(col, [], 3));
    expect(whole.text).not.toContain('#>');
    expect(whole.text).toContain('@> jsonb_build_array($1::numeric)');
  });

  test('rows are locked with FOR UPDATE', () => {
    expect(d.forUpdateClause).toBe('FOR UPDATE');
  });
});

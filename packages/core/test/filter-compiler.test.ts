import { describe, expect, test } from 'vitest';
import { ValidationError } from '../src/errors.ts';
import { escapeLike, FilterCompiler } from '../src/query/filter-compiler.ts';
import type { EntityModel, PropertyModel } from '../src/schema/entity-model.ts';
import { compile } from '../src/sql/sql-fragment.ts';
import { dialect } from './fixtures/fake-dialect.ts';

const codec = { encode: (_k: unknown, v: unknown) => v, decode: (_k: unknown, v: unknown) => v };
const title: PropertyModel = {
  name: 'title',
  column: 'title',
  kind: 'string',
  nullable: true,
  primary: false,
  version: false,
  maxLength: 5,
  precision: undefined,
  scale: undefined,
  references: undefined,
  onCreate: undefined,
  onUpdate: undefined,
  defaultValue: undefined,
};
const entity = { name: 'Note', byName: new Map([['title', title]]) } as unknown as EntityModel;
const compiler = new FilterCompiler(dialect, codec);
const render = (where: unknown) => compile(compiler.compile(entity, where), dialect);

describe('FilterCompiler', () => {
  test('LIKE wildcards and the escape character in user values are escaped', () => {
    expect(escapeLike('50%_off\\')).toBe('50\\%\\_off\\\\');
    expect(render({ title: { startsWith: '5%' } })).toEqual({ sql: '"title" LIKE ?', params: ['5\\%%'] });
  });

  test('case-insensitive operators fold the operand in JS and the column in SQL', () => {
    expect(render({ title: { ieq: 'ÄB' } })).toEqual({ sql: 'lower("title") = ?', params: ['äb'] });
  });

  test('a filter operand is not limited by the declared max length, but NUL is refused', () => {
    expect(render({ title: 'longer than five' }).params).toEqual(['longer than five']);
    expect(() => render({ title: { contains: 'a\u0000' } })).toThrow(ValidationError);
  });

  test('null means IS NULL, and empty in/nin match nothing/every non-null row', () => {
    expect(render({ title: null }).sql).toBe('"title" IS NULL');
    expect(render({ title: { in: [] } }).sql).toBe('1 = 0');
    expect(render({ title: { nin: [] } }).sql).toBe('"title" IS NOT NULL');
  });

  test('$or, $and and $not nest', () => {
    expect(render({ $or: [{ title: 'a' }, { $not: { title: 'b' } }] }).sql).toBe(
      '(("title" = ?) OR (NOT ("title" = ?)))',
    );
  });

  test('an undefined value or operand, or an empty operator object, is refused instead of matching every row', () => {
    expect(() => render({ title: undefined })).toThrow(ValidationError);
    expect(() => render({ title: { eq: undefined } })).toThrow(ValidationError);
    expect(() => render({ title: {} })).toThrow(ValidationError);
  });

  test('in and nin take at most 10,000 values', () => {
    expect(render({ title: { in: Array.from({ length: 10_000 }, (_, i) => `t${i}`) } }).params).toHaveLength(
      10_000,
    );
    expect(() => render({ title: { in: Array.from({ length: 10_001 }, (_, i) => `t${i}`) } })).toThrow(
      ValidationError,
    );
  });

  test('an unknown property or operator is a ValidationError', () => {
    expect(() => render({ nope: 1 })).toThrow(ValidationError);
    expect(() => render({ title: { between: [1, 2] } })).toThrow(ValidationError);
  });
});

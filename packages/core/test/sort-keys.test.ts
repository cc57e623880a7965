import { describe, expect, test } from 'vitest';
import { afterPredicate, resolveSortKeys, type SortKey } from '../src/query/sort-keys.ts';
import type { EntityModel, PropertyModel } from '../src/schema/entity-model.ts';
import { compile, ident } from '../src/sql/sql-fragment.ts';
import { dialect } from './fixtures/fake-dialect.ts';

const codec = { encode: (_k: unknown, v: unknown) => v, decode: (_k: unknown, v: unknown) => v };
const property = (name: string, nullable: boolean): PropertyModel =>
  ({ name, column: name, kind: 'string', nullable }) as PropertyModel;
const key = (name: string, nullable: boolean, direction: 'asc' | 'desc'): SortKey => ({
  prop: property(name, nullable),
  direction,
  path: undefined,
  as: 'string',
  expr: ident(name),
  signature: `${name}:${direction}`,
});
const after = (keys: SortKey[], values: unknown[]) =>
  compile(afterPredicate(keys, values, dialect, codec), dialect);

describe('afterPredicate (keyset pagination)', () => {
  test('a key that cannot be NULL stays a plain comparison, which an index can serve as a range', () => {
    expect(after([key('id', false, 'asc')], ['k'])).toEqual({ sql: '(("id" > ?))', params: ['k'] });
  });

  test('a nullable ascending key also takes the NULLs, which sort last', () => {
    expect(after([key('title', true, 'asc'), key('id', false, 'asc')], ['t', 'k'])).toEqual({
      sql: '((("title" > ? OR "title" IS NULL)) OR ("title" = ? AND "id" > ?))',
      params: ['t', 't', 'k'],
    });
  });

  test('after a NULL of a nullable descending key come the rows where it is not NULL', () => {
    expect(after([key('title', true, 'desc'), key('id', false, 'desc')], [null, 'k']).sql).toBe(
      '(("title" IS NOT NULL) OR ("title" IS NULL AND "id" < ?))',
    );
  });
});

describe('resolveSortKeys', () => {
  const id = { ...property('id', false), primary: true } as PropertyModel;
  const properties = [id, property('createdAt', false), property('title', true)];
  const entity = {
    name: 'Note',
    table: 'note',
    primaryKey: id,
    properties,
    byName: new Map(properties.map((p) => [p.name, p])),
    versionProperty: undefined,
  } as unknown as EntityModel;
  const order = (orderBy?: Record<string, 'asc' | 'desc'>) =>
    resolveSortKeys(entity, orderBy, dialect).map((k) => `${k.prop.name}:${k.direction}`);

  test('without an order, the primary key ascending', () => {
    expect(order()).toEqual(['id:asc']);
  });

  test('ties are broken by the primary key in the direction of the last key', () => {
    expect(order({ createdAt: 'desc' })).toEqual(['createdAt:desc', 'id:desc']);
    expect(order({ createdAt: 'asc' })).toEqual(['createdAt:asc', 'id:asc']);
    expect(order({ createdAt: 'desc', title: 'asc' })).toEqual(['createdAt:desc', 'title:asc', 'id:asc']);
    expect(order({ title: 'asc', createdAt: 'desc' })).toEqual(['title:asc', 'createdAt:desc', 'id:desc']);
  });

  test('a primary key the order names is not added again', () => {
    expect(order({ id: 'desc', createdAt: 'asc' })).toEqual(['id:desc', 'createdAt:asc']);
  });

  test('the direction of the tie-break is part of the signature a cursor is tied to', () => {
    const signature = (orderBy: Record<string, 'asc' | 'desc'>) =>
      resolveSortKeys(entity, orderBy, dialect).map((k) => k.signature);
    expect(signature({ createdAt: 'desc' })).toEqual(['createdAt:desc', 'id:desc']);
  });
});

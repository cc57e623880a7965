import { ValidationError } from '../errors.ts';
import type { EntityModel, PropertyModel } from '../schema/entity-model.ts';
import { normalizeValue } from '../schema/value-validation.ts';
import type { JsonPath, JsonScalarType, SqlDialect } from '../sql/sql-dialect.ts';
import { ident, join, raw, type Sql, sql } from '../sql/sql-fragment.ts';
import type { ValueCodec } from '../sql/value-codec.ts';
import type { JsonOps, JsonScalar } from './filter-types.ts';
import { foldCase } from './fold-case.ts';
import { toJsonPath } from './json-path.ts';

const TRUE = raw('1 = 1');
const FALSE = raw('1 = 0');

const comparisonOps = ['eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'isNull'] as const;
const stringOps = [
  'like',
  'startsWith',
  'endsWith',
  'contains',
  'ieq',
  'istartsWith',
  'iendsWith',
  'icontains',
];
const jsonOps = ['path', 'eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'exists', 'contains', 'isNull'];
const sqlOperator = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
/** Bound values per `in`/`nin` list: well under every backend's parameter limit (SQLite's is 32,766). */
export const MAX_IN_VALUES = 10_000;
/** Values per JSON `in`/`nin`: each is a typed comparison, and SQLite caps the expression depth. */
export const MAX_JSON_IN_VALUES = 500;

/** Escapes LIKE wildcards so user text matches literally (escape character `\`). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Compiles a `Where` object into a SQL condition for one entity. Operands are validated and
 * normalised exactly like written values, so a filter can never compare against something a
 * write would refuse.
 */
export class FilterCompiler {
  readonly #dialect: SqlDialect;
  readonly #codec: ValueCodec;

  constructor(dialect: SqlDialect, codec: ValueCodec) {
    this.#dialect = dialect;
    this.#codec = codec;
  }

  /**
   * The filter as a condition on the entity's columns; with `alias`, each column is qualified by
   * it (a query whose FROM has other tables with columns of the same names).
   */
  compile(entity: EntityModel, where: unknown, alias?: string): Sql {
    if (where === undefined || where === null) return TRUE;
    if (typeof where !== 'object' || Array.isArray(where)) {
      throw new ValidationError(`${entity.name}: a filter must be an object.`, { entity: entity.name });
    }
    const parts: Sql[] = [];
    for (const [key, condition] of Object.entries(where)) {
      // An undefined value usually means a variable that was never set; skipping it would widen
      // the filter to every row (and a deleteMany to the whole table).
      if (condition === undefined) {
        throw new ValidationError(
          `${entity.name}: the filter on "${key}" is undefined; omit the key, or use isNull.`,
          {
            entity: entity.name,
          },
        );
      }
      if (key === '$and' || key === '$or') {
        if (!Array.isArray(condition))
          throw new ValidationError(`${entity.name}: ${key} takes an array of filters.`);
        const inner = condition.map((c: unknown) => {
          // Only the root filter may be absent; an unset element would widen the filter to every row.
          if (c === undefined || c === null) {
            throw new ValidationError(`${entity.name}: ${key} contains an undefined or null filter.`, {
              entity: entity.name,
            });
          }
          return sql`(${this.compile(entity, c, alias)})`;
        });
        if (inner.length === 0) parts.push(key === '$and' ? TRUE : FALSE);
        else parts.push(sql`(${join(inner, key === '$and' ? ' AND ' : ' OR ')})`);
        continue;
      }
      if (key === '$not') {
        if (condition === null) throw new ValidationError(`${entity.name}: $not takes a filter, not null.`);
        parts.push(sql`NOT (${this.compile(entity, condition, alias)})`);
        continue;
      }
      const prop = entity.byName.get(key);
      if (!prop) {
        throw new ValidationError(`${entity.name} has no property "${key}" to filter on.`, {
          entity: entity.name,
        });
      }
      parts.push(this.#property(entity, prop, condition, alias));
    }
    return parts.length === 0 ? TRUE : join(parts, ' AND ');
  }

  #property(entity: EntityModel, prop: PropertyModel, condition: unknown, alias: string | undefined): Sql {
    const column = alias === undefined ? ident(prop.column) : sql`${ident(alias)}.${ident(prop.column)}`;
    if (prop.kind === 'json') {
      if (condition === null || typeof condition !== 'object' || Array.isArray(condition)) {
        throw new ValidationError(
          `${entity.name}.${prop.name}: filter a JSON property with operators such as { path, eq }.`,
        );
      }
      return this.#json(entity, prop, column, condition as JsonOps);
    }
    if (condition === null || typeof condition !== 'object' || condition instanceof Date) {
      return this.#comparison(entity, prop, column, 'eq', condition);
    }
    const parts: Sql[] = [];
    const operators = Object.entries(condition);
    if (operators.length === 0) {
      throw new ValidationError(
        `${entity.name}.${prop.name}: an operator object needs at least one operator.`,
        {
          entity: entity.name,
          property: prop.name,
        },
      );
    }
    for (const [op, operand] of operators) {
      if (operand === undefined) {
        throw new ValidationError(`${entity.name}.${prop.name}: the operand of "${op}" is undefined.`, {
          entity: entity.name,
          property: prop.name,
        });
      }
      if ((comparisonOps as readonly string[]).includes(op)) {
        parts.push(this.#comparison(entity, prop, column, op as (typeof comparisonOps)[number], operand));
      } else if (stringOps.includes(op) && (prop.kind === 'string' || prop.kind === 'text')) {
        parts.push(this.#string(entity, prop, column, op, operand));
      } else {
        throw new ValidationError(
          `${entity.name}.${prop.name}: unknown operator "${op}" for a ${prop.kind}.`,
          {
            entity: entity.name,
            property: prop.name,
          },
        );
      }
    }
    return parts.length === 0 ? TRUE : join(parts, ' AND ');
  }

  /** Validates, normalises and encodes an operand; returns it as a comparable SQL expression. */
  #operand(entity: EntityModel, prop: PropertyModel, value: unknown): Sql {
    if (value === null || value === undefined) {
      throw new ValidationError(`${entity.name}.${prop.name}: use isNull instead of comparing with null.`);
    }
    const asFilter: PropertyModel = { ...prop, nullable: true, maxLength: undefined };
    const normalized = normalizeValue(entity, asFilter, value);
    return this.#dialect.comparableValue(prop.kind, this.#codec.encode(prop.kind, normalized));
  }

  #comparison(
    entity: EntityModel,
    prop: PropertyModel,
    column: Sql,
    op: (typeof comparisonOps)[number],
    operand: unknown,
  ): Sql {
    const lhs = this.#dialect.comparable(prop.kind, column);
    switch (op) {
      case 'isNull':
        return operand ? sql`${column} IS NULL` : sql`${column} IS NOT NULL`;
      case 'eq':
        return operand === null
          ? sql`${column} IS NULL`
          : sql`${lhs} = ${this.#operand(entity, prop, operand)}`;
      case 'ne':
        return operand === null
          ? sql`${column} IS NOT NULL`
          : sql`${lhs} <> ${this.#operand(entity, prop, operand)}`;
      case 'in':
      case 'nin': {
        if (!Array.isArray(operand))
          throw new ValidationError(`${entity.name}.${prop.name}: "${op}" takes an array.`);
        if (operand.length > MAX_IN_VALUES) {
          throw new ValidationError(
            `${entity.name}.${prop.name}: "${op}" takes at most ${MAX_IN_VALUES} values (every backend binds each one); filter in batches.`,
          );
        }
        if (operand.length === 0) return op === 'in' ? FALSE : sql`${column} IS NOT NULL`;
        const list = join(operand.map((v: unknown) => this.#operand(entity, prop, v)));
        return op === 'in' ? sql`${lhs} IN (${list})` : sql`${lhs} NOT IN (${list})`;
      }
      default:
        return sql`${lhs} ${raw(sqlOperator[op])} ${this.#operand(entity, prop, operand)}`;
    }
  }

  #string(entity: EntityModel, prop: PropertyModel, column: Sql, op: string, operand: unknown): Sql {
    if (typeof operand !== 'string' || operand.includes('\u0000') || !operand.isWellFormed()) {
      throw new ValidationError(
        `${entity.name}.${prop.name}: "${op}" takes a well-formed string without NUL characters.`,
      );
    }
    const d = this.#dialect;
    switch (op) {
      case 'like':
        if (/(?<!\\)(?:\\\\)*\\$/.test(operand)) {
          throw new ValidationError(
            `${entity.name}.${prop.name}: a like pattern cannot end with the escape character \\.`,
          );
        }
        return d.like(column, operand);
      case 'startsWith':
        return d.like(column, `${escapeLike(operand)}%`);
      case 'endsWith':
        return d.like(column, `%${escapeLike(operand)}`);
      case 'contains':
        return d.like(column, `%${escapeLike(operand)}%`);
      case 'ieq':
        return sql`${d.lower(column)} = ${foldCase(operand)}`;
      case 'istartsWith':
        return d.like(d.lower(column), `${escapeLike(foldCase(operand))}%`);
      case 'iendsWith':
        return d.like(d.lower(column), `%${escapeLike(foldCase(operand))}`);
      default:
        return d.like(d.lower(column), `%${escapeLike(foldCase(operand))}%`);
    }
  }

  #json(entity: EntityModel, prop: PropertyModel, column: Sql, ops: JsonOps): Sql {
    const where = `${entity.name}.${prop.name}`;
    const path = toJsonPath(ops.path, where);
    const d = this.#dialect;
    const parts: Sql[] = [];
    const entries = Object.entries(ops).filter(([op]) => op !== 'path');
    if (entries.length === 0)
      throw new ValidationError(`${where}: a JSON filter needs at least one operator.`);
    for (const [op, operand] of entries) {
      if (operand === undefined) throw new ValidationError(`${where}: the operand of "${op}" is undefined.`);
      if (!jsonOps.includes(op)) throw new ValidationError(`${where}: unknown JSON operator "${op}".`);
      switch (op) {
        case 'isNull':
          if (path.length > 0)
            throw new ValidationError(`${where}: isNull applies to the whole property; use exists.`);
          parts.push(operand ? sql`${column} IS NULL` : sql`${column} IS NOT NULL`);
          break;
        case 'exists':
          parts.push(operand ? d.jsonExists(column, path) : sql`NOT (${d.jsonExists(column, path)})`);
          break;
        case 'contains':
          parts.push(d.jsonArrayContains(column, path, scalar(where, op, operand)));
          break;
        case 'eq':
          parts.push(this.#jsonEquals(column, path, scalar(where, op, operand)));
          break;
        case 'ne': {
          const eq = this.#jsonEquals(column, path, scalar(where, op, operand));
          parts.push(sql`${d.jsonExists(column, path)} AND NOT (${eq})`);
          break;
        }
        case 'in':
        case 'nin': {
          if (Array.isArray(operand) && operand.length > MAX_JSON_IN_VALUES) {
            throw new ValidationError(
              `${where}: "${op}" on a JSON path takes at most ${MAX_JSON_IN_VALUES} values.`,
            );
          }
          if (!Array.isArray(operand) || operand.length === 0) {
            if (Array.isArray(operand)) {
              parts.push(op === 'in' ? FALSE : d.jsonExists(column, path));
              break;
            }
            throw new ValidationError(`${where}: "${op}" takes an array.`);
          }
          const alternatives = operand.map((v: unknown) =>
            this.#jsonEquals(column, path, scalar(where, op, v)),
          );
          const any = sql`(${join(alternatives, ' OR ')})`;
          parts.push(op === 'in' ? any : sql`${d.jsonExists(column, path)} AND NOT ${any}`);
          break;
        }
        default: {
          const value = scalar(where, op, operand);
          if (typeof value === 'boolean')
            throw new ValidationError(`${where}: "${op}" compares numbers or strings.`);
          const type = jsonTypeOf(value);
          const cmp = raw(sqlOperator[op as keyof typeof sqlOperator]);
          parts.push(sql`${d.jsonScalar(column, path, type)} ${cmp} ${d.jsonScalarValue(value, type)}`);
        }
      }
    }
    return parts.length === 0 ? TRUE : join(parts, ' AND ');
  }

  #jsonEquals(column: Sql, path: JsonPath, value: JsonScalar): Sql {
    const type = jsonTypeOf(value);
    const lhs = this.#dialect.jsonScalar(column, path, type);
    // `IS NOT NULL` keeps a type mismatch (NULL) false rather than unknown, so NOT(...) is exact.
    return sql`(${lhs} IS NOT NULL AND ${lhs} = ${this.#dialect.jsonScalarValue(value, type)})`;
  }
}

function scalar(where: string, op: string, value: unknown): JsonScalar {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw new ValidationError(`${where}: "${op}" operand contains NUL.`);
    if (!value.isWellFormed())
      throw new ValidationError(`${where}: "${op}" operand contains a lone surrogate.`);
    return value;
  }
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return value;
  throw new ValidationError(`${where}: "${op}" takes a string, a finite number or a boolean.`);
}

function jsonTypeOf(value: JsonScalar): JsonScalarType {
  return typeof value === 'number' ? 'number' : typeof value === 'string' ? 'string' : 'boolean';
}

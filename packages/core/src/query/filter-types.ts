import type { JsonPath } from '../sql/sql-dialect.ts';

/** Comparison operators shared by every ordered portable type. */
export interface ComparisonOps<V> {
  /** Equal. `null` means IS NULL. */
  eq?: V | null;
  /** Not equal. `null` means IS NOT NULL. Rows whose value is NULL never match `ne: value`. */
  ne?: V | null;
  in?: readonly V[];
  nin?: readonly V[];
  gt?: V;
  gte?: V;
  lt?: V;
  lte?: V;
  /** `true` matches NULL, `false` matches non-NULL. */
  isNull?: boolean;
}

/**
 * String operators. Everything except the `i…` operators is case-sensitive and binary on every
 * backend. `%` and `_` in `startsWith`/`contains`/`endsWith` values are literal characters;
 * `like` takes a LIKE pattern with `\` as its escape character (an escaped character matches itself;
 * a pattern ending in an unpaired `\` is refused with ValidationError).
 */
export interface StringOps extends ComparisonOps<string> {
  like?: string;
  startsWith?: string;
  endsWith?: string;
  contains?: string;
  /** Case-insensitive equality (simple per-character lower-case folding, see `foldCase`). */
  ieq?: string;
  istartsWith?: string;
  iendsWith?: string;
  icontains?: string;
}

export type JsonScalar = string | number | boolean;

/**
 * Filters on a JSON property. `path` selects a nested value (keys and array indexes; a dotted
 * string is split on dots). Comparisons are typed by the JS type of the operand: a number only
 * matches a JSON number, a string only a JSON string.
 */
export interface JsonOps {
  path?: string | JsonPath;
  eq?: JsonScalar;
  /** Path exists and is not equal to the operand (a value of another JSON type is not equal). */
  ne?: JsonScalar;
  in?: readonly JsonScalar[];
  nin?: readonly JsonScalar[];
  gt?: number | string;
  gte?: number | string;
  lt?: number | string;
  lte?: number | string;
  /** The path is present (its value may be JSON null). */
  exists?: boolean;
  /** The value at the path is an array containing this scalar. */
  contains?: JsonScalar;
  /** The whole property is SQL NULL (not JSON null). Only valid without `path`. */
  isNull?: boolean;
}

type IsJsonLike<V> = [V] extends [string | number | bigint | boolean | Date | null | undefined]
  ? false
  : true;

type OpsFor<V> = [NonNullable<V>] extends [string]
  ? StringOps
  : [NonNullable<V>] extends [number]
    ? ComparisonOps<number>
    : [NonNullable<V>] extends [bigint]
      ? ComparisonOps<bigint | number | string>
      : [NonNullable<V>] extends [boolean]
        ? ComparisonOps<boolean>
        : [NonNullable<V>] extends [Date]
          ? ComparisonOps<Date>
          : IsJsonLike<NonNullable<V>> extends true
            ? JsonOps
            : ComparisonOps<NonNullable<V>>;

/** A filter on rows of type `T`: properties are ANDed; `$and`, `$or`, `$not` combine filters. */
export type Where<T> = {
  [K in keyof T]?: OpsFor<T[K]> | (IsJsonLike<NonNullable<T[K]>> extends true ? never : T[K] | null);
} & {
  $and?: readonly Where<T>[];
  $or?: readonly Where<T>[];
  $not?: Where<T>;
};

export interface OrderTerm<T> {
  field: keyof T & string;
  direction?: 'asc' | 'desc';
  /** For a JSON property: the path to order by. */
  path?: string | JsonPath;
  /** For a JSON path: order numbers numerically (default) or strings in binary order. */
  as?: 'number' | 'string';
}

/** `{ createdAt: 'desc' }` (keys in priority order) or a list of terms. */
export type OrderBy<T> = { [K in keyof T]?: 'asc' | 'desc' } | readonly OrderTerm<T>[];

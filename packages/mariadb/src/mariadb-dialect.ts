import {
  type JsonPath,
  type JsonScalarType,
  type PortableKind,
  raw,
  type SortDirection,
  type Sql,
  type SqlDialect,
  sql,
} from '@switchyard/core/adapter';

/**
 * The collation of every text column, of every table and of every connection: binary (code-point
 * order, case- and accent-sensitive) and NO PAD (`'a '` ≠ `'a'`, even in a unique index).
 */
export const BINARY_COLLATION = 'utf8mb4_nopad_bin';

const COLLATE = raw(` COLLATE ${BINARY_COLLATION}`);

/**
 * `$."key"[0]` — every key is a quoted JSON string (quotes, backslashes and control characters
 * escaped as in JSON), so any Unicode key (dots, spaces, `$`, brackets) is one segment.
 */
export function mariadbJsonPath(path: JsonPath): string {
  let out = '$';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `.${JSON.stringify(part)}`;
  return out;
}

/**
 * MariaDB applies `[n]` to a non-array as if it were a one-element array (`$[0]` of `{"a":1}` is
 * the object itself); every other backend finds nothing there. One guard per index step keeps
 * `[n]` to arrays.
 */
function arrayGuards(column: Sql, path: JsonPath): Sql[] {
  const guards: Sql[] = [];
  path.forEach((part, i) => {
    if (typeof part === 'number') {
      guards.push(sql`JSON_TYPE(JSON_EXTRACT(${column}, ${mariadbJsonPath(path.slice(0, i))})) = 'ARRAY'`);
    }
  });
  return guards;
}

function withGuards(guards: readonly Sql[], condition: Sql): Sql {
  let out = condition;
  for (const guard of guards) out = sql`${guard} AND ${out}`;
  return out;
}

/** A JSON string as text in the binary collation (JSON columns are `utf8mb4_bin`, which pads). */
function jsonText(json: Sql, path: string): Sql {
  return sql`(CONVERT(JSON_VALUE(${json}, ${path}) USING utf8mb4)${COLLATE})`;
}

const numericTypes = raw(`IN ('INTEGER', 'DOUBLE', 'DECIMAL')`);

/** The value of a JSON scalar (given as JSON text and its path) as a comparable SQL value of `type`. */
function scalarOf(json: Sql, path: string, type: JsonScalarType): Sql {
  switch (type) {
    case 'number':
      return sql`CAST(JSON_VALUE(${json}, ${path}) AS DOUBLE)`;
    case 'string':
      return jsonText(json, path);
    case 'boolean':
      // JSON_VALUE turns true into '1'; the JSON text itself is exactly `true` or `false`.
      return sql`(JSON_EXTRACT(${json}, ${path}) = 'true')`;
  }
}

function typeTest(type: JsonScalarType): Sql {
  return type === 'number' ? numericTypes : type === 'string' ? raw(`= 'STRING'`) : raw(`= 'BOOLEAN'`);
}

/**
 * `expr` in the binary collation. Columns already are (and keep their index usable when left
 * alone); other expressions get an explicit COLLATE.
 */
function binary(expr: Sql): Sql {
  const [only, ...rest] = expr.parts;
  return only?.kind === 'ident' && rest.length === 0 ? expr : sql`(${expr}${COLLATE})`;
}

/** A decimal literal: exact, where a quoted string would be compared as a double. */
const decimalLiteral = /^-?\d+(?:\.\d+)?$/;

/**
 * Lower-case mapping equal to core's `foldCase`. MariaDB's own `utf8mb4` case table is old
 * (Unicode 4); the Unicode 5.2 table (`utf8mb4_unicode_520_ci`, every version) or, on 10.10 and
 * newer, the Unicode 14 table (`utf8mb4_uca1400_as_cs`, chosen by a version comment) match
 * `foldCase` for ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic, with two fixes: `İ` keeps
 * its form (its full lower case is two characters, which `foldCase` does not apply; NUL stands in
 * for it, since stored text never contains NUL) and `Ϳ` (missing from Unicode 5.2) is mapped.
 * Core passes a column here (case-insensitive operators compare a column with a folded value).
 */
function lowerExpr(expr: Sql): Sql {
  const protectedInput = sql`REPLACE(REPLACE(${expr}, _utf8mb4'İ', _utf8mb4'\\0'), _utf8mb4'Ϳ', _utf8mb4'ϳ')`;
  const collation = raw(' COLLATE utf8mb4_unicode_520_ci) /*M!101000 COLLATE utf8mb4_uca1400_as_cs */');
  const lowered = sql`LOWER((${protectedInput}${collation})`;
  return sql`(REPLACE(CONVERT(${lowered} USING utf8mb4)${COLLATE}, _utf8mb4'\\0', _utf8mb4'İ')${COLLATE})`;
}

/**
 * A cheap test passed by every row whose JSON text can hold `value` as a string element: the text
 * has the element as JSON.stringify writes it, or has an escape somewhere (a backslash), which may
 * spell the element otherwise. The JSON_TABLE test after it decides; this spares it the rows that
 * cannot match (most of those a filtered page reads). Undefined when the element needs an escape
 * in JSON (a quote, a backslash, a control character): rare, and its backslash would be LIKE's
 * escape character.
 */
function stringElementPrefilter(column: Sql, value: string): Sql | undefined {
  const element = JSON.stringify(value);
  if (element.includes('\\')) return undefined;
  // `%` or `_` in the element only let more rows through to the exact test.
  return sql`(LOCATE(${'\\'}, ${column}) > 0 OR ${mariadbDialect.like(column, `%${element}%`)})`;
}

export const mariadbDialect: SqlDialect = {
  quoteIdent: (name) => `\`${name.replace(/`/g, '``')}\``,
  placeholder: () => '?',
  // MariaDB has no NULLS FIRST/LAST; `x IS NULL` sorts 0 (values) before 1 (NULLs). The term
  // also stops MariaDB from reading an index in order (a filesort on every page), so it is left
  // out when core says the expression cannot be NULL.
  orderTerm: (expr: Sql, direction: SortDirection, nullable: boolean) => {
    if (!nullable) return direction === 'asc' ? sql`${expr} ASC` : sql`${expr} DESC`;
    return direction === 'asc' ? sql`${expr} IS NULL, ${expr} ASC` : sql`${expr} IS NULL DESC, ${expr} DESC`;
  },
  // Case-sensitive because every operand is in the binary collation; `'\\'` is one backslash.
  like: (expr, pattern) => sql`${binary(expr)} LIKE ${pattern} ESCAPE '\\\\'`,
  lower: lowerExpr,
  comparable: (_kind: PortableKind, expr: Sql) => expr,
  comparableValue: (kind: PortableKind, encoded: unknown) =>
    kind === 'decimal' && typeof encoded === 'string' && decimalLiteral.test(encoded)
      ? raw(encoded)
      : sql`${encoded}`,
  jsonExists: (column, path) =>
    withGuards(arrayGuards(column, path), sql`JSON_EXTRACT(${column}, ${mariadbJsonPath(path)}) IS NOT NULL`),
  jsonScalar: (column, path, type) => {
    const p = mariadbJsonPath(path);
    const condition = withGuards(
      arrayGuards(column, path),
      sql`JSON_TYPE(JSON_EXTRACT(${column}, ${p})) ${typeTest(type)}`,
    );
    return sql`(CASE WHEN ${condition} THEN ${scalarOf(column, p, type)} END)`;
  },
  jsonScalarValue: (value, type) => {
    if (type === 'boolean') return sql`${value ? 1 : 0}`;
    if (type === 'number') return sql`CAST(${value} AS DOUBLE)`;
    return sql`(CONVERT(${value} USING utf8mb4)${COLLATE})`;
  },
  jsonArrayContains: (column, path, value) => {
    const p = mariadbJsonPath(path);
    const type: JsonScalarType =
      typeof value === 'number' ? 'number' : typeof value === 'string' ? 'string' : 'boolean';
    const element = raw('sy_e.sy_v');
    const match = sql`JSON_TYPE(${element}) ${typeTest(type)} AND ${scalarOf(element, '$', type)} = ${mariadbDialect.jsonScalarValue(value, type)}`;
    // JSON_TABLE walks the top-level elements only: `[[1]]` does not contain 1 (JSON_CONTAINS says it does).
    const array = withGuards(
      arrayGuards(column, path),
      sql`JSON_TYPE(JSON_EXTRACT(${column}, ${p})) = 'ARRAY'`,
    );
    const exists = sql`EXISTS (SELECT 1 FROM JSON_TABLE(JSON_EXTRACT(${column}, ${p}), '$[*]' COLUMNS (sy_v JSON PATH '$')) AS sy_e WHERE ${match})`;
    const prefilter = typeof value === 'string' ? stringElementPrefilter(column, value) : undefined;
    return prefilter ? sql`(${prefilter} AND ${array} AND ${exists})` : sql`(${array} AND ${exists})`;
  },
  forUpdateClause: 'FOR UPDATE',
  // MariaDB has RETURNING for INSERT and DELETE only.
  updateReturning: false,
};

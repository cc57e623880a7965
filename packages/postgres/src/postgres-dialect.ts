import {
  type JsonPath,
  type JsonScalarType,
  join,
  type PortableKind,
  raw,
  type Sql,
  type SqlDialect,
  sql,
} from '@switchyard/core/adapter';

/**
 * The ICU root collation: its `lower()` applies the Unicode simple lower-case mapping to every
 * letter whatever the database's locale or ctype (a database created with `C` ctype would only
 * fold ASCII). It exists on every PostgreSQL built with ICU, which includes the official images
 * and Debian's packages.
 */
export const CASE_FOLDING_COLLATION = 'und-x-icu';

/** Comparisons and ordering that PostgreSQL's locale cannot influence: byte (= code point) order. */
const C = raw(' COLLATE "C"');

/** A path segment PostgreSQL could read either as an object key or as an array index. */
const indexLike = /^\s*[+-]?\d/;

/**
 * `#>` reads `'{items,0}'` as a key of an object and as an index of an array alike. The portable
 * rule is stricter: a number segment only indexes an array, a string segment only names an object
 * key. This returns the guards that enforce it for the ambiguous segments (none for plain keys).
 */
function segmentGuards(column: Sql, path: JsonPath): Sql[] {
  const guards: Sql[] = [];
  path.forEach((part, i) => {
    if (typeof part === 'string' && !indexLike.test(part)) return;
    const parent = path.slice(0, i).map(String);
    const expected = typeof part === 'number' ? 'array' : 'object';
    guards.push(sql`jsonb_typeof(${column} #> ${parent}::text[]) = ${raw(`'${expected}'`)}`);
  });
  return guards;
}

/** `guard AND …` prefix for the ambiguous segments of `path`, or nothing. */
function guarded(column: Sql, path: JsonPath, condition: Sql): Sql {
  const guards = segmentGuards(column, path);
  return guards.length === 0 ? condition : join([...guards, condition], ' AND ');
}

function pathParam(path: JsonPath): string[] {
  return path.map(String);
}

function scalarValue(value: string | number | boolean): Sql {
  if (typeof value === 'number') return sql`${value}::numeric`;
  if (typeof value === 'boolean') return sql`${value}::boolean`;
  return sql`${value}::text`;
}

/**
 * `lower()` with the same result as core's `foldCase`: the ICU simple mapping per character.
 * Two ICU behaviours are undone: the final-sigma rule (Σ is mapped to σ before lowering, as the
 * per-character mapping does) and the one multi-character mapping, `İ` → `i̇`, which `foldCase`
 * leaves alone (strings containing `İ` are lowered piece by piece around it).
 */
function foldCaseSql(expr: Sql): Sql {
  const lowered = (text: Sql) =>
    sql`lower(translate(${text}, 'Σ', 'σ') COLLATE "${raw(CASE_FOLDING_COLLATION)}")`;
  const pieces = sql`array_to_string(ARRAY(SELECT ${lowered(raw('sy_piece.s'))} FROM unnest(string_to_array(${expr}, 'İ')) WITH ORDINALITY AS sy_piece(s, n) ORDER BY sy_piece.n), 'İ')`;
  return sql`(CASE WHEN strpos(${expr}, 'İ') > 0 THEN ${pieces}${C} ELSE ${lowered(expr)}${C} END)`;
}

const kindCasts: Partial<Record<PortableKind, string>> = {
  uuid: 'uuid',
  datetime: 'timestamptz',
  bigint: 'bigint',
  decimal: 'numeric',
  integer: 'integer',
  float: 'double precision',
  boolean: 'boolean',
};

export const postgresDialect: SqlDialect = {
  quoteIdent: (name) => `"${name.replace(/"/g, '""')}"`,
  placeholder: (index) => `$${index}`,
  orderTerm: (expr, direction) =>
    direction === 'asc' ? sql`${expr} ASC NULLS LAST` : sql`${expr} DESC NULLS FIRST`,
  // `E'\\'` is one backslash whatever standard_conforming_strings says.
  like: (expr, pattern) => sql`(${expr})${C} LIKE ${pattern} ESCAPE E'\\\\'`,
  lower: (expr) => foldCaseSql(expr),
  // Columns are created in the "C" collation, so they compare correctly as they are.
  comparable: (_kind: PortableKind, expr: Sql) => expr,
  comparableValue: (kind: PortableKind, encoded: unknown) => {
    const cast = kindCasts[kind];
    return cast ? sql`${encoded}::${raw(cast)}` : sql`${encoded}`;
  },
  jsonExists: (column, path) =>
    sql`(${guarded(column, path, sql`${column} #> ${pathParam(path)}::text[] IS NOT NULL`)})`,
  jsonScalar: (column, path, type: JsonScalarType) => {
    const p = pathParam(path);
    const when = guarded(column, path, sql`jsonb_typeof(${column} #> ${p}::text[]) = ${raw(`'${type}'`)}`);
    const text = sql`${column} #>> ${p}::text[]`;
    switch (type) {
      case 'number':
        return sql`(CASE WHEN ${when} THEN (${text})::numeric END)`;
      case 'boolean':
        return sql`(CASE WHEN ${when} THEN (${text})::boolean END)`;
      case 'string':
        return sql`(CASE WHEN ${when} THEN (${text})${C} END)`;
    }
  },
  jsonScalarValue: (value) => scalarValue(value),
  // `@>` is type-strict (1 is not "1") and, with a one-element array on the right, only matches
  // elements of the outer array, never values inside nested arrays.
  jsonArrayContains: (column, path, value) => {
    // `@>` with a one-element array holds only for an array with that element at its top level (an
    // object or a scalar never contains an array), so it needs no type test; and on the column
    // itself the planner estimates it from the column's statistics, where an expression around
    // the column made it expect one row and read every row the other conditions allow.
    const target = path.length === 0 ? column : sql`(${column} #> ${pathParam(path)}::text[])`;
    return sql`(${guarded(column, path, sql`${target} @> jsonb_build_array(${scalarValue(value)})`)})`;
  },
  forUpdateClause: 'FOR UPDATE',
  updateReturning: true,
};

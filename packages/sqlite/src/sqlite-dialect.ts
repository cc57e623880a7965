import {
  type JsonPath,
  type JsonScalarType,
  type PortableKind,
  raw,
  type Sql,
  type SqlDialect,
  sql,
} from '@switchyard/core/adapter';

/**
 * `$."key"[0]` — keys are always quoted so any Unicode key (dots included) is one segment. SQLite
 * reads a quoted label as a JSON string (escapes decoded), so a key is written as JSON.stringify
 * writes it: quotes, backslashes and control characters included.
 */
export function sqliteJsonPath(path: JsonPath): string {
  let out = '$';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `.${JSON.stringify(part)}`;
  return out;
}

const jsonTypes: Record<JsonScalarType, string> = {
  number: "IN ('integer', 'real')",
  string: "= 'text'",
  boolean: "IN ('true', 'false')",
};

/** GLOB is SQLite's case-sensitive LIKE: translate `%`/`_` with `\` escapes into GLOB syntax. */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '\\' && i + 1 < pattern.length) {
      out += globLiteral(pattern[++i] as string);
    } else if (ch === '%') out += '*';
    else if (ch === '_') out += '?';
    else out += globLiteral(ch);
  }
  return out;
}

function globLiteral(ch: string): string {
  return ch === '*' || ch === '?' || ch === '[' ? `[${ch}]` : ch;
}

export const sqliteDialect: SqlDialect = {
  quoteIdent: (name) => `"${name.replace(/"/g, '""')}"`,
  placeholder: () => '?',
  orderTerm: (expr, direction) =>
    direction === 'asc' ? sql`${expr} ASC NULLS LAST` : sql`${expr} DESC NULLS FIRST`,
  // SQLite's LIKE ignores ASCII case; GLOB is case-sensitive and binary.
  like: (expr, pattern) => sql`${expr} GLOB ${likeToGlob(pattern)}`,
  lower: (expr) => sql`sy_lower(${expr})`,
  comparable: (kind: PortableKind, expr: Sql) => (kind === 'decimal' ? sql`sy_decimal_key(${expr})` : expr),
  comparableValue: (kind: PortableKind, encoded: unknown) =>
    kind === 'decimal' ? sql`sy_decimal_key(${encoded})` : sql`${encoded}`,
  jsonExists: (column, path) => sql`json_type(${column}, ${sqliteJsonPath(path)}) IS NOT NULL`,
  jsonScalar: (column, path, type) => {
    const p = sqliteJsonPath(path);
    return sql`(CASE WHEN json_type(${column}, ${p}) ${raw(jsonTypes[type])} THEN json_extract(${column}, ${p}) END)`;
  },
  jsonScalarValue: (value) => (typeof value === 'boolean' ? sql`${value ? 1 : 0}` : sql`${value}`),
  jsonArrayContains: (column, path, value) => {
    const p = sqliteJsonPath(path);
    const type =
      typeof value === 'number'
        ? "IN ('integer', 'real')"
        : typeof value === 'string'
          ? "= 'text'"
          : "IN ('true', 'false')";
    const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    return sql`(json_type(${column}, ${p}) = 'array' AND EXISTS (SELECT 1 FROM json_each(${column}, ${p}) AS e WHERE e.type ${raw(type)} AND e.value = ${v}))`;
  },
  // Write transactions hold SQLite's database-wide write lock from BEGIN IMMEDIATE on, which is
  // at least as strong as locking the rows read.
  forUpdateClause: '',
  updateReturning: true,
};

import { createHash } from 'node:crypto';
import {
  FILLER_TOKEN,
  ident,
  join,
  joinHits,
  positiveTerms,
  raw,
  type SearchDialect,
  type SearchExpr,
  type SearchIndexSpec,
  type SearchTerm,
  type Sql,
  sql,
} from '@switchyard/core/adapter';
import { mariadbDialect } from './mariadb-dialect.ts';

/**
 * Full-text search on InnoDB FULLTEXT indexes (DESIGN §5).
 *
 * The index table holds core's encoded fields in ASCII binary-collated columns, and (with two or
 * more fields) a stored generated column `sy_doc` joining them with ` zzz `: the filler is a real
 * token, so a phrase never runs from one field into the next. `sy_doc` (or the only field)
 * carries the FULLTEXT index that matches; when the fields weigh differently, each field has one
 * too, for relevance. Index tokens are at least 3 characters (`innodb_ft_min_token_size`'s
 * default) and never a stopword, so the server's defaults cannot drop one.
 *
 * Matching hands InnoDB the whole expression as one boolean-mode query, except where it holds
 * both a phrase and a prefix: InnoDB's boolean mode gets such a query wrong (`"x61 x62" x62*`
 * finds only the phrase's rows, not the prefix's), so there each term gets its own MATCH (a lone
 * `+word`, `+prefix*` or `+"a phrase"` is exact) and the AND / OR / NOT are written in SQL.
 * Nesting depth is bounded by core (8 levels of parentheses, 64 terms).
 */

/** The generated column holding every field, joined by the filler. */
const DOC_COLUMN = 'sy_doc';
/** Index columns hold only `[a-z0-9 ]`: ASCII, compared byte by byte. */
const TOKEN_TEXT = 'LONGTEXT CHARACTER SET ascii COLLATE ascii_bin';
/** What core guarantees every query token is (`x` + hex); checked, since InnoDB's syntax has no quoting. */
const TOKEN = /^[a-z0-9]{3,81}$/;

const INDEX_ROW = raw('sy_s.');

/** Longest identifier MariaDB accepts (characters). */
const MAX_IDENTIFIER = 64;

/**
 * The foreign key's name: `<indexTable>_fk`, shortened with a hash past 64 characters (InnoDB's
 * own `<table>_ibfk_1` would not fit a long table name, and constraint names are per database).
 */
export function foreignKeyName(spec: SearchIndexSpec): string {
  const name = `${spec.indexTable}_fk`;
  if (name.length <= MAX_IDENTIFIER) return name;
  const hash = createHash('sha256').update(spec.indexTable).digest('hex').slice(0, 8);
  return `${spec.indexTable.slice(0, MAX_IDENTIFIER - hash.length - 1)}_${hash}`;
}

/** The column MATCH runs on for the whole document: `sy_doc`, or the only field. */
function docColumn(spec: SearchIndexSpec): string {
  return spec.fields.length === 1 ? (spec.fields[0] as SearchIndexSpec['fields'][number]).column : DOC_COLUMN;
}

/**
 * The boolean-mode query of one term: `+word`, `+prefix*` or `+"two words"`; null for a term
 * that can match nothing. Core's tokens are `[a-z0-9]`, at least 3 characters (never below
 * `innodb_ft_min_token_size`'s default) and never the filler; a token outside that alphabet is
 * in no document, so its term matches nothing and never reaches InnoDB's query parser, whose
 * syntax has no quoting. The `+` makes a lone word take the same code path as the rest.
 */
export function termQuery(term: SearchTerm): string | null {
  if (term.tokens.length === 0 || term.tokens.some((t) => !TOKEN.test(t) || t === FILLER_TOKEN)) return null;
  if (term.prefix) return `+${term.tokens[0]}*`;
  if (term.tokens.length === 1) return `+${term.tokens[0]}`;
  return `+"${term.tokens.join(' ')}"`;
}

/** The distinct queries of these terms, leaving out those that match nothing. */
function queriesOf(terms: readonly SearchTerm[]): string[] {
  const queries = new Set<string>();
  for (const term of terms) {
    const query = termQuery(term);
    if (query !== null) queries.add(query);
  }
  return [...queries];
}

function match(column: string, query: string | null): Sql {
  if (query === null) return raw('0');
  return sql`MATCH(${INDEX_ROW}${ident(column)}) AGAINST(${query} IN BOOLEAN MODE)`;
}

/**
 * The exact condition, one MATCH per term. A MATCH is non-zero exactly for the rows its term
 * matches: InnoDB ranks a match `tf × idf²` and gives a word found in every row a tiny idf
 * instead of 0, so a matching row never ranks 0.
 */
function condition(expr: SearchExpr, column: string): Sql {
  switch (expr.type) {
    case 'term':
      return match(column, termQuery(expr));
    case 'and': {
      const parts = [
        ...expr.include.map((e) => condition(e, column)),
        ...expr.exclude.map((e) => sql`NOT ${condition(e, column)}`),
      ];
      return sql`(${join(parts, ' AND ')})`;
    }
    case 'or':
      return sql`(${join(
        expr.anyOf.map((e) => condition(e, column)),
        ' OR ',
      )})`;
  }
}

/**
 * Terms whose matches include every match of `expr` (for `and`, the include with the fewest),
 * so the candidate rows come from index lookups rather than a scan of the index table.
 */
function cover(expr: SearchExpr): SearchTerm[] {
  switch (expr.type) {
    case 'term':
      return termQuery(expr) === null ? [] : [expr];
    case 'or':
      return expr.anyOf.flatMap(cover);
    case 'and':
      // An include that can match nothing has an empty cover, and so has the AND.
      return expr.include.map(cover).reduce((best, c) => (c.length < best.length ? c : best));
  }
}

/** True when `expr` is a term or an OR of terms, i.e. its cover is the exact answer. */
function coverIsExact(expr: SearchExpr): boolean {
  return expr.type === 'term' || (expr.type === 'or' && expr.anyOf.every(coverIsExact));
}

/** True when the fields weigh differently, so relevance needs each field's own FULLTEXT index. */
function weighted(spec: SearchIndexSpec): boolean {
  return new Set(spec.fields.map((f) => f.weight)).size > 1;
}

/** A weight as a DOUBLE literal (`5e-1`), so relevance is a double however it is summed. */
function doubleLiteral(weight: number): Sql {
  if (!Number.isFinite(weight) || weight <= 0)
    throw new Error(`Search field weight must be positive: ${weight}`);
  return raw(weight.toExponential());
}

/**
 * Relevance: for each positive term, the summed weights of the fields it occurs in. A document
 * matching more of the terms ranks higher, and a match in a heavier field above the same match in
 * a lighter one, always. InnoDB's own rank (`tf × idf²`) is not used: its idf divides by the
 * table's row-count statistic, which is a sampled estimate that ANALYZE TABLE and InnoDB's
 * background recalculation change while the data stays the same, so it would move `sy_rel` under
 * a paging cursor. When every field weighs the same, one MATCH on the whole document per term does.
 */
function relevance(spec: SearchIndexSpec, expr: SearchExpr): Sql {
  const queries = queriesOf(positiveTerms(expr));
  const columns = weighted(spec)
    ? spec.fields
    : [{ column: docColumn(spec), weight: (spec.fields[0] as SearchIndexSpec['fields'][number]).weight }];
  const parts = queries.flatMap((q) =>
    columns.map((f) => sql`${doubleLiteral(f.weight)} * (${match(f.column, q)} > 0)`),
  );
  return balancedSum(parts);
}

/**
 * `(a + b) + (c + d)`: MariaDB evaluates `a + b + c + …` as a left-deep tree, and a thousand
 * terms (64 query terms × 16 fields) overrun its thread stack; a balanced tree stays 10 deep.
 */
function balancedSum(parts: readonly Sql[]): Sql {
  if (parts.length <= 1) return parts[0] ?? raw('0e0');
  const half = Math.ceil(parts.length / 2);
  return sql`(${balancedSum(parts.slice(0, half))} + ${balancedSum(parts.slice(half))})`;
}

/** A term in a whole-expression boolean query: `word`, `prefix*` or `"two words"`, or null. */
function bareTerm(term: SearchTerm): string | null {
  const query = termQuery(term);
  return query === null ? null : query.slice(1);
}

/**
 * The whole expression as one boolean-mode query (`+a +(b c) -d`), or null where InnoDB would not
 * evaluate it exactly: when it holds both a phrase and a prefix (InnoDB then drops matches), or a
 * term that can match nothing. Otherwise InnoDB intersects and subtracts its posting lists itself,
 * which is much faster than one MATCH per term when a term is common and the result is rare.
 */
export function wholeQuery(expr: SearchExpr): string | null {
  const terms = positiveAndNegativeTerms(expr);
  if (terms.some((t) => termQuery(t) === null)) return null;
  if (terms.some((t) => t.prefix) && terms.some((t) => t.tokens.length > 1)) return null;
  const wrap = (e: SearchExpr): string => (e.type === 'term' ? (bareTerm(e) as string) : `(${render(e)})`);
  const render = (e: SearchExpr): string => {
    switch (e.type) {
      case 'term':
        return bareTerm(e) as string;
      case 'and':
        return [...e.include.map((i) => `+${wrap(i)}`), ...e.exclude.map((x) => `-${wrap(x)}`)].join(' ');
      case 'or':
        return e.anyOf.map(wrap).join(' ');
    }
  };
  // A lone term keeps its `+`, the form the per-term path uses: every hit must contain it.
  return expr.type === 'term' ? `+${render(expr)}` : render(expr);
}

function positiveAndNegativeTerms(expr: SearchExpr): SearchTerm[] {
  switch (expr.type) {
    case 'term':
      return [expr];
    case 'and':
      return [...expr.include, ...expr.exclude].flatMap(positiveAndNegativeTerms);
    case 'or':
      return expr.anyOf.flatMap(positiveAndNegativeTerms);
  }
}

/** One row per matching document: its key (`sy_id`) and its relevance (`sy_rel`). */
export function rankedDocuments(spec: SearchIndexSpec, expr: SearchExpr): Sql {
  const table = ident(spec.indexTable);
  const doc = docColumn(spec);
  const rel = relevance(spec, expr);
  const select = sql`SELECT ${INDEX_ROW}${ident('sy_id')} AS ${ident('sy_id')}, ${rel} AS ${ident('sy_rel')}`;
  const whole = wholeQuery(expr);
  if (whole !== null) return sql`${select} FROM ${table} ${raw('sy_s')} WHERE ${match(doc, whole)}`;
  const exact = coverIsExact(expr);
  const candidates = queriesOf(cover(expr));
  // No candidate: every include of some AND, or every branch, matches nothing.
  if (candidates.length === 0)
    return sql`SELECT ${ident('sy_id')}, 0e0 AS ${ident('sy_rel')} FROM ${table} WHERE 0`;
  if (candidates.length === 1) {
    // One MATCH as a top-level conjunct: MariaDB reads it through the FULLTEXT index.
    const first = match(doc, candidates[0] as string);
    const where = exact ? first : sql`${first} AND ${condition(expr, doc)}`;
    return sql`${select} FROM ${table} ${raw('sy_s')} WHERE ${where}`;
  }
  const lookups = candidates.map(
    (q) =>
      sql`SELECT ${ident('sy_id')} FROM ${table} WHERE MATCH(${ident(doc)}) AGAINST(${q} IN BOOLEAN MODE)`,
  );
  // STRAIGHT_JOIN: read the candidates first, then each one's index row by key (left to itself,
  // the optimizer may scan the whole index table and probe the candidates instead).
  const from = sql`(${join(lookups, ' UNION ')}) ${raw('sy_m')} STRAIGHT_JOIN ${table} ${raw('sy_s')} ON ${INDEX_ROW}${ident('sy_id')} = ${raw('sy_m.')}${ident('sy_id')}`;
  return exact ? sql`${select} FROM ${from}` : sql`${select} FROM ${from} WHERE ${condition(expr, doc)}`;
}

/**
 * The index table, then each field's own FULLTEXT index when the weights differ (dropped again
 * when they no longer do: each index is written to at every insert, and doubles bulk indexing
 * time). Every statement is idempotent.
 *
 * The table is created in one statement. `sy_id` copies the entity key's column type, character
 * set and collation from information_schema (the foreign key needs them equal, and MikroORM makes
 * numeric keys `unsigned`, which the spec's SQL type does not say), so the CREATE is assembled on
 * the server; its fixed parts are bound values.
 */
function createIndex(spec: SearchIndexSpec): Sql[] {
  const q = mariadbDialect.quoteIdent;
  const doc = docColumn(spec);
  const columns = spec.fields.map((f) => `${q(f.column)} ${TOKEN_TEXT} NOT NULL`);
  if (spec.fields.length > 1) {
    const parts = spec.fields.map((f) => q(f.column)).join(', ');
    columns.push(`${q(DOC_COLUMN)} ${TOKEN_TEXT} AS (CONCAT_WS(' ${FILLER_TOKEN} ', ${parts})) PERSISTENT`);
  }
  const head = `CREATE TABLE IF NOT EXISTS ${q(spec.indexTable)} (${q('sy_id')} `;
  const tail =
    ` NOT NULL, ${columns.join(', ')}, PRIMARY KEY (${q('sy_id')}), FULLTEXT KEY ${q(doc)} (${q(doc)}), ` +
    `CONSTRAINT ${q(foreignKeyName(spec))} FOREIGN KEY (${q('sy_id')}) REFERENCES ${q(spec.table)} (${q(spec.key.column)}) ON DELETE CASCADE` +
    `) ENGINE=InnoDB DEFAULT CHARSET=ascii COLLATE=ascii_bin`;
  const missing = `${spec.entity}: the key column ${spec.table}.${spec.key.column} does not exist; the search index needs the entity table first.`;
  const create = sql`BEGIN NOT ATOMIC DECLARE sy_type TEXT DEFAULT NULL; ${raw(
    "SELECT CONCAT(COLUMN_TYPE, IF(CHARACTER_SET_NAME IS NULL, '', CONCAT(' CHARACTER SET ', CHARACTER_SET_NAME, ' COLLATE ', COLLATION_NAME))) INTO sy_type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND ",
  )}TABLE_NAME = ${spec.table} AND COLUMN_NAME = ${spec.key.column}; IF sy_type IS NULL THEN SIGNAL SQLSTATE '42S22' SET MESSAGE_TEXT = ${missing.slice(0, 128)}; END IF; EXECUTE IMMEDIATE CONCAT(${head}, sy_type, ${tail}); END`;
  if (spec.fields.length === 1) return [create];
  // One FULLTEXT index per ALTER: InnoDB adds a single one in place, several only by a table copy.
  const table = ident(spec.indexTable);
  const perField = spec.fields.map((f) =>
    weighted(spec)
      ? sql`ALTER TABLE ${table} ADD FULLTEXT INDEX IF NOT EXISTS ${ident(f.column)} (${ident(f.column)})`
      : sql`ALTER TABLE ${table} DROP INDEX IF EXISTS ${ident(f.column)}`,
  );
  return [create, ...perField];
}

function dropIndex(spec: SearchIndexSpec): Sql[] {
  return [sql`DROP TABLE IF EXISTS ${ident(spec.indexTable)}`];
}

/** The FULLTEXT indexes of an index table: the document's, and one per field when weighted. */
function fulltextColumns(spec: SearchIndexSpec): string[] {
  const doc = docColumn(spec);
  return weighted(spec) ? [doc, ...spec.fields.map((f) => f.column).filter((c) => c !== doc)] : [doc];
}

/**
 * InnoDB builds a FULLTEXT index over existing rows by sorting their tokens once; kept while rows
 * are loaded, it goes through its cache and syncs document by document.
 */
const bulkIndexing = {
  suspend: (spec: SearchIndexSpec) =>
    fulltextColumns(spec).map(
      (c) => sql`ALTER TABLE ${ident(spec.indexTable)} DROP INDEX IF EXISTS ${ident(c)}`,
    ),
  // One FULLTEXT index per ALTER: InnoDB adds a single one in place, several only by a table copy.
  resume: (spec: SearchIndexSpec) =>
    fulltextColumns(spec).map(
      (c) =>
        sql`ALTER TABLE ${ident(spec.indexTable)} ADD FULLTEXT INDEX IF NOT EXISTS ${ident(c)} (${ident(c)})`,
    ),
};

export const mariadbSearch: SearchDialect = {
  createIndex,
  dropIndex,
  hits: (spec, expr) => joinHits(rankedDocuments(spec, expr), spec),
  bulkIndexing,
};

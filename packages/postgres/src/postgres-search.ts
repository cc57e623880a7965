import { createHash } from 'node:crypto';
import {
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
import { BINARY_COLLATION } from './postgres-columns.ts';

/**
 * Appended to every field before its tsvector is built, so the next field's positions start at
 * least one past this field's last token and a phrase (`<->`) never spans two fields. It is not
 * core's filler `zzz`: a lexeme keeps at most 255 positions, so a document with more fillers
 * than that loses its last ones, and a trailing `zzz` could be one of them. This token occurs
 * once per field (at most 16 times), so it is always kept. No query produces it: every query
 * lexeme starts with `x`.
 */
export const FIELD_SEPARATOR = 'sysep';

/** The generated column holding the weighted document. */
const DOC = 'sy_doc';

/** ts_rank's weight classes, heaviest first; its weights array lists them the other way round. */
const CLASSES = ['A', 'B', 'C', 'D'] as const;

/** Longest identifier PostgreSQL keeps (bytes); longer ones are silently truncated. */
const MAX_IDENTIFIER_BYTES = 63;

/** Each field's weight class, and ts_rank's weights array `{D, C, B, A}` for that mapping. */
export function weightClasses(spec: SearchIndexSpec): { classes: string[]; rankWeights: number[] } {
  const distinct = [...new Set(spec.fields.map((f) => f.weight))].sort((a, b) => b - a);
  // Core refuses more than four distinct weights: ts_rank has no fifth class to rank them apart.
  if (distinct.length > CLASSES.length) {
    throw new Error(`${spec.entity}: PostgreSQL ranks at most ${CLASSES.length} distinct field weights.`);
  }
  const classes = spec.fields.map((f) => CLASSES[distinct.indexOf(f.weight)] as string);
  // Unused classes never occur in a document; 0 keeps them out of every rank.
  const byClass = CLASSES.map((_, i) => distinct[i] ?? 0);
  return { classes, rankWeights: byClass.reverse() };
}

/** `<indexTable>_doc`, shortened with a hash when PostgreSQL would truncate it. */
export function docIndexName(spec: SearchIndexSpec): string {
  const name = `${spec.indexTable}_doc`;
  if (Buffer.byteLength(name) <= MAX_IDENTIFIER_BYTES) return name;
  const hash = createHash('sha256').update(spec.indexTable).digest('hex').slice(0, 8);
  let head = spec.indexTable;
  while (Buffer.byteLength(`${head}_${hash}`) > MAX_IDENTIFIER_BYTES) head = head.slice(0, -1);
  return `${head}_${hash}`;
}

/** Key types compared as strings: the index copy must use the entity column's "C" collation. */
const STRING_TYPE = /^\s*(varchar|character varying|text|char|character|bpchar)\b/i;

/**
 * The weighted document: each field's tokens, parsed with the `simple` configuration (no
 * stopwords, no stemming; our tokens are `[a-z0-9]` words it keeps unchanged), weighted by
 * class and concatenated (`||` shifts the right operand's positions past the left's last one).
 */
function documentExpression(spec: SearchIndexSpec): Sql {
  const { classes } = weightClasses(spec);
  const parts = spec.fields.map(
    (field, i) =>
      sql`setweight(to_tsvector('simple'::regconfig, ${ident(field.column)} || ${raw(`' ${FIELD_SEPARATOR}'`)}), ${raw(`'${classes[i]}'`)})`,
  );
  return join(parts, ' || ');
}

/** A lexeme quoted the tsquery way (the tokens are `[a-z0-9]`; quoting is belt and braces). */
function lexeme(token: string): string {
  return `'${token.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function termQuery(term: SearchTerm): string {
  if (term.tokens.length === 1) return lexeme(term.tokens[0] as string) + (term.prefix ? ':*' : '');
  return `(${term.tokens.map(lexeme).join(' <-> ')})`;
}

/** The matching query, as tsquery text: read by the tsquery input function, never by a parser of user text. */
export function matchQuery(expr: SearchExpr): string {
  switch (expr.type) {
    case 'term':
      return termQuery(expr);
    case 'and':
      return `(${[...expr.include.map(matchQuery), ...expr.exclude.map((e) => `!${matchQuery(e)}`)].join(' & ')})`;
    case 'or':
      return `(${expr.anyOf.map(matchQuery).join(' | ')})`;
  }
}

/**
 * The ranking query: every lexeme of every positive term, ORed. ts_rank ranks an OR query by
 * summing each lexeme's weighted occurrences, so a document with more of the terms always ranks
 * higher; with AND or phrase at the top it would rank by proximity instead, and it would count
 * the lexemes of excluded terms too.
 */
export function rankQuery(expr: SearchExpr): string {
  const items = new Set<string>();
  for (const term of positiveTerms(expr)) {
    for (const token of term.tokens) items.add(lexeme(token) + (term.prefix ? ':*' : ''));
  }
  return [...items].join(' | ');
}

/**
 * Search on PostgreSQL: the index table carries a stored generated `tsvector` of its fields
 * (one weight class per distinct field weight) with a GIN index. A search is one `@@` against a
 * tsquery bound as a single parameter, ranked with `ts_rank`.
 */
export const postgresSearch: SearchDialect = {
  createIndex(spec) {
    const keyType = spec.key.sqlType;
    const collate = STRING_TYPE.test(keyType) ? ` COLLATE "${BINARY_COLLATION}"` : '';
    const fields = spec.fields.map((f) => sql`${ident(f.column)} text NOT NULL`);
    return [
      sql`CREATE TABLE IF NOT EXISTS ${ident(spec.indexTable)} (${ident('sy_id')} ${raw(keyType + collate)} PRIMARY KEY REFERENCES ${ident(spec.table)} (${ident(spec.key.column)}) ON DELETE CASCADE, ${join(fields)}, ${ident(DOC)} tsvector GENERATED ALWAYS AS (${documentExpression(spec)}) STORED)`,
      sql`CREATE INDEX IF NOT EXISTS ${ident(docIndexName(spec))} ON ${ident(spec.indexTable)} USING gin (${ident(DOC)})`,
    ];
  },

  dropIndex(spec) {
    // The GIN index and the generated column go with the table.
    return [sql`DROP TABLE IF EXISTS ${ident(spec.indexTable)}`];
  },

  // Building a GIN index over loaded rows sorts its entries once; inserting them one document at a
  // time (through the pending list) costs several times more.
  bulkIndexing: {
    suspend: (spec) => [sql`DROP INDEX IF EXISTS ${ident(docIndexName(spec))}`],
    resume: (spec) => [
      sql`CREATE INDEX IF NOT EXISTS ${ident(docIndexName(spec))} ON ${ident(spec.indexTable)} USING gin (${ident(DOC)})`,
    ],
  },

  hits: (spec, query) => joinHits(rankedDocuments(spec, query), spec),
};

/** One row per matching document: its key (`sy_id`) and its relevance (`sy_rel`). */
export function rankedDocuments(spec: SearchIndexSpec, query: SearchExpr): Sql {
  const { rankWeights } = weightClasses(spec);
  const doc = sql`${raw('s.')}${ident(DOC)}`;
  // ts_rank returns float4, whose text form does not read back exactly; float8 (printed
  // shortest-exact with extra_float_digits=1) does, and a float4 widens to float8 exactly.
  return sql`SELECT ${raw('s.')}${ident('sy_id')} AS ${ident('sy_id')}, ts_rank(${rankWeights}::float4[], ${doc}, ${rankQuery(query)}::tsquery)::float8 AS ${ident('sy_rel')} FROM ${ident(spec.indexTable)} ${raw('s')} WHERE ${doc} @@ ${matchQuery(query)}::tsquery`;
}

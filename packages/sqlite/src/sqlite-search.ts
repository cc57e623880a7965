import {
  ident,
  join,
  type RankedHits,
  raw,
  type SearchDialect,
  type SearchExpr,
  type SearchIndexSpec,
  type Sql,
  sql,
} from '@switchyard/core/adapter';
import { ftsMatchExpression } from './sqlite-fts-query.ts';

/**
 * The index table's own row id. Declared INTEGER PRIMARY KEY so it is the rowid and VACUUM can
 * never renumber it: the FTS5 table refers to documents by this number.
 */
const ROWID = 'sy_rowid';

/**
 * The FTS5 table and its shadow tables (`<table>__search_fts`, `…_fts_data`, …). Their columns have
 * no declared type, which MikroORM's SQLite schema introspection cannot read, so the adapter
 * keeps MikroORM away from them (`schemaGenerator.skipTables`). Core's `<table>__search` naming
 * reserves these names.
 */
export const FTS_TABLES = /__search_fts(_data|_idx|_docsize|_config|_content)?$/;

/** Names of the objects this adapter adds next to core's index table. */
function names(spec: SearchIndexSpec) {
  const base = spec.indexTable;
  return {
    index: ident(base),
    fts: ident(`${base}_fts`),
    ftsName: `${base}_fts`,
    afterInsert: ident(`${base}_ai`),
    afterDelete: ident(`${base}_ad`),
    afterUpdate: ident(`${base}_au`),
  };
}

function columns(spec: SearchIndexSpec, prefix?: 'new' | 'old'): Sql {
  const dot = prefix ? raw(`${prefix}.`) : raw('');
  return join(spec.fields.map((f) => sql`${dot}${ident(f.column)}`));
}

function createIndex(spec: SearchIndexSpec): Sql[] {
  const n = names(spec);
  const rowid = ident(ROWID);
  const fieldColumns = join(spec.fields.map((f) => sql`${ident(f.column)} TEXT NOT NULL`));
  // The FTS5 'delete' command must be given the values that were indexed: the triggers pass the
  // old row, so the external-content index stays exact without storing the text twice.
  const removeOld = sql`INSERT INTO ${n.fts} (${n.fts}, rowid, ${columns(spec)}) VALUES ('delete', old.${rowid}, ${columns(spec, 'old')});`;
  const addNew = sql`INSERT INTO ${n.fts} (rowid, ${columns(spec)}) VALUES (new.${rowid}, ${columns(spec, 'new')});`;
  return [
    sql`CREATE TABLE IF NOT EXISTS ${n.index} (${rowid} INTEGER PRIMARY KEY, ${ident('sy_id')} ${raw(spec.key.sqlType)} NOT NULL UNIQUE REFERENCES ${ident(spec.table)} (${ident(spec.key.column)}) ON DELETE CASCADE, ${fieldColumns})`,
    // One FTS column per field, so a phrase never spans two fields. The 'ascii' tokenizer splits
    // our `[a-z0-9]` tokens on the single spaces between them and changes nothing else.
    sql`CREATE VIRTUAL TABLE IF NOT EXISTS ${n.fts} USING fts5(${columns(spec)}, content=${n.index}, content_rowid=${rowid}, tokenize='ascii', detail=full)`,
    sql`CREATE TRIGGER IF NOT EXISTS ${n.afterInsert} AFTER INSERT ON ${n.index} BEGIN ${addNew} END`,
    // Rows deleted by the foreign key's cascade fire this trigger too (recursive_triggers is not needed).
    sql`CREATE TRIGGER IF NOT EXISTS ${n.afterDelete} AFTER DELETE ON ${n.index} BEGIN ${removeOld} END`,
    sql`CREATE TRIGGER IF NOT EXISTS ${n.afterUpdate} AFTER UPDATE ON ${n.index} BEGIN ${removeOld} ${addNew} END`,
    // Statements run one by one: rows written while the triggers were missing (a run that stopped
    // half-way, an FTS table dropped by hand) leave the FTS index short. Rebuild it from the index
    // table then, and only then (one row per indexed document in the FTS5 `_docsize` table).
    sql`INSERT INTO ${n.fts} (${n.fts}) SELECT 'rebuild' WHERE (SELECT count(*) FROM ${ident(`${n.ftsName}_docsize`)}) <> (SELECT count(*) FROM ${n.index})`,
  ];
}

function dropIndex(spec: SearchIndexSpec): Sql[] {
  const n = names(spec);
  // Dropping the index table drops its triggers. The FTS table goes first: if a run stops between
  // the two, a write to the index table fails (its triggers find no FTS table) instead of
  // leaving the FTS index silently stale.
  return [sql`DROP TABLE IF EXISTS ${n.fts}`, sql`DROP TABLE IF EXISTS ${n.index}`];
}

/**
 * The match, its rows and their bm25 in one SELECT: bm25() runs only in the query that owns the
 * MATCH, and there it is computed for the rows that pass core's filters rather than for every
 * match. CROSS JOIN keeps the written order — the FTS table drives, each match reads its index row
 * by rowid and its entity row by key — where the planner would otherwise start from a filter's
 * index (an owner's rows, say) and probe the matches for each row.
 */
function hits(spec: SearchIndexSpec, query: SearchExpr): RankedHits {
  const n = names(spec);
  const weights = join(spec.fields.map((f) => sql`${f.weight}`));
  return {
    from: sql`${n.fts} CROSS JOIN ${n.index} ${raw('d')} ON ${raw('d.')}${ident(ROWID)} = ${n.fts}.rowid CROSS JOIN ${ident(spec.table)} ${raw('b')} ON ${raw('b.')}${ident(spec.key.column)} = ${raw('d.')}${ident('sy_id')}`,
    where: sql`${n.fts} MATCH ${ftsMatchExpression(query)}`,
    // bm25() is negative (lower is better), so its negation is a positive double, higher = better.
    relevance: sql`-bm25(${n.fts}, ${weights})`,
  };
}

/**
 * Full-text search on SQLite: an FTS5 external-content table over core's index table, kept exact
 * by triggers in the same transaction as every write, and ranked with bm25 weighted per field.
 */
export const sqliteSearch: SearchDialect = {
  createIndex,
  dropIndex,
  hits,
};

import Database from 'better-sqlite3';
import type { ConnectionTarget } from './connection-target.ts';
import type { Contender, NewNote, NoteRow } from './contender.ts';
import { insertValues } from './insert-values.ts';
import { keyset } from './keyset-stream.ts';

/** A `demo_note` row as SQLite stores it: epoch milliseconds, 0/1, JSON text. */
interface NoteRecord {
  id: string;
  owner_id: string;
  title: string;
  body: string;
  tags: string;
  pinned: number;
  created_at: number;
  version: number;
}

const COLUMNS = 'id, owner_id, title, body, tags, pinned, created_at, version';

/** Rows per INSERT: SQLite binds at most 32766 parameters to a statement. */
const MAX_ROWS = Math.floor(32766 / 7);

/**
 * `INSERT … VALUES (…), (…)` for a number of rows, prepared once per batch size. Not one
 * statement per row: the search table's triggers feed FTS5, which flushes its pending terms to
 * disk at the savepoint of every statement in a transaction, so per-row INSERTs take about twice
 * as long for the same rows.
 */
function multiRow(db: Database.Database, head: string, tuple: string): (rows: number) => Database.Statement {
  const statements = new Map<number, Database.Statement>();
  return (rows) => {
    let statement = statements.get(rows);
    if (!statement) {
      statement = db.prepare(`${head} VALUES ${Array(rows).fill(tuple).join(', ')}`);
      statements.set(rows, statement);
    }
    return statement;
  };
}

const noteOf = (r: NoteRecord): NoteRow => ({
  id: r.id,
  owner: r.owner_id,
  title: r.title,
  body: r.body,
  tags: JSON.parse(r.tags),
  pinned: r.pinned !== 0,
  createdAt: new Date(r.created_at),
  version: r.version,
});

/** better-sqlite3 with every fixed statement prepared once at open. */
export async function rawSqliteContender(
  target: Extract<ConnectionTarget, { backend: 'sqlite' }>,
): Promise<Contender> {
  const db = new Database(target.file);
  // The connection setup Switchyard's SQLite driver uses, so both measure the same database.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('recursive_triggers = ON');
  db.pragma('busy_timeout = 5000');

  const byId = db.prepare<[string], NoteRecord>(`SELECT ${COLUMNS} FROM demo_note WHERE id = ?`);
  const page = db.prepare<[string, string, number], NoteRecord>(
    `SELECT ${COLUMNS} FROM demo_note n WHERE n.owner_id = ? AND EXISTS (SELECT 1 FROM json_each(n.tags) WHERE value = ?) ORDER BY n.created_at DESC, n.id DESC LIMIT ?`,
  );
  const update = db.prepare<[number, string, string, number], NoteRecord>(
    `UPDATE demo_note SET pinned = ?, tags = ?, version = version + 1 WHERE id = ? AND version = ? RETURNING ${COLUMNS}`,
  );
  const firstBatch = db.prepare<[number], NoteRecord>(`SELECT ${COLUMNS} FROM demo_note ORDER BY id LIMIT ?`);
  const nextBatch = db.prepare<[string, number], NoteRecord>(
    `SELECT ${COLUMNS} FROM demo_note WHERE id > ? ORDER BY id LIMIT ?`,
  );

  const insertNotes = multiRow(db, `INSERT INTO demo_note (${COLUMNS})`, '(?, ?, ?, ?, ?, ?, ?, 1)');
  const insertDocuments = multiRow(db, 'INSERT INTO demo_note__search (sy_id, sy_f0, sy_f1)', '(?, ?, ?)');
  // IMMEDIATE takes the write lock at BEGIN, as Switchyard's write transactions do.
  const insertBatch = db.transaction((notes: readonly NewNote[]) => {
    for (let start = 0; start < notes.length; start += MAX_ROWS) {
      const chunk = notes.slice(start, start + MAX_ROWS);
      const values = insertValues(chunk, (date) => date.getTime());
      insertNotes(chunk.length).run(values.notes);
      insertDocuments(chunk.length).run(values.documents);
    }
  }).immediate;

  // The search text comes with each query: each distinct text is prepared once, then reused.
  const searches = new Map<string, Database.Statement<unknown[], { id: unknown }>>();
  const searchStatement = (sql: string) => {
    let statement = searches.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      searches.set(sql, statement);
    }
    return statement;
  };

  return {
    name: 'raw',
    async insertMany(notes) {
      insertBatch(notes);
    },
    async get(id) {
      const row = byId.get(id);
      return row ? noteOf(row) : null;
    },
    async page(owner, tag, limit) {
      return page.all(owner, tag, limit).map(noteOf);
    },
    async update(id, patch, expectedVersion) {
      // `all`, not `get`: a write stopped after its first row commits on reset, where SQLite skips
      // the WAL's automatic checkpoint, and the -wal file grows with every update (the SQLite
      // adapter runs such writes to their end too).
      const [row] = update.all(patch.pinned ? 1 : 0, JSON.stringify(patch.tags), id, expectedVersion);
      if (!row) throw new Error(`Note ${id} is missing or not at version ${expectedVersion}`);
      return noteOf(row);
    },
    stream: (batchSize) =>
      keyset(
        batchSize,
        (limit) => firstBatch.all(limit).map(noteOf),
        (after, limit) => nextBatch.all(after, limit).map(noteOf),
      ),
    async search(query) {
      const rows = searchStatement(query.statement.sql).all(...query.statement.params);
      return rows.map((r) => String(r.id));
    },
    async close() {
      db.close();
    },
  };
}

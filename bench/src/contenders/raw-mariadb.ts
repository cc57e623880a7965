import {
  createConnection,
  type ExecuteValues,
  type ResultSetHeader,
  type RowDataPacket,
} from 'mysql2/promise';
import type { ConnectionTarget } from './connection-target.ts';
import type { Contender, NewNote, NoteRow } from './contender.ts';
import { insertValues } from './insert-values.ts';
import { keyset } from './keyset-stream.ts';

/** A `demo_note` row as mysql2 returns it with `dateStrings` and `jsonStrings`. */
interface NoteRecord extends RowDataPacket {
  id: string;
  owner_id: string;
  title: string;
  body: string;
  tags: string;
  pinned: number;
  /** `YYYY-MM-DD HH:MM:SS.mmm`, UTC. */
  created_at: string;
  version: number;
}

const COLUMNS = 'id, owner_id, title, body, tags, pinned, created_at, version';

const GET = `SELECT ${COLUMNS} FROM demo_note WHERE id = ?`;
const PAGE = `SELECT ${COLUMNS} FROM demo_note WHERE owner_id = ? AND JSON_CONTAINS(tags, JSON_QUOTE(?)) ORDER BY created_at DESC, id DESC LIMIT ?`;
const UPDATE =
  'UPDATE demo_note SET pinned = ?, tags = ?, version = version + 1 WHERE id = ? AND version = ?';
const FIRST_BATCH = `SELECT ${COLUMNS} FROM demo_note ORDER BY id LIMIT ?`;
const NEXT_BATCH = `SELECT ${COLUMNS} FROM demo_note WHERE id > ? ORDER BY id LIMIT ?`;

const NOTE_TUPLE = '(?, ?, ?, ?, ?, ?, ?)';
const DOCUMENT_TUPLE = '(?, ?, ?)';
/** Rows per INSERT: a prepared statement takes at most 65535 placeholders. */
const MAX_ROWS = Math.floor(65535 / 7);

/**
 * The session Switchyard's MariaDB adapter gives every connection: binary NO PAD collation, UTC,
 * strict mode, READ COMMITTED.
 */
const SESSION = [
  "SET NAMES utf8mb4 COLLATE utf8mb4_nopad_bin, time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
  'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED',
];

/** `datetime(3)` holds UTC without a zone: written and read as `YYYY-MM-DD HH:MM:SS.mmm`. */
const datetimeOf = (date: Date) => date.toISOString().slice(0, 23).replace('T', ' ');

const noteOf = (r: NoteRecord): NoteRow => ({
  id: r.id,
  owner: r.owner_id,
  title: r.title,
  body: r.body,
  tags: JSON.parse(r.tags),
  pinned: r.pinned !== 0,
  createdAt: new Date(`${r.created_at.replace(' ', 'T')}Z`),
  version: r.version,
});

/** `INSERT … VALUES (…), (…)` for `rows` rows, built once per batch size. */
function multiRow(head: string, tuple: string): (rows: number) => string {
  const texts = new Map<number, string>();
  return (rows) => {
    let text = texts.get(rows);
    if (!text) {
      text = `${head} VALUES ${Array(rows).fill(tuple).join(', ')}`;
      texts.set(rows, text);
    }
    return text;
  };
}

const insertNotes = multiRow(
  'INSERT INTO demo_note (id, owner_id, title, body, tags, pinned, created_at)',
  NOTE_TUPLE,
);
const insertDocuments = multiRow('INSERT INTO demo_note__search (sy_id, sy_f0, sy_f1)', DOCUMENT_TUPLE);

/**
 * mysql2 on one connection (operations run one after another), connected as Switchyard's adapter
 * connects; `execute` prepares each statement text on the server once and caches it.
 */
export async function rawMariadbContender(
  target: Extract<ConnectionTarget, { backend: 'mariadb' }>,
): Promise<Contender> {
  const connection = await createConnection({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    dateStrings: true,
    jsonStrings: true,
    charset: 'UTF8MB4_BIN',
    timezone: 'Z',
    flags: ['FOUND_ROWS'],
  });
  for (const statement of SESSION) await connection.query(statement);

  const notes = async (sql: string, values: ExecuteValues[]) =>
    (await connection.execute<NoteRecord[]>(sql, values))[0].map(noteOf);

  const transaction = async <T>(work: () => Promise<T>): Promise<T> => {
    await connection.beginTransaction();
    try {
      const result = await work();
      await connection.commit();
      return result;
    } catch (error) {
      await connection.rollback();
      throw error;
    }
  };

  return {
    name: 'raw',
    insertMany: (batch: readonly NewNote[]) =>
      transaction(async () => {
        for (let start = 0; start < batch.length; start += MAX_ROWS) {
          const chunk = batch.slice(start, start + MAX_ROWS);
          const values = insertValues(chunk, datetimeOf);
          await connection.execute(insertNotes(chunk.length), values.notes);
          await connection.execute(insertDocuments(chunk.length), values.documents);
        }
      }),
    async get(id) {
      return (await notes(GET, [id]))[0] ?? null;
    },
    page: (owner, tag, limit) => notes(PAGE, [owner, tag, limit]),
    // MariaDB 10.11 has no UPDATE … RETURNING: the row is read back in the same transaction.
    update: (id, patch, expectedVersion) =>
      transaction(async () => {
        const [result] = await connection.execute<ResultSetHeader>(UPDATE, [
          patch.pinned ? 1 : 0,
          JSON.stringify(patch.tags),
          id,
          expectedVersion,
        ]);
        if (result.affectedRows === 0) {
          throw new Error(`Note ${id} is missing or not at version ${expectedVersion}`);
        }
        return (await notes(GET, [id]))[0] as NoteRow;
      }),
    stream: (batchSize) =>
      keyset(
        batchSize,
        (limit) => notes(FIRST_BATCH, [limit]),
        (after, limit) => notes(NEXT_BATCH, [after, limit]),
      ),
    async search(query) {
      const params = query.statement.params as readonly ExecuteValues[];
      const [rows] = await connection.execute<RowDataPacket[]>(query.statement.sql, [...params]);
      return rows.map((r) => String(r.id));
    },
    close: () => connection.end(),
  };
}

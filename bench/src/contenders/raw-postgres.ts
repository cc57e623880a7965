import pg from 'pg';
import type { ConnectionTarget } from './connection-target.ts';
import type { Contender, NewNote, NoteRow } from './contender.ts';
import { keyset } from './keyset-stream.ts';
import { searchDocument } from './search-document.ts';

// Aliased to NoteRow's keys: pg already returns uuid as text, jsonb parsed, timestamptz as a Date,
// so the rows need no mapping.
const COLUMNS = 'id, owner_id AS owner, title, body, tags, pinned, created_at AS "createdAt", version';

// Every fixed statement is named: the server parses and plans it once per connection.
const GET = { name: 'raw_get', text: `SELECT ${COLUMNS} FROM demo_note WHERE id = $1` };
const PAGE = {
  name: 'raw_page',
  text: `SELECT ${COLUMNS} FROM demo_note WHERE owner_id = $1 AND tags @> jsonb_build_array($2::text) ORDER BY created_at DESC, id DESC LIMIT $3`,
};
const UPDATE = {
  name: 'raw_update',
  text: `UPDATE demo_note SET pinned = $1, tags = $2::jsonb, version = version + 1 WHERE id = $3 AND version = $4 RETURNING ${COLUMNS}`,
};
const FIRST_BATCH = {
  name: 'raw_first_batch',
  text: `SELECT ${COLUMNS} FROM demo_note ORDER BY id LIMIT $1`,
};
const NEXT_BATCH = {
  name: 'raw_next_batch',
  text: `SELECT ${COLUMNS} FROM demo_note WHERE id > $1 ORDER BY id LIMIT $2`,
};
// One statement text for any batch size: the columns go as arrays, unnested into rows.
const INSERT_NOTES = {
  name: 'raw_insert_notes',
  text: 'INSERT INTO demo_note (id, owner_id, title, body, tags, pinned, created_at) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::jsonb[], $6::boolean[], $7::timestamptz[])',
};
const INSERT_DOCUMENTS = {
  name: 'raw_insert_documents',
  text: 'INSERT INTO demo_note__search (sy_id, sy_f0, sy_f1) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])',
};

/** A statement pg prepares on the server under its name, the first time it runs. */
interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

/** node-postgres on one client (operations run one after another), named prepared statements. */
export async function rawPostgresContender(
  target: Extract<ConnectionTarget, { backend: 'postgres' }>,
): Promise<Contender> {
  const client = new pg.Client({ connectionString: target.connectionString });
  await client.connect();

  const rows = async (statement: NamedStatement, values: unknown[]) =>
    (await client.query<NoteRow>({ ...statement, values })).rows;

  const searches = new Map<string, NamedStatement>();
  const searchStatement = (sql: string): NamedStatement => {
    let statement = searches.get(sql);
    if (!statement) {
      let n = 0;
      statement = { name: `raw_search_${searches.size}`, text: sql.replace(/\?/g, () => `$${++n}`) };
      searches.set(sql, statement);
    }
    return statement;
  };

  return {
    name: 'raw',
    async insertMany(notes: readonly NewNote[]) {
      const documents = notes.map(searchDocument);
      await client.query('BEGIN');
      try {
        await client.query({
          ...INSERT_NOTES,
          values: [
            notes.map((n) => n.id),
            notes.map((n) => n.owner),
            notes.map((n) => n.title),
            notes.map((n) => n.body),
            notes.map((n) => JSON.stringify(n.tags)),
            notes.map((n) => n.pinned),
            notes.map((n) => n.createdAt),
          ],
        });
        await client.query({
          ...INSERT_DOCUMENTS,
          values: [
            documents.map((d) => d.sy_id),
            documents.map((d) => d.sy_f0),
            documents.map((d) => d.sy_f1),
          ],
        });
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    },
    async get(id) {
      return (await rows(GET, [id]))[0] ?? null;
    },
    page: (owner, tag, limit) => rows(PAGE, [owner, tag, limit]),
    async update(id, patch, expectedVersion) {
      const [row] = await rows(UPDATE, [patch.pinned, JSON.stringify(patch.tags), id, expectedVersion]);
      if (!row) throw new Error(`Note ${id} is missing or not at version ${expectedVersion}`);
      return row;
    },
    stream: (batchSize) =>
      keyset(
        batchSize,
        (limit) => rows(FIRST_BATCH, [limit]),
        (after, limit) => rows(NEXT_BATCH, [after, limit]),
      ),
    async search(query) {
      const { rows: hits } = await client.query<{ id: string }>({
        ...searchStatement(query.statement.sql),
        values: [...query.statement.params],
      });
      return hits.map((r) => String(r.id));
    },
    close: () => client.end(),
  };
}

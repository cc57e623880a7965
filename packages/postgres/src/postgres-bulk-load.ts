import { pipeline } from 'node:stream/promises';
import type { BulkLoad } from '@switchyard/core/adapter';
import type { PoolClient } from 'pg';
import { prepareValue } from 'pg/lib/utils.js';
import { from as copyFrom } from 'pg-copy-streams';
import { postgresDialect } from './postgres-dialect.ts';

/**
 * Rows are sent in chunks of about this many characters, each written only once the connection
 * has taken the previous ones: memory stays flat however many rows a load has.
 */
export const COPY_CHUNK_CHARS = 64 * 1024;

/** What COPY's text format reads as an escape sequence, and the delimiters of a row and a line. */
const SPECIAL = /[\\\n\r\t]/g;
const ESCAPED: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `COPY "table" ("c1", …) FROM STDIN`, in the text format, names quoted as every statement quotes them. */
export function copyStatement(load: BulkLoad): string {
  const quote = postgresDialect.quoteIdent;
  return `COPY ${quote(load.table)} (${load.columns.map(quote).join(', ')}) FROM STDIN`;
}

/**
 * One value as a COPY text field. The text is the one node-postgres sends for the same value bound
 * as a parameter, so the server parses exactly what an INSERT would have given it; `\N` is NULL.
 */
export function copyField(value: unknown): string {
  const text = prepareValue(value);
  if (text === null) return '\\N';
  if (typeof text !== 'string') {
    // COPY's text format has no room for raw bytes, and no portable kind encodes to them.
    throw new TypeError('bulkLoad cannot send binary values through COPY.');
  }
  return text.replace(SPECIAL, (ch) => ESCAPED[ch] as string);
}

/** The rows as COPY text lines, gathered into chunks of at least `COPY_CHUNK_CHARS` (but the last). */
export function* copyChunks(rows: BulkLoad['rows']): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    chunk += `${row.map(copyField).join('\t')}\n`;
    if (chunk.length >= COPY_CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/**
 * Loads the rows with one COPY on `client`. COPY is a statement of its own: it keeps every row or,
 * when any row fails (a constraint, a value the column refuses), none, and rejects with the
 * server's error as an INSERT would.
 */
export async function copyRows(client: PoolClient, load: BulkLoad): Promise<void> {
  await pipeline(copyChunks(load.rows), client.query(copyFrom(copyStatement(load))));
}

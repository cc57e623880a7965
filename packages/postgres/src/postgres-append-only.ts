import { createHash } from 'node:crypto';
import { type AppendOnlyDialect, AppendOnlyError, ident, raw, type Sql, sql } from '@switchyard/core/adapter';

/**
 * The SQLSTATE the guard raises. Class `SY` is outside the SQL standard's classes and unused by
 * PostgreSQL, so no other error carries it; the classifier maps it to AppendOnlyError.
 */
export const APPEND_ONLY_SQLSTATE = 'SY001';

/** Longest identifier PostgreSQL keeps (NAMEDATALEN - 1), in bytes: longer names are truncated. */
const MAX_IDENTIFIER_BYTES = 63;

const REFUSAL = /switchyard: append-only table "((?:[^"]|"")*)" refuses (UPDATE|DELETE|TRUNCATE)/;

/** The longest start of `text` that is at most `bytes` bytes of UTF-8 (never half a character). */
function truncateBytes(text: string, bytes: number): string {
  let out = '';
  for (const char of text) {
    if (Buffer.byteLength(out + char) > bytes) break;
    out += char;
  }
  return out;
}

/**
 * `<table><suffix>`, or, when that passes 63 bytes (PostgreSQL would silently cut it, and two long
 * table names could then collide), the table name shortened and followed by `_` and a hash of the
 * whole name.
 */
function fitName(table: string, suffix: string): string {
  const name = `${table}${suffix}`;
  if (Buffer.byteLength(name) <= MAX_IDENTIFIER_BYTES) return name;
  const hash = createHash('sha256').update(table).digest('hex').slice(0, 8);
  const room = MAX_IDENTIFIER_BYTES - Buffer.byteLength(suffix) - hash.length - 1;
  return `${truncateBytes(table, room)}_${hash}${suffix}`;
}

/**
 * The guard's objects: the trigger function `<table>__append_only`, the row trigger of the same
 * name (BEFORE UPDATE OR DELETE) and `<table>__append_only_truncate` (BEFORE TRUNCATE).
 */
export function appendOnlyNames(table: string): { function: string; rows: string; truncate: string } {
  const base = fitName(table, '__append_only');
  return { function: base, rows: base, truncate: fitName(table, '__append_only_truncate') };
}

/** An SQL string literal (standard_conforming_strings is on by default since PostgreSQL 9.1). */
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * A dollar-quote tag that does not occur in `body`, so the body needs no escaping.
 */
function dollarQuote(body: string): string {
  let tag = '$sy$';
  for (let n = 0; body.includes(tag); n++) tag = `$sy${n}$`;
  return `${tag}${body}${tag}`;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Creates the trigger unless the table has one of that name. `CREATE OR REPLACE TRIGGER` needs
 * PostgreSQL 14 (the adapter supports 12), and dropping then creating the trigger at every
 * `migrate()` would take an exclusive lock on a table that is being written.
 */
function createTriggerOnce(table: string, trigger: string, definition: string): Sql {
  const body = `BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_trigger WHERE tgrelid = format('%I', ${literal(table)})::regclass AND tgname = ${literal(trigger)}) THEN ${definition}; END IF; END`;
  return raw(`DO ${dollarQuote(body)}`);
}

function guard(table: string): Sql[] {
  const names = appendOnlyNames(table);
  // One function per table, so unguard can drop it without asking which tables still use it. The
  // message names the table the trigger fired on (TG_TABLE_NAME), and TABLE / SCHEMA fill the
  // error's fields of the same names.
  const raise = `BEGIN RAISE EXCEPTION USING ERRCODE = ${literal(APPEND_ONLY_SQLSTATE)}, MESSAGE = format('switchyard: append-only table "%s" refuses %s', replace(TG_TABLE_NAME, '"', '""'), TG_OP), TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA; END`;
  const fn = quoteIdent(names.function);
  const on = quoteIdent(table);
  return [
    sql`CREATE OR REPLACE FUNCTION ${ident(names.function)}() RETURNS trigger LANGUAGE plpgsql AS ${raw(dollarQuote(raise))}`,
    // Row triggers also fire for the rows a foreign key's ON DELETE CASCADE / SET NULL would
    // change in this table: deleting a parent of append-only rows is refused.
    createTriggerOnce(
      table,
      names.rows,
      `CREATE TRIGGER ${quoteIdent(names.rows)} BEFORE UPDATE OR DELETE ON ${on} FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
    ),
    // TRUNCATE fires no row trigger; it has statement triggers of its own (and TRUNCATE … CASCADE
    // from a parent fires them too).
    createTriggerOnce(
      table,
      names.truncate,
      `CREATE TRIGGER ${quoteIdent(names.truncate)} BEFORE TRUNCATE ON ${on} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
    ),
  ];
}

function unguard(table: string): Sql[] {
  const names = appendOnlyNames(table);
  // IF EXISTS also covers a table that no longer exists (a notice, not an error).
  return [
    sql`DROP TRIGGER IF EXISTS ${ident(names.rows)} ON ${ident(table)}`,
    sql`DROP TRIGGER IF EXISTS ${ident(names.truncate)} ON ${ident(table)}`,
    sql`DROP FUNCTION IF EXISTS ${ident(names.function)}()`,
  ];
}

/**
 * Append-only tables on PostgreSQL: a plpgsql trigger function that raises SQLSTATE `SY001`,
 * called BEFORE UPDATE OR DELETE of each row and BEFORE TRUNCATE of the table.
 */
export const postgresAppendOnly: AppendOnlyDialect = { guard, unguard, liftedForTableChanges: false };

/**
 * The AppendOnlyError for a statement the guard refused (`code` is {@link APPEND_ONLY_SQLSTATE}),
 * given the error's code and (password-free) message.
 */
export function appendOnlyRefusal(
  error: unknown,
  code: string | undefined,
  message: string,
): AppendOnlyError | undefined {
  if (code !== APPEND_ONLY_SQLSTATE) return undefined;
  const match = REFUSAL.exec(message);
  const table = match ? (match[1] as string).replace(/""/g, '"') : tableField(error);
  const operation = match ? match[2] : 'the change';
  return new AppendOnlyError(
    `The database refused ${operation} on the append-only table "${table ?? '?'}": its rows are inserted and read, never changed or deleted.`,
    { cause: error },
  );
}

/** pg's `table` field of the error, looking through MikroORM's wrappers. */
function tableField(error: unknown): string | undefined {
  let current = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const table = (current as { table?: unknown }).table;
    if (typeof table === 'string') return table;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

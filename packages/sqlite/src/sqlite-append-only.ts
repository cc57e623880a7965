import { type AppendOnlyDialect, AppendOnlyError, ident, raw, type Sql, sql } from '@switchyard/core/adapter';

/**
 * The start of every message the guard raises: `switchyard: append-only table "<table>" refuses
 * UPDATE` (or DELETE). The classifier recognises a refusal by it, whatever connection ran the
 * statement.
 */
const APPEND_ONLY_MESSAGE = 'switchyard: append-only table';

const REFUSAL = /switchyard: append-only table "((?:[^"]|"")*)" refuses (UPDATE|DELETE)/;

/** The guard's two triggers: `<table>__append_only_update` and `<table>__append_only_delete`. */
export function appendOnlyTriggerNames(table: string): { update: string; delete: string } {
  return { update: `${table}__append_only_update`, delete: `${table}__append_only_delete` };
}

/** An SQL string literal (SQLite has no backslash escapes). */
const literal = (text: string) => raw(`'${text.replace(/'/g, "''")}'`);

function message(table: string, operation: 'UPDATE' | 'DELETE'): string {
  return `${APPEND_ONLY_MESSAGE} "${table.replace(/"/g, '""')}" refuses ${operation}`;
}

function guard(table: string): Sql[] {
  const names = appendOnlyTriggerNames(table);
  // RAISE(ABORT) undoes the statement (every row it changed, cascades included) and leaves the
  // transaction open, as a constraint violation does. Foreign key actions (ON DELETE CASCADE / SET
  // NULL from a parent) fire these triggers too, so they are refused as well.
  return (['UPDATE', 'DELETE'] as const).map((operation) => {
    const name = operation === 'UPDATE' ? names.update : names.delete;
    return sql`CREATE TRIGGER IF NOT EXISTS ${ident(name)} BEFORE ${raw(operation)} ON ${ident(table)} BEGIN SELECT RAISE(ABORT, ${literal(message(table, operation))}); END`;
  });
}

function unguard(table: string): Sql[] {
  const names = appendOnlyTriggerNames(table);
  return [
    sql`DROP TRIGGER IF EXISTS ${ident(names.update)}`,
    sql`DROP TRIGGER IF EXISTS ${ident(names.delete)}`,
  ];
}

/**
 * Append-only tables on SQLite: a BEFORE UPDATE and a BEFORE DELETE trigger that raise. Triggers
 * live in the database file, so every connection (another process, the sqlite3 shell) is refused.
 */
export const sqliteAppendOnly: AppendOnlyDialect = { guard, unguard, liftedForTableChanges: true };

/** The errors in `error`'s cause chain (MikroORM wraps the driver's error). */
function* chain(error: unknown): Generator<{ code?: unknown; message?: unknown }> {
  let current = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    yield current as { code?: unknown; message?: unknown };
    current = (current as { cause?: unknown }).cause;
  }
}

/** The AppendOnlyError for a statement the guard refused, or undefined for any other error. */
export function appendOnlyRefusal(error: unknown): AppendOnlyError | undefined {
  for (const fields of chain(error)) {
    if (fields.code !== 'SQLITE_CONSTRAINT_TRIGGER' || typeof fields.message !== 'string') continue;
    const match = REFUSAL.exec(fields.message);
    if (!match) continue;
    const table = (match[1] as string).replace(/""/g, '"');
    return new AppendOnlyError(
      `The database refused ${match[2]} on the append-only table "${table}": its rows are inserted and read, never changed or deleted.`,
      { cause: error },
    );
  }
  return undefined;
}

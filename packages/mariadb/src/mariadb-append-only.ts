import { createHash } from 'node:crypto';
import { type AppendOnlyDialect, AppendOnlyError, raw, type Sql } from '@switchyard/core/adapter';

/** MariaDB's error number for an unhandled `SIGNAL SQLSTATE '45000'`. */
export const SIGNAL_ERRNO = 1644;

/** Longest identifier MariaDB accepts (characters). */
const MAX_IDENTIFIER = 64;

/** A parent's trigger name ends with 8 hex digits of the constraint's hash, `_d` or `_u`. */
const PARENT_TRIGGER_TAIL = 10;

const REFUSAL = /switchyard: append-only table "((?:[^"]|"")*)" refuses (UPDATE|DELETE)/;

/**
 * `<table><suffix>` when it fits in 64 characters with `reserve` more; otherwise the table name is
 * shortened and followed by `_` and a hash of the whole name, so two long names never collide.
 */
function fitName(table: string, suffix: string, reserve = 0): string {
  const name = `${table}${suffix}`;
  if ([...name].length + reserve <= MAX_IDENTIFIER) return name;
  const hash = createHash('sha256').update(table).digest('hex').slice(0, 8);
  const room = MAX_IDENTIFIER - reserve - [...suffix].length - hash.length - 1;
  return `${[...table].slice(0, room).join('')}_${hash}${suffix}`;
}

/**
 * The guard's trigger names (trigger names are per database): `<table>__append_only_update` and
 * `…_delete` on the table, and `<table>__append_only_fk_<hash>_d` / `_u` on the tables it refers
 * to with a cascading foreign key (`parentPrefix` is their common start).
 */
export function appendOnlyTriggerNames(table: string): {
  update: string;
  delete: string;
  parentPrefix: string;
} {
  return {
    update: fitName(table, '__append_only_update'),
    delete: fitName(table, '__append_only_delete'),
    parentPrefix: fitName(table, '__append_only_fk_', PARENT_TRIGGER_TAIL),
  };
}

const quoteIdent = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/**
 * A string literal. The sessions never run with NO_BACKSLASH_ESCAPES (see mariadb-session.ts), so
 * a backslash is escaped too.
 */
const literal = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/** SQL that quotes, at run time, the identifier held in the expression `expr`. */
const quoteAtRunTime = (expr: string) => `CONCAT('\`', REPLACE(${expr}, '\`', '\`\`'), '\`')`;

/** At most 31 + 64 + 15 characters: MESSAGE_TEXT holds 128. */
function message(table: string, operation: 'UPDATE' | 'DELETE'): string {
  return `switchyard: append-only table "${table.replace(/"/g, '""')}" refuses ${operation}`;
}

const signal = (table: string, operation: 'UPDATE' | 'DELETE') =>
  `SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = ${literal(message(table, operation))}`;

/** The foreign keys from `table` to other tables of this database, one row each, for a FOR loop. */
function foreignKeysQuery(table: string): string {
  const column = quoteAtRunTime('k.COLUMN_NAME');
  const referenced = quoteAtRunTime('k.REFERENCED_COLUMN_NAME');
  return (
    'SELECT rc.CONSTRAINT_NAME AS name, rc.REFERENCED_TABLE_NAME AS parent, rc.DELETE_RULE AS on_delete, rc.UPDATE_RULE AS on_update, ' +
    `GROUP_CONCAT(CONCAT('sy_c.', ${column}, ' = OLD.', ${referenced}) ORDER BY k.ORDINAL_POSITION SEPARATOR ' AND ') AS refers, ` +
    `GROUP_CONCAT(CONCAT('NOT (OLD.', ${referenced}, ' <=> NEW.', ${referenced}, ')') ORDER BY k.ORDINAL_POSITION SEPARATOR ' OR ') AS changed ` +
    'FROM information_schema.REFERENTIAL_CONSTRAINTS rc JOIN information_schema.KEY_COLUMN_USAGE k ' +
    'ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = rc.TABLE_NAME AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME ' +
    'WHERE rc.CONSTRAINT_SCHEMA = DATABASE() AND rc.UNIQUE_CONSTRAINT_SCHEMA = DATABASE() ' +
    `AND CAST(rc.TABLE_NAME AS BINARY) = CAST(${literal(table)} AS BINARY) ` +
    `AND CAST(rc.REFERENCED_TABLE_NAME AS BINARY) <> CAST(${literal(table)} AS BINARY) ` +
    'GROUP BY rc.CONSTRAINT_NAME, rc.REFERENCED_TABLE_NAME, rc.DELETE_RULE, rc.UPDATE_RULE'
  );
}

/**
 * InnoDB applies a foreign key's actions (ON DELETE CASCADE / SET NULL, ON UPDATE CASCADE) without
 * firing the child table's triggers: deleting a parent would silently delete or change
 * append-only rows. So every table this one refers to with such an action gets a trigger that
 * refuses the delete (or the key update) while append-only rows still refer to the row. One
 * statement, reading the foreign keys from information_schema when it runs, so the triggers
 * follow the tables as they are at that moment.
 */
function parentGuard(table: string): Sql {
  const { parentPrefix } = appendOnlyTriggerNames(table);
  const name = (tail: 'd' | 'u') => [
    literal(`CREATE TRIGGER IF NOT EXISTS \`${parentPrefix.replace(/`/g, '``')}`),
    // Constraint names are unique in a database: the hash tells the parent's triggers apart.
    'LEFT(SHA2(fk.name, 256), 8)',
    literal(`_${tail}\` BEFORE ${tail === 'd' ? 'DELETE' : 'UPDATE'} ON `),
    quoteAtRunTime('fk.parent'),
  ];
  // A locking read: it waits for a concurrent insert of a referring row and then sees it.
  const exists = `EXISTS (SELECT 1 FROM ${quoteIdent(table)} AS sy_c WHERE `;
  const onDelete = [
    ...name('d'),
    literal(` FOR EACH ROW IF ${exists}`),
    'fk.refers',
    literal(' LOCK IN SHARE MODE) THEN '),
    // CASCADE would delete the append-only rows; SET NULL / SET DEFAULT would update them.
    `IF(fk.on_delete = 'CASCADE', ${literal(signal(table, 'DELETE'))}, ${literal(signal(table, 'UPDATE'))})`,
    literal('; END IF'),
  ];
  const onUpdate = [
    ...name('u'),
    literal(' FOR EACH ROW IF ('),
    'fk.changed',
    literal(`) AND ${exists}`),
    'fk.refers',
    literal(` LOCK IN SHARE MODE) THEN ${signal(table, 'UPDATE')}; END IF`),
  ];
  const acting = "IN ('CASCADE', 'SET NULL', 'SET DEFAULT')";
  return raw(
    'BEGIN NOT ATOMIC ' +
      `FOR fk IN (${foreignKeysQuery(table)}) DO ` +
      `IF fk.on_delete ${acting} THEN EXECUTE IMMEDIATE CONCAT(${onDelete.join(', ')}); END IF; ` +
      `IF fk.on_update ${acting} THEN EXECUTE IMMEDIATE CONCAT(${onUpdate.join(', ')}); END IF; ` +
      'END FOR; ' +
      'END',
  );
}

/** Drops the triggers `parentGuard` created, on whichever tables they are. */
function parentUnguard(table: string): Sql {
  const { parentPrefix } = appendOnlyTriggerNames(table);
  const length = [...parentPrefix].length;
  return raw(
    'BEGIN NOT ATOMIC ' +
      'FOR t IN (SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() ' +
      `AND CHAR_LENGTH(TRIGGER_NAME) = ${length + PARENT_TRIGGER_TAIL} ` +
      `AND CAST(LEFT(TRIGGER_NAME, ${length}) AS BINARY) = CAST(${literal(parentPrefix)} AS BINARY) ` +
      `AND CAST(RIGHT(TRIGGER_NAME, ${PARENT_TRIGGER_TAIL}) AS BINARY) REGEXP '^[0-9a-f]{8}_[du]$') DO ` +
      `EXECUTE IMMEDIATE CONCAT('DROP TRIGGER IF EXISTS ', ${quoteAtRunTime('t.name')}); ` +
      'END FOR; ' +
      'END',
  );
}

function guard(table: string): Sql[] {
  const names = appendOnlyTriggerNames(table);
  const trigger = (name: string, operation: 'UPDATE' | 'DELETE') =>
    raw(
      `CREATE TRIGGER IF NOT EXISTS ${quoteIdent(name)} BEFORE ${operation} ON ${quoteIdent(table)} FOR EACH ROW ${signal(table, operation)}`,
    );
  return [trigger(names.update, 'UPDATE'), trigger(names.delete, 'DELETE'), parentGuard(table)];
}

function unguard(table: string): Sql[] {
  const names = appendOnlyTriggerNames(table);
  return [
    parentUnguard(table),
    raw(`DROP TRIGGER IF EXISTS ${quoteIdent(names.update)}`),
    raw(`DROP TRIGGER IF EXISTS ${quoteIdent(names.delete)}`),
  ];
}

/**
 * Append-only tables on MariaDB: BEFORE UPDATE and BEFORE DELETE triggers that `SIGNAL SQLSTATE
 * '45000'` (error 1644), and triggers on the tables it refers to that refuse what a cascading
 * foreign key would do to its rows.
 */
export const mariadbAppendOnly: AppendOnlyDialect = { guard, unguard, liftedForTableChanges: false };

/** The AppendOnlyError for a statement the guard refused (error 1644 with the guard's message). */
export function appendOnlyRefusal(
  errno: unknown,
  message: string,
  error: unknown,
): AppendOnlyError | undefined {
  if (errno !== SIGNAL_ERRNO) return undefined;
  const match = REFUSAL.exec(message);
  if (!match) return undefined;
  const table = (match[1] as string).replace(/""/g, '"');
  return new AppendOnlyError(
    `The database refused ${match[2]} on the append-only table "${table}": its rows are inserted and read, never changed or deleted.`,
    { cause: error },
  );
}

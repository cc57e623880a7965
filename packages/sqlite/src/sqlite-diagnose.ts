import type { HealthFinding, HealthInfo } from '@switchyard/core/adapter';

/**
 * The oldest SQLite the adapter works on: MikroORM inserts with `RETURNING` and drops columns
 * with `ALTER TABLE … DROP COLUMN` (both 3.35), and the JSON filters need the JSON functions,
 * built in by default from 3.38. better-sqlite3 bundles a much newer one; an older library only
 * comes from building better-sqlite3 against another SQLite.
 */
export const MIN_SQLITE_VERSION: readonly [number, number, number] = [3, 38, 0];

function versionParts(version: string): number[] | undefined {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

function atLeast(parts: readonly number[], minimum: readonly number[]): boolean {
  for (let i = 0; i < minimum.length; i++) {
    const a = parts[i] ?? 0;
    const b = minimum[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

const ok = (check: string, found: string): HealthFinding => ({ check, status: 'ok', found });

function versionFinding(version: string): HealthFinding {
  const parts = versionParts(version);
  if (parts && atLeast(parts, MIN_SQLITE_VERSION)) return ok('SQLite version', version);
  return {
    check: 'SQLite version',
    status: 'fail',
    found: version,
    fix: `SQLite ${MIN_SQLITE_VERSION.join('.')} or newer is needed. Use the SQLite that better-sqlite3 bundles: reinstall it without building against another library (no \`--sqlite3=<path>\`).`,
  };
}

function encodingFinding(encoding: string): HealthFinding {
  // SQLite's BINARY collation compares the stored bytes: only UTF-8 bytes sort in code-point order.
  if (encoding.toUpperCase() === 'UTF-8') return ok('encoding', encoding);
  return {
    check: 'encoding',
    status: 'fail',
    found: encoding,
    fix: 'Strings do not sort in code-point order in a UTF-16 database, and its encoding cannot change once it has tables. Copy it into a new (UTF-8) file with `sqlite3 old.sqlite .dump | sqlite3 new.sqlite` and point the URL at the new file.',
  };
}

function journalFinding(mode: string, memory: boolean): HealthFinding {
  if (memory || mode.toLowerCase() === 'wal') return ok('journal mode', mode);
  return {
    check: 'journal mode',
    status: 'warn',
    found: mode,
    fix: 'The adapter switches file databases to WAL when it opens them, and it did not stick, so readers and the writer block each other. WAL needs a local file system (not a network share) and a folder the process can write the -wal and -shm files into; or another program set `PRAGMA journal_mode = DELETE` on the file: run `PRAGMA journal_mode = WAL` once it is closed.',
  };
}

function foreignKeysFinding(on: boolean): HealthFinding {
  if (on) return ok('foreign keys', 'on');
  return {
    check: 'foreign keys',
    status: 'fail',
    found: 'off',
    fix: 'References are not enforced. The adapter turns them on when it opens the database; something on the store connection turned them off (a raw `PRAGMA foreign_keys = OFF` through the MikroORM escape hatch): remove it, or run `PRAGMA foreign_keys = ON`.',
  };
}

function busyTimeoutFinding(ms: number, memory: boolean): HealthFinding {
  // An in-memory database has one connection: nobody else can hold its lock.
  if (memory || ms > 0) return ok('busy timeout', `${ms} ms`);
  return {
    check: 'busy timeout',
    status: 'warn',
    found: `${ms} ms`,
    fix: "Another process's write fails at once with BusyError instead of being waited for. Give writers time: `openStore({ url, adapterOptions: { busyTimeoutMs: 5000 } })` (the default).",
  };
}

function synchronousFinding(level: number, memory: boolean): HealthFinding {
  const names = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];
  const found = names[level] ?? String(level);
  if (memory || level >= 1) return ok('synchronous', found);
  return {
    check: 'synchronous',
    status: 'warn',
    found,
    fix: 'A power loss or an OS crash can corrupt the database. The adapter sets NORMAL (durable with WAL); something turned it off: remove that, or run `PRAGMA synchronous = NORMAL`.',
  };
}

/** Checks what `SqliteStoreDriver.health()` reports against what the adapter relies on. */
export function diagnoseSqlite(info: HealthInfo): HealthFinding[] {
  const { settings } = info;
  const file = String(settings.file ?? '');
  const memory = file === ':memory:' || file === '';
  return [
    versionFinding(info.serverVersion),
    encodingFinding(String(settings.encoding)),
    // Datetimes are INTEGER epoch milliseconds: no time zone is involved anywhere.
    ok('time zone', 'none (datetimes are stored as UTC epoch milliseconds)'),
    journalFinding(String(settings.journal_mode), memory),
    foreignKeysFinding(settings.foreign_keys === true),
    busyTimeoutFinding(Number(settings.busy_timeout), memory),
    synchronousFinding(Number(settings.synchronous), memory),
  ];
}

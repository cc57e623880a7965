import type { HealthFinding, HealthInfo } from '@switchyard/core/adapter';
import { BINARY_COLLATION } from './mariadb-dialect.ts';
import { SQL_MODE } from './mariadb-session.ts';

/** `JSON_TABLE` (exact JSON array containment) and the JSON functions as relied on: 10.6. */
export const MIN_MARIADB_VERSION: readonly [number, number] = [10, 6];

/** Search tokens are 3 to 81 characters (see the README's full-text section). */
const SEARCH_TOKEN_MIN = 3;
const SEARCH_TOKEN_MAX = 81;

/**
 * Modes that change what the adapter's SQL means: `ESCAPE '\\'` needs backslash escapes, string
 * literals are single-quoted, and '' must stay a string, CHAR values unpadded.
 */
const FORBIDDEN_MODES = [
  'NO_BACKSLASH_ESCAPES',
  'ANSI_QUOTES',
  'EMPTY_STRING_IS_NULL',
  'PAD_CHAR_TO_FULL_LENGTH',
  'ORACLE',
  'MSSQL',
];

const ok = (check: string, found: string): HealthFinding => ({ check, status: 'ok', found });

const quote = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/**
 * The adapter sets these per connection; when a session lacks them something between the
 * application and the server (ProxySQL, MaxScale, a pooler) dropped the session settings.
 */
const SESSION_LOST =
  'The adapter sets this on every connection it opens, and the session does not have it: a proxy between the application and MariaDB probably drops session variables. Let it keep them (or connect directly), and make it the server default too:';

function versionFinding(version: string): HealthFinding {
  if (!/mariadb/i.test(version)) {
    return {
      check: 'server version',
      status: 'fail',
      found: version,
      fix: 'This is not a MariaDB server (MySQL is not supported: the NO PAD binary collation and the JSON functions are MariaDB’s). Use MariaDB 10.6 or newer.',
    };
  }
  const match = /^(\d+)\.(\d+)/.exec(version);
  const [major, minor] = [Number(match?.[1]), Number(match?.[2])];
  const [minMajor, minMinor] = MIN_MARIADB_VERSION;
  if (major > minMajor || (major === minMajor && minor >= minMinor)) return ok('server version', version);
  return {
    check: 'server version',
    status: 'fail',
    found: version,
    fix: `Upgrade to MariaDB ${minMajor}.${minMinor} or newer: exact JSON array containment needs JSON_TABLE.`,
  };
}

function connectionCharsetFinding(charset: string, collation: string): HealthFinding {
  const found = `${charset}, collation ${collation}`;
  if (charset === 'utf8mb4' && collation === BINARY_COLLATION) return ok('connection character set', found);
  return {
    check: 'connection character set',
    status: 'fail',
    found,
    fix: `Values sent by the application would compare case- or accent-insensitively, or lose characters. ${SESSION_LOST} in my.cnf, under [mariadbd]: \`character-set-server = utf8mb4\` and \`collation-server = ${BINARY_COLLATION}\`.`,
  };
}

function databaseCharsetFinding(charset: string, collation: string, database: string): HealthFinding {
  const found = `${charset}, collation ${collation}`;
  // Switchyard's own tables and columns name their character set and collation.
  if (charset === 'utf8mb4') return ok('database character set', found);
  return {
    check: 'database character set',
    status: 'warn',
    found,
    fix: `Switchyard's tables set utf8mb4 themselves, but anything created without a character set (by hand, by other tools) gets ${charset}, which cannot hold all of Unicode: \`ALTER DATABASE ${quote(database)} CHARACTER SET utf8mb4 COLLATE ${BINARY_COLLATION}\`.`,
  };
}

function timeZoneFinding(session: string, global: string, system: string): HealthFinding {
  const found = `session ${session}, server default ${global}${global === 'SYSTEM' ? ` (${system})` : ''}`;
  if (session === '+00:00') return ok('time zone', found);
  // Datetimes are written and read as UTC text, so Switchyard's own values stay exact.
  return {
    check: 'time zone',
    status: 'warn',
    found,
    fix: `NOW(), CURRENT_TIMESTAMP and TIMESTAMP columns would use ${session} instead of UTC. ${SESSION_LOST} \`SET GLOBAL time_zone = '+00:00'\` now, and \`default-time-zone = '+00:00'\` under [mariadbd] in my.cnf.`,
  };
}

function sqlModeFinding(sqlMode: string): HealthFinding {
  const modes = sqlMode.split(',').filter(Boolean);
  const strict = modes.includes('STRICT_ALL_TABLES') || modes.includes('STRICT_TRANS_TABLES');
  const forbidden = modes.filter((mode) => FORBIDDEN_MODES.includes(mode));
  if (strict && forbidden.length === 0) return ok('SQL mode', sqlMode);
  const problems = [
    ...(strict ? [] : ['without a strict mode invalid data is truncated or adjusted instead of refused']),
    ...(forbidden.length > 0 ? [`${forbidden.join(', ')} change what the adapter's SQL means`] : []),
  ];
  return {
    check: 'SQL mode',
    status: 'fail',
    found: sqlMode || '(empty)',
    fix: `${problems.join('; ')}. ${SESSION_LOST} \`SET GLOBAL sql_mode = '${SQL_MODE}'\` now, and \`sql_mode = ${SQL_MODE}\` under [mariadbd] in my.cnf.`,
  };
}

function snapshotIsolationFinding(on: boolean): HealthFinding {
  if (on) return ok('snapshot isolation', 'innodb_snapshot_isolation ON');
  // Only `repeatable read` transactions are affected: the default, read committed, is not.
  return {
    check: 'snapshot isolation',
    status: 'warn',
    found: 'innodb_snapshot_isolation off or missing',
    fix: 'A `repeatable read` transaction can silently overwrite an update made since its snapshot (PostgreSQL refuses it). Upgrade to a release that has the variable (10.6.18, 10.11.8, 11.4.2 or newer; the adapter turns it on per connection), or `SET GLOBAL innodb_snapshot_isolation = ON` where it exists but a proxy drops session variables. Until then, read with `forUpdate` or use `serializable` for read-then-write transactions.',
  };
}

function tokenSizeFinding(min: number, max: number): HealthFinding {
  const found = `innodb_ft_min_token_size ${min}, innodb_ft_max_token_size ${max}`;
  if (min <= SEARCH_TOKEN_MIN && max >= SEARCH_TOKEN_MAX) return ok('full-text token size', found);
  return {
    check: 'full-text token size',
    status: 'fail',
    found,
    fix: `Search misses documents whose words are shorter than innodb_ft_min_token_size or longer than innodb_ft_max_token_size. Under [mariadbd] in my.cnf: \`innodb_ft_min_token_size = 3\` and \`innodb_ft_max_token_size = 84\` (the defaults), restart the server, then drop and re-add the FULLTEXT indexes of the \`<table>__search\` tables so they are rebuilt.`,
  };
}

/** innodb_ft_cache_size's maximum: the full-text cache syncs after each tenth of it. */
const FT_CACHE_MAX = 80_000_000;

function ftCacheFinding(size: number): HealthFinding {
  const found = `innodb_ft_cache_size ${size}`;
  if (size >= FT_CACHE_MAX) return ok('full-text cache', found);
  return {
    check: 'full-text cache',
    status: 'warn',
    found,
    fix: `InnoDB moves a table's full-text cache to disk after each ${Math.round(size / 10_000)} KB of new index text, and a search running meanwhile can miss documents for a few milliseconds (see the README's search limits). Under [mariadbd] in my.cnf: \`innodb_ft_cache_size = 80M\` (the maximum), then restart: the syncs become rarer.`,
  };
}

function writableFinding(readOnly: boolean): HealthFinding {
  if (!readOnly) return ok('writable', 'read_only OFF');
  return {
    check: 'writable',
    status: 'fail',
    found: 'read_only ON',
    fix: 'Writes from users without the READ ONLY ADMIN privilege are refused (a replica?). Point the URL at the primary, or `SET GLOBAL read_only = OFF`.',
  };
}

/** Checks what `MariadbStoreDriver.health()` reports against what the adapter relies on. */
export function diagnoseMariadb(info: HealthInfo): HealthFinding[] {
  const s = info.settings;
  const text = (key: string) => String(s[key] ?? '');
  return [
    versionFinding(info.serverVersion),
    connectionCharsetFinding(text('character_set_connection'), text('collation_connection')),
    databaseCharsetFinding(
      text('character_set_database'),
      text('collation_database'),
      text('database') || '<database>',
    ),
    timeZoneFinding(text('time_zone'), text('global_time_zone'), text('system_time_zone')),
    sqlModeFinding(text('sql_mode')),
    snapshotIsolationFinding(s.innodb_snapshot_isolation === true),
    tokenSizeFinding(Number(s.innodb_ft_min_token_size), Number(s.innodb_ft_max_token_size)),
    ftCacheFinding(Number(s.innodb_ft_cache_size)),
    writableFinding(s.read_only === true),
  ];
}

import type { HealthFinding, HealthInfo } from '@switchyard/core/adapter';
import { CASE_FOLDING_COLLATION } from './postgres-dialect.ts';

/**
 * Search index tables use `GENERATED ALWAYS AS … STORED` columns (PostgreSQL 12) and `withLock`
 * uses `hashtextextended` (11). CI proves the adapter on 13 and newer.
 */
export const MIN_POSTGRES_MAJOR = 12;
export const TESTED_POSTGRES_MAJOR = 13;

const ok = (check: string, found: string): HealthFinding => ({ check, status: 'ok', found });

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

function versionFinding(version: string): HealthFinding {
  const major = Number(/^(\d+)/.exec(version)?.[1] ?? Number.NaN);
  if (major >= TESTED_POSTGRES_MAJOR) return ok('server version', version);
  const upgrade = `Upgrade to PostgreSQL ${TESTED_POSTGRES_MAJOR} or newer (the adapter is tested on 13 and 17).`;
  if (major >= MIN_POSTGRES_MAJOR) {
    return {
      check: 'server version',
      status: 'warn',
      found: version,
      fix: `PostgreSQL ${major} is past its end of life and not tested with Switchyard. ${upgrade}`,
    };
  }
  return {
    check: 'server version',
    status: 'fail',
    found: version,
    fix: `Search indexes need generated columns (PostgreSQL 12) and locks need hashtextextended (11). ${upgrade}`,
  };
}

function encodingFinding(encoding: string, database: string): HealthFinding {
  if (encoding.toUpperCase() === 'UTF8') return ok('encoding', encoding);
  return {
    check: 'encoding',
    status: 'fail',
    found: encoding,
    fix: `Text outside ${encoding} cannot be stored, and a database's encoding cannot change. Create a UTF-8 database (\`CREATE DATABASE ${quote(`${database}_utf8`)} ENCODING 'UTF8' TEMPLATE template0\`), move the data into it (pg_dump, then psql) and point the URL at it.`,
  };
}

function collationFinding(collate: string, ctype: string): HealthFinding {
  // Every string column is created COLLATE "C" and case folding uses the ICU collation, so the
  // database locale never decides a comparison, an order or a fold.
  return ok('collation', `lc_collate ${collate}, lc_ctype ${ctype} (string columns use "C")`);
}

function caseFoldingFinding(present: boolean): HealthFinding {
  if (present) return ok('case folding', `collation "${CASE_FOLDING_COLLATION}" present`);
  return {
    check: 'case folding',
    status: 'fail',
    found: `collation "${CASE_FOLDING_COLLATION}" missing`,
    fix: `The case-insensitive operators (ieq, istartsWith, …) fail without it. On a server built with ICU (the official images, Debian and Ubuntu packages), recreate it in this database: \`CREATE COLLATION "${CASE_FOLDING_COLLATION}" (provider = icu, locale = 'und')\`; otherwise use a PostgreSQL built with ICU (\`--with-icu\`).`,
  };
}

function timeZoneFinding(timeZone: string, database: string): HealthFinding {
  if (['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Z'].includes(timeZone)) return ok('time zone', timeZone);
  // Datetimes still come back exact (the text carries its offset); but the adapter's startup
  // options (TimeZone, DateStyle, extra_float_digits) did not reach the session.
  return {
    check: 'time zone',
    status: 'warn',
    found: timeZone,
    fix: `The adapter asks for TimeZone=UTC when it connects, and the session does not have it: a connection pooler between the application and PostgreSQL probably drops the startup \`options\`. Let it pass them, or make UTC the database default: \`ALTER DATABASE ${quote(database)} SET TimeZone = 'UTC'\`.`,
  };
}

function dateStyleFinding(dateStyle: string, database: string): HealthFinding {
  if (/^ISO\b/i.test(dateStyle)) return ok('date style', dateStyle);
  return {
    check: 'date style',
    status: 'fail',
    found: dateStyle,
    fix: `Datetimes are read in ISO format only. The adapter asks for DateStyle=ISO when it connects (a connection pooler probably drops the startup \`options\`): let it pass them, or \`ALTER DATABASE ${quote(database)} SET DateStyle = 'ISO, MDY'\`.`,
  };
}

function floatDigitsFinding(digits: number, database: string): HealthFinding {
  if (digits >= 1) return ok('float output', `extra_float_digits ${digits}`);
  return {
    check: 'float output',
    status: 'fail',
    found: `extra_float_digits ${digits}`,
    fix: `Doubles come back rounded to 15 digits, so they do not round-trip. The adapter asks for extra_float_digits=1 when it connects (a connection pooler probably drops the startup \`options\`): let it pass them, or \`ALTER DATABASE ${quote(database)} SET extra_float_digits = 1\`.`,
  };
}

function writableFinding(inRecovery: boolean, readOnly: boolean, database: string): HealthFinding {
  if (inRecovery) {
    return {
      check: 'writable',
      status: 'fail',
      found: 'a standby in recovery',
      fix: 'Every write fails on a standby: point the URL at the primary server.',
    };
  }
  if (readOnly) {
    return {
      check: 'writable',
      status: 'fail',
      found: 'default_transaction_read_only on',
      fix: `Every transaction starts read-only, so writes fail: \`ALTER DATABASE ${quote(database)} SET default_transaction_read_only = off\` (or the same on the role, or in postgresql.conf).`,
    };
  }
  return ok('writable', 'yes');
}

function isolationFinding(isolation: string, database: string): HealthFinding {
  // Transactions always name their level; only statements outside one take the default.
  if (isolation === 'read committed') return ok('default isolation', isolation);
  return {
    check: 'default isolation',
    status: 'warn',
    found: isolation,
    fix: `Statements outside a transaction can fail with a retryable SerializationError where READ COMMITTED would wait and go on. \`ALTER DATABASE ${quote(database)} SET default_transaction_isolation = 'read committed'\`.`,
  };
}

/** Checks what `PostgresStoreDriver.health()` reports against what the adapter relies on. */
export function diagnosePostgres(info: HealthInfo): HealthFinding[] {
  const s = info.settings;
  const database = String(s.database ?? '<database>');
  return [
    versionFinding(info.serverVersion),
    encodingFinding(String(s.server_encoding), database),
    collationFinding(String(s.lc_collate), String(s.lc_ctype)),
    caseFoldingFinding(s.icu_case_folding === true),
    timeZoneFinding(String(s.TimeZone), database),
    dateStyleFinding(String(s.DateStyle), database),
    floatDigitsFinding(Number(s.extra_float_digits), database),
    writableFinding(s.in_recovery === true, s.default_transaction_read_only === true, database),
    isolationFinding(String(s.default_transaction_isolation), database),
  ];
}

import { connectionTarget } from './connection-target.ts';
import type { ContenderFactory } from './contender.ts';
import { rawMariadbContender } from './raw-mariadb.ts';
import { rawPostgresContender } from './raw-postgres.ts';
import { rawSqliteContender } from './raw-sqlite.ts';

/**
 * The same SQL executed directly through the driver each backend's Switchyard adapter runs on
 * (better-sqlite3, pg, mysql2), with prepared statements.
 */
export const rawContender: ContenderFactory = (url) => {
  const target = connectionTarget(url);
  switch (target.backend) {
    case 'sqlite':
      return rawSqliteContender(target);
    case 'postgres':
      return rawPostgresContender(target);
    case 'mariadb':
      return rawMariadbContender(target);
  }
};

import { connectionTarget } from './connection-target.ts';
import type { ContenderFactory } from './contender.ts';
import { drizzleMariadbContender } from './drizzle-mysql.ts';
import { drizzlePostgresContender } from './drizzle-postgres.ts';
import { drizzleSqliteContender } from './drizzle-sqlite.ts';

/**
 * Drizzle ORM on each dialect's own driver, as its docs advise for speed: prepared queries with
 * placeholders for reads and updates, multi-row inserts in one transaction, raw `sql` for search.
 */
export const drizzleContender: ContenderFactory = async (url) => {
  const target = connectionTarget(url);
  switch (target.backend) {
    case 'sqlite':
      return drizzleSqliteContender(target);
    case 'postgres':
      return drizzlePostgresContender(target);
    case 'mariadb':
      return drizzleMariadbContender(target);
  }
};

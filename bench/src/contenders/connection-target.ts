import { parseDatabaseUrl } from '@switchyard/core/adapter';

/** Where a contender outside Switchyard connects: the database of a Switchyard URL, in driver terms. */
export type ConnectionTarget =
  | { readonly backend: 'sqlite'; readonly file: string }
  | { readonly backend: 'postgres'; readonly connectionString: string }
  | {
      readonly backend: 'mariadb';
      readonly host: string;
      readonly port: number;
      readonly user: string;
      readonly password: string;
      readonly database: string;
    };

/** The driver-level target of a bench database URL (`sqlite:<file>`, `postgres://…`, `mariadb://…`). */
export function connectionTarget(url: string): ConnectionTarget {
  const { scheme, url: parsed } = parseDatabaseUrl(url);
  switch (scheme) {
    case 'sqlite':
      return { backend: 'sqlite', file: decodeURIComponent(parsed.pathname) };
    case 'postgres':
    case 'postgresql': {
      const plain = new URL(parsed.href);
      plain.search = '';
      return { backend: 'postgres', connectionString: plain.href.replace(/^postgresql:/, 'postgres:') };
    }
    case 'mariadb':
    case 'mysql':
      return {
        backend: 'mariadb',
        host: parsed.hostname,
        port: Number(parsed.port || 3306),
        user: decodeURIComponent(parsed.username),
        password: decodeURIComponent(parsed.password),
        database: decodeURIComponent(parsed.pathname.slice(1)),
      };
    default:
      throw new Error(`No driver-level target for ${scheme} URLs`);
  }
}

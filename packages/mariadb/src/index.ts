export { adapter, mariadbAdapter } from './mariadb-adapter.ts';
export { BINARY_COLLATION } from './mariadb-dialect.ts';
export { type MariadbLocation, parseMariadbUrl } from './mariadb-url.ts';

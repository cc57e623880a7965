export { mariadbProvider, mariadbRestarter } from './mariadb-testing.ts';

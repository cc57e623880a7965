export { mariadbProvider } from './mariadb-testing.ts';

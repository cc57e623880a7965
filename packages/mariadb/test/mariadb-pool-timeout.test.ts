/**
 * Pool exhaustion on MariaDB, against a live server (CONFORMANCE_MARIADB_URL, else the local default): the
 * contract written once in the conformance package.
 */
import { describePoolContract } from '@switchyard/conformance';
import { mariadbAdapter } from '../src/mariadb-adapter.ts';
import { mariadbProvider } from '../src/mariadb-testing.ts';

describePoolContract({
  backend: 'MariaDB',
  adapter: mariadbAdapter,
  provider: mariadbProvider,
  serverUrl: process.env.CONFORMANCE_MARIADB_URL ?? 'mariadb://root@127.0.0.1:3306/test',
});

import { runTransferConformance } from '@switchyard/conformance';
import { adapter as mariadb } from '@switchyard/mariadb';
import { mariadbProvider } from '@switchyard/mariadb/testing';
import { adapter as postgres } from '@switchyard/postgres';
import { postgresProvider } from '@switchyard/postgres/testing';
import { adapter as sqlite } from '@switchyard/sqlite';
import { sqliteProvider } from '@switchyard/sqlite/testing';

// The CLI depends on every adapter, so the six directions between them run here.
runTransferConformance({
  backends: [
    { adapter: sqlite, provider: sqliteProvider, adapterModule: '@switchyard/sqlite' },
    { adapter: postgres, provider: postgresProvider, adapterModule: '@switchyard/postgres' },
    { adapter: mariadb, provider: mariadbProvider, adapterModule: '@switchyard/mariadb' },
  ],
});

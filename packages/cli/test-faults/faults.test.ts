import { runFaultSuite } from '@switchyard/conformance';
import { adapter as mariadb } from '@switchyard/mariadb';
import { mariadbProvider, mariadbRestarter } from '@switchyard/mariadb/testing';
import { adapter as postgres } from '@switchyard/postgres';
import { postgresProvider, postgresRestarter } from '@switchyard/postgres/testing';

// The fault suite restarts the real servers, so it runs alone, after every other test
// (`pnpm run test:faults`, the last step of scripts/test-all.mjs), never inside `vitest run`.
// The CLI depends on every adapter, so both servers are restarted from here, one after the other.
runFaultSuite({ adapter: postgres, provider: postgresProvider, restart: postgresRestarter });
runFaultSuite({ adapter: mariadb, provider: mariadbProvider, restart: mariadbRestarter });

export type { BackendProvider, ContainerSpec, TestDatabase } from './backend-provider.ts';
export { BulkItem, bulkColumns, bulkKinds, bulkSampleRows } from './bulk-load-fixture.ts';
export {
  Account,
  conformanceSchema,
  conformanceSchemaFor,
  Ledger,
  Memo,
  Post,
  Sample,
  TenantDoc,
} from './conformance-schema.ts';
export {
  abortedWithin,
  CONTRACT_LOCK,
  describeLockContract,
  holdLock,
  type LockContractChecks,
  type LockContractOptions,
  type LockReplica,
  signal,
} from './driver-contract/lock-contract.ts';
export { describePoolContract, type PoolContractOptions } from './driver-contract/pool-contract.ts';
export { type FaultSuiteOptions, FaultWrite, runFaultSuite } from './faults/run-fault-suite.ts';
export type { ServerRestarter } from './faults/server-restarter.ts';
export { type HeldTransaction, holdTransaction } from './held-transaction.ts';
export type { Outcome, ParityEntry, ParityReport } from './parity-report.ts';
export { type ConformanceOptions, runConformance } from './run-conformance.ts';
export { searchExpr } from './search/search-expr-builders.ts';
export { expectNoSecret } from './secret-scan.ts';
export { prng } from './seeded-random.ts';
export type { ConformanceTest, Suite, SuiteContext } from './suite-definition.ts';
export { allSuites, type ConformanceTestId, type SuiteName } from './suites/index.ts';
export {
  runTransferConformance,
  type TransferBackend,
  type TransferConformanceOptions,
} from './transfer/run-transfer-conformance.ts';
export { withQuery } from './url-helpers.ts';

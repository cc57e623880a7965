import type { SuiteTestId } from '../suite-definition.ts';
import { appendOnlySuite } from './append-only-suite.ts';
import { auditSuite } from './audit-suite.ts';
import { capabilitiesSuite } from './capabilities-suite.ts';
import { concurrencySuite } from './concurrency-suite.ts';
import { crudSuite } from './crud-suite.ts';
import { divergencesSuite } from './divergences-suite.ts';
import { errorsSuite } from './errors-suite.ts';
import { filtersSuite } from './filters-suite.ts';
import { lifecycleSuite } from './lifecycle-suite.ts';
import { locksSuite } from './locks-suite.ts';
import { migrationsSuite } from './migrations-suite.ts';
import { orderingSuite } from './ordering-suite.ts';
import { paginationSuite } from './pagination-suite.ts';
import { searchPropertySuite } from './search-property-suite.ts';
import { searchSuite } from './search-suite.ts';
import { tenancySuite } from './tenancy-suite.ts';
import { transactionsSuite } from './transactions-suite.ts';
import { typesSuite } from './types-suite.ts';

/** Every suite, in the order they run. */
export const allSuites = [
  lifecycleSuite,
  migrationsSuite,
  crudSuite,
  typesSuite,
  filtersSuite,
  orderingSuite,
  paginationSuite,
  searchSuite,
  searchPropertySuite,
  appendOnlySuite,
  auditSuite,
  locksSuite,
  tenancySuite,
  transactionsSuite,
  errorsSuite,
  concurrencySuite,
  capabilitiesSuite,
  divergencesSuite,
] as const;

export type SuiteName = (typeof allSuites)[number]['name'];
/** `<suite>/<test name>` for every conformance test: the keys of `skip` and `expectFailure`. */
export type ConformanceTestId = SuiteTestId<(typeof allSuites)[number]>;

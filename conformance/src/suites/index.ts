import type { SuiteTestId } from '../suite-definition.ts';
import { crudSuite } from './crud-suite.ts';
import { lifecycleSuite } from './lifecycle-suite.ts';

/** Every suite, in the order they run. */
export const allSuites = [lifecycleSuite, crudSuite] as const;

export type SuiteName = (typeof allSuites)[number]['name'];
/** `<suite>/<test name>` for every conformance test: the keys of `skip` and `expectFailure`. */
export type ConformanceTestId = SuiteTestId<(typeof allSuites)[number]>;

import { defineSuite } from '../suite-definition.ts';

export const concurrencySuite = defineSuite('concurrency', {});

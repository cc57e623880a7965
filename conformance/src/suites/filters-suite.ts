import { defineSuite } from '../suite-definition.ts';

export const filtersSuite = defineSuite('filters', {});

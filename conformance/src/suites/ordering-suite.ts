import { defineSuite } from '../suite-definition.ts';

export const orderingSuite = defineSuite('ordering', {});

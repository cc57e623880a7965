import { defineSuite } from '../suite-definition.ts';

export const capabilitiesSuite = defineSuite('capabilities', {});

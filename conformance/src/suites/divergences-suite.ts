import { defineSuite } from '../suite-definition.ts';

export const divergencesSuite = defineSuite('divergences', {});

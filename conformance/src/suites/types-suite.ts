import { defineSuite } from '../suite-definition.ts';

export const typesSuite = defineSuite('types', {});

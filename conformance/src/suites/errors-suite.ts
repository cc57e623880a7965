import { defineSuite } from '../suite-definition.ts';

export const errorsSuite = defineSuite('errors', {});

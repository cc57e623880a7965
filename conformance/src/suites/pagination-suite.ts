import { defineSuite } from '../suite-definition.ts';

export const paginationSuite = defineSuite('pagination', {});

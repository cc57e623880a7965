import { defineSuite } from '../suite-definition.ts';

export const transactionsSuite = defineSuite('transactions', {});

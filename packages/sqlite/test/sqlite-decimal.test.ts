import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { decimalSortKey } from '../src/sqlite-decimal.ts';

const decimal = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 14n }), fc.integer({ min: 0, max: 9999 }))
  .map(([negative, int, frac]) => `${negative ? '-' : ''}${int}.${String(frac).padStart(4, '0')}`);

function compareExact(a: string, b: string): number {
  const scaled = (s: string) => BigInt(s.replace('.', ''));
  const d = scaled(a) - scaled(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

describe('decimalSortKey', () => {
  test('sorts exactly like the decimal values it encodes', () => {
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        const byKey = Math.sign(
          decimalSortKey(a) < decimalSortKey(b) ? -1 : decimalSortKey(a) > decimalSortKey(b) ? 1 : 0,
        );
        const byValue = compareExact(a, b);
        // Equal values (e.g. -0.0000 and 0.0000) must get equal keys.
        expect(byKey).toBe(byValue);
      }),
      { numRuns: 2000 },
    );
  });

  test('zero has one key whatever its sign or scale', () => {
    expect(decimalSortKey('-0.00')).toBe(decimalSortKey('0'));
  });
});

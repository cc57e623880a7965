import { describe, expect, test } from 'vitest';
import { foldCase } from '../src/query/fold-case.ts';

describe('foldCase', () => {
  test('lower-cases Latin, Greek and Cyrillic letters one character at a time', () => {
    expect(foldCase('ÄÖÜ É Straße')).toBe('äöü é straße');
    expect(foldCase('ΑΒΓ ΣΑΣ')).toBe('αβγ σασ');
    expect(foldCase('ПРИВЕТ')).toBe('привет');
  });

  test('characters whose lower case is several characters keep their form', () => {
    expect(foldCase('İ')).toBe('İ');
  });
});

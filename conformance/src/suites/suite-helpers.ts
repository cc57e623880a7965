import type { Row } from '@switchyard/core';
import type { Sample } from '../conformance-schema.ts';

/** A Sample row as repositories return it. */
export type SampleRow = Row<typeof Sample>;

/**
 * A value unique to one test, to scope its queries: every test of a suite shares one database, so
 * a test only ever looks at the rows carrying its own tag. At most 20 characters (fits `label`).
 */
export function newTag(): string {
  return `t${crypto.randomUUID().replace(/-/g, '').slice(0, 19)}`;
}

/** Binary (code-point) order, the portable string order. Not `localeCompare`, not UTF-16 order. */
export function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) as number);
  const y = Array.from(b, (c) => c.codePointAt(0) as number);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - (y[i] as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

export function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareBigints(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareDates(a: Date, b: Date): number {
  return compareNumbers(a.getTime(), b.getTime());
}

/** Numeric order of decimal strings (any precision): compared exactly, as scaled integers. */
export function compareDecimals(a: string, b: string): number {
  const scaled = (text: string, scale: number): bigint => {
    const negative = text.startsWith('-');
    const [int = '0', frac = ''] = text.replace(/^[+-]/, '').split('.');
    const magnitude = BigInt(`${int || '0'}${frac.padEnd(scale, '0')}`);
    return negative ? -magnitude : magnitude;
  };
  const scale = Math.max(a.split('.')[1]?.length ?? 0, b.split('.')[1]?.length ?? 0);
  return compareBigints(scaled(a, scale), scaled(b, scale));
}

export interface SortSpec<R, V> {
  /** The sort value of a row; `null` or `undefined` sorts as SQL NULL. */
  readonly value: (row: R) => V | null | undefined;
  readonly compare: (a: V, b: V) => number;
  readonly direction?: 'asc' | 'desc';
}

// biome-ignore lint/suspicious/noExplicitAny: each key has its own value type.
export type AnySortSpec<R> = SortSpec<R, any>;

/**
 * The portable order, computed in JS: each key in turn (NULLs last ascending, first descending),
 * then the primary key in code-point order, in the direction of the last key.
 */
export function sortRows<R extends { id: string }>(
  rows: readonly R[],
  specs: readonly AnySortSpec<R>[],
): R[] {
  return [...rows].sort((a, b) => {
    for (const spec of specs) {
      const va = spec.value(a) ?? null;
      const vb = spec.value(b) ?? null;
      const desc = spec.direction === 'desc';
      if (va === null || vb === null) {
        if (va === null && vb === null) continue;
        // NULL is "greater" than every value: last ascending, first descending.
        const nullFirst = va === null ? 1 : -1;
        return desc ? -nullFirst : nullFirst;
      }
      const d = spec.compare(va, vb);
      if (d !== 0) return desc ? -d : d;
    }
    // Ties by primary key, in the direction of the last key.
    const tie = compareCodePoints(a.id, b.id);
    return specs.at(-1)?.direction === 'desc' ? -tie : tie;
  });
}

/** A deterministic shuffle, so rows are never inserted in the order a test expects back. */
export function shuffled<T>(items: readonly T[], seed = 7): T[] {
  const out = [...items];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export const ids = (rows: readonly { id: string }[]): string[] => rows.map((r) => r.id);

/** Fails the test instead of hanging when `promise` deadlocks. */
export async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms (deadlock?)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

import { createHash } from 'node:crypto';
import { canonicalJson } from '../schema/canonical-json.ts';
import type { EntityModel } from '../schema/entity-model.ts';

const MODULUS = 1n << 256n;

/**
 * A row as both sides of a transfer describe it: its decoded values in property order, datetimes
 * as ISO strings, 64-bit integers as decimal strings, JSON with sorted keys. Decoding already made
 * every backend's value the same JS value, so equal rows have equal forms wherever they live.
 */
export function canonicalRow(entity: EntityModel, row: Record<string, unknown>): string {
  return canonicalJson(
    entity.properties.map((p) => {
      const v = row[p.name];
      if (v instanceof Date) return v.toISOString();
      if (typeof v === 'bigint') return v.toString();
      return v;
    }),
  );
}

export function rowHash(form: string): bigint {
  return BigInt(`0x${createHash('sha256').update(form).digest('hex')}`);
}

/** An order-independent digest of a set of rows: the sum of their hashes modulo 2^256. */
export class RowChecksum {
  #sum = 0n;
  #rows = 0;
  #bytes = 0;

  /** Adds one row; returns its canonical form's hash. */
  add(entity: EntityModel, row: Record<string, unknown>): bigint {
    const form = canonicalRow(entity, row);
    const hash = rowHash(form);
    this.#sum = (this.#sum + hash) % MODULUS;
    this.#rows++;
    this.#bytes += Buffer.byteLength(form);
    return hash;
  }

  get rows(): number {
    return this.#rows;
  }

  /** UTF-8 bytes of the canonical forms added. */
  get bytes(): number {
    return this.#bytes;
  }

  get hex(): string {
    return this.#sum.toString(16).padStart(64, '0');
  }
}

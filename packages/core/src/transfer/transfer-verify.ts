import type { EntityModel } from '../schema/entity-model.ts';
import { canonicalRow, RowChecksum } from './row-checksum.ts';
import type { TableAccess } from './table-access.ts';
import type { EntityVerification } from './transfer-types.ts';

const SAMPLES = 5;

type Plain = Record<string, unknown>;

/** Code-point order: the order every backend sorts primary keys in (uuid and string keys). */
function compareKeys(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0) ?? 0);
  const y = Array.from(b, (c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

async function* rowsOf(table: TableAccess, batchSize: number): AsyncGenerator<Plain> {
  for await (const batch of table.batches(batchSize)) yield* batch;
}

/** Every row's checksum, reported as it goes. */
export async function checksumOf(
  table: TableAccess,
  batchSize: number,
  progress: (done: number) => void,
): Promise<RowChecksum> {
  const sum = new RowChecksum();
  for await (const batch of table.batches(batchSize)) {
    for (const row of batch) sum.add(table.entity, row);
    progress(sum.rows);
  }
  return sum;
}

/**
 * Walks both tables in key order side by side and names the first few keys that differ: rows only
 * in the source, only in the target, and rows whose canonical forms differ.
 */
async function samplesOf(
  entity: EntityModel,
  source: TableAccess,
  target: TableAccess,
  batchSize: number,
): Promise<Pick<EntityVerification, 'missing' | 'extra' | 'different'>> {
  const missing: string[] = [];
  const extra: string[] = [];
  const different: string[] = [];
  const key = (row: Plain) => String(row[entity.primaryKey.name]);
  const left = rowsOf(source, batchSize);
  const right = rowsOf(target, batchSize);
  let a = await left.next();
  let b = await right.next();
  while (
    (!a.done || !b.done) &&
    (missing.length < SAMPLES || extra.length < SAMPLES || different.length < SAMPLES)
  ) {
    const order = a.done ? 1 : b.done ? -1 : compareKeys(key(a.value), key(b.value));
    if (order < 0 && !a.done) {
      if (missing.length < SAMPLES) missing.push(key(a.value));
      a = await left.next();
    } else if (order > 0 && !b.done) {
      if (extra.length < SAMPLES) extra.push(key(b.value));
      b = await right.next();
    } else if (!a.done && !b.done) {
      if (canonicalRow(entity, a.value) !== canonicalRow(entity, b.value) && different.length < SAMPLES) {
        different.push(key(a.value));
      }
      a = await left.next();
      b = await right.next();
    }
  }
  await left.return(undefined);
  await right.return(undefined);
  return { missing, extra, different };
}

/**
 * Compares one entity on both sides: row counts and order-independent checksums, computed the
 * same way from the decoded rows; on a mismatch, sample keys of what differs.
 */
export async function verifyEntity(
  source: TableAccess,
  target: TableAccess,
  sourceSum: RowChecksum,
  batchSize: number,
  progress: (done: number) => void,
): Promise<EntityVerification> {
  const targetSum = await checksumOf(target, batchSize, progress);
  const ok = sourceSum.rows === targetSum.rows && sourceSum.hex === targetSum.hex;
  const samples = ok
    ? { missing: [], extra: [], different: [] }
    : await samplesOf(source.entity, source, target, batchSize);
  return {
    ok,
    sourceRows: sourceSum.rows,
    targetRows: targetSum.rows,
    sourceChecksum: sourceSum.hex,
    targetChecksum: targetSum.hex,
    ...samples,
  };
}

import { AuditEvent } from '../audit/audit-event.ts';
import { ConfigurationError, SwitchyardError, TransferError } from '../errors.ts';
import type { EntityModel } from '../schema/entity-model.ts';
import type { SearchIndexSpec } from '../search/search-dialect.ts';
import { redactUrl } from '../store/database-url.ts';
import { openStore } from '../store/open-store.ts';
import { internalsOf, type StoreInternals } from '../store/store-internals.ts';
import type { AnyEntitySchema, Store } from '../store/store-types.ts';
import { alongside } from './alongside.ts';
import { RowChecksum } from './row-checksum.ts';
import { searchIndexTable } from './search-index-table.ts';
import { TableAccess } from './table-access.ts';
import { foreignKeyOrder } from './table-order.ts';
import type {
  EntityTransfer,
  TransferMode,
  TransferOptions,
  TransferProgress,
  TransferReport,
} from './transfer-types.ts';
import { checksumOf, verifyEntity } from './transfer-verify.ts';

const DEFAULT_BATCH_SIZE = 5000;
const MODES: readonly TransferMode[] = ['empty', 'truncate', 'resume'];

interface Pair {
  readonly entity: EntityModel;
  /** For a search index table: the target's index, whose native full-text index is built once at the end. */
  readonly index?: { readonly store: StoreInternals; readonly spec: SearchIndexSpec };
  readonly schema: AnyEntitySchema;
  readonly source: TableAccess;
  readonly target: TableAccess;
}

function checkOptions(options: TransferOptions): { mode: TransferMode; batchSize: number } {
  if (!options || typeof options.from !== 'string' || typeof options.to !== 'string') {
    throw new TransferError('A transfer needs the source and target URLs: transfer({ from, to, schema }).');
  }
  if (options.from === options.to) {
    throw new TransferError(`The source and the target are the same database (${redactUrl(options.from)}).`);
  }
  const mode = options.mode ?? 'empty';
  if (!MODES.includes(mode)) {
    throw new TransferError(`mode is one of ${MODES.map((m) => `"${m}"`).join(', ')}.`);
  }
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 1_000_000) {
    throw new TransferError('batchSize is an integer from 1 to 1,000,000.');
  }
  return { mode, batchSize };
}

/** A side whose database differs from the definition: named with what differs. */
async function checkSchema(store: Store, side: 'source' | 'target', url: string): Promise<void> {
  const differences = await store.migrations.diff();
  if (differences.length === 0) return;
  throw new TransferError(
    `The ${side} database (${redactUrl(url)}) does not match the schema definition:\n  - ${differences.join('\n  - ')}`,
  );
}

/**
 * Copies every entity of the schema from one database to another, any backend to any backend:
 * parents before children, in primary-key order, in batches loaded through the target's fastest
 * safe path; then rebuilds the search indexes, checks the audit chain and (by default) verifies
 * every entity with row counts and checksums. Everything that can refuse the transfer — options,
 * URLs, a non-empty target, a schema mismatch on either side, a target refusing writes, a cycle of
 * references — does so before any row moves, with a `TransferError` (or the connection's error).
 * The source is only read.
 */
export async function transfer(options: TransferOptions): Promise<TransferReport> {
  const { mode, batchSize } = checkOptions(options);
  const started = performance.now();
  const progress = (event: TransferProgress) => options.onProgress?.(event);
  const source = await openStore({
    url: options.from,
    schema: options.schema,
    adapter: options.adapters?.from,
  });
  let target: Store | undefined;
  try {
    target = await openStore({
      url: options.to,
      schema: options.schema,
      adapter: options.adapters?.to,
      migrations: options.migrations,
    });
    const pairs = await prepare(source, target, options, mode);
    const prepared = performance.now();
    const entities: EntityTransfer[] = [];
    const sums = new Map<EntityModel, RowChecksum>();
    const copy = async (pair: Pair) => {
      const { report, sum } = await copyEntity(pair, mode, batchSize, progress);
      if (sum) sums.set(pair.entity, sum);
      return report;
    };
    for (const pair of pairs) entities.push(await copy(pair));
    // A search document is a function of the row's text, computed by the same JS normaliser on
    // every backend: the source's documents are copied like rows (and verified like rows) rather
    // than computed again. Where the source's index is not complete, the target's is rebuilt.
    const indexPairs: Pair[] = [];
    const rebuild: Pair[] = [];
    for (const pair of pairs) {
      const index = searchIndexPair(source, target, pair);
      if (!index) continue;
      if ((await index.source.count()) === (await pair.source.count())) indexPairs.push(index);
      else rebuild.push(pair);
    }
    const searchIndexes: EntityTransfer[] = [];
    for (const index of indexPairs) {
      const empty = (await index.target.count()) === 0;
      if (empty) await bulkIndexing(index, 'suspend');
      searchIndexes.push(await copy(index));
    }
    const copied = performance.now();
    // The native full-text indexes are built while the rows are verified: the build is the
    // server's work on one connection, verification mostly this process's reading and hashing.
    // Also after a resumed run, whose predecessor may have stopped between suspend and resume.
    const building = (async () => {
      for (const index of indexPairs) await bulkIndexing(index, 'resume');
      return (performance.now() - copied) / 1000;
    })();
    const into: Store = target;
    const [{ reindexed, audit, indexed, all }, indexing] = await alongside(building, async () => {
      const reindexed: string[] = [];
      for (const pair of rebuild) {
        const rows = await into.reindex(pair.schema);
        progress({ entity: pair.entity.name, phase: 'reindex', done: rows, total: rows });
        reindexed.push(pair.entity.name);
      }
      const audit = pairs.some((p) => p.schema === AuditEvent) ? await into.audit.verify() : undefined;
      const indexed = performance.now();
      const all =
        options.verify !== false
          ? await verifyAll(
              [...pairs, ...indexPairs],
              [...entities, ...searchIndexes],
              sums,
              batchSize,
              progress,
            )
          : [...entities, ...searchIndexes];
      return { reindexed, audit, indexed, all };
    });
    const verified = all.slice(0, pairs.length);
    const verifiedIndexes = all.slice(pairs.length);
    const totals = {
      rows: verified.reduce((n, e) => n + e.rows, 0),
      copied: verified.reduce((n, e) => n + e.copied, 0),
      bytes: verified.reduce((n, e) => n + e.bytes, 0),
      seconds: (performance.now() - started) / 1000,
    };
    return {
      ok: [...verified, ...verifiedIndexes].every((e) => e.verification?.ok !== false) && audit?.ok !== false,
      from: redactUrl(options.from),
      to: redactUrl(options.to),
      mode,
      entities: verified,
      searchIndexes: verifiedIndexes,
      reindexed,
      ...(audit ? { audit } : {}),
      totals,
      phases: {
        prepare: (prepared - started) / 1000,
        copy: (copied - prepared) / 1000,
        reindex: (indexed - copied) / 1000,
        verify: (performance.now() - indexed) / 1000,
        index: indexing,
      },
    };
  } finally {
    await target?.close();
    await source.close();
  }
}

/** Runs the target dialect's statements that suspend or rebuild a full-text index around a load. */
async function bulkIndexing(pair: Pair, step: 'suspend' | 'resume'): Promise<void> {
  if (!pair.index) return;
  const { store, spec } = pair.index;
  const statements = store.adapter.search?.bulkIndexing?.[step](spec) ?? [];
  for (const statement of statements) await store.executor.execute(statement);
}

/** The search index tables of a searchable entity on both sides, as a pair to copy; else undefined. */
function searchIndexPair(source: Store, target: Store, pair: Pair): Pair | undefined {
  const from = internalsOf(source);
  const to = internalsOf(target);
  const sourceModel = from.search.get(pair.entity);
  const targetModel = to.search.get(pair.target.entity);
  if (!sourceModel || !targetModel) return undefined;
  const entity = searchIndexTable(sourceModel);
  return {
    entity,
    schema: pair.schema,
    source: new TableAccess(from, entity),
    target: new TableAccess(to, searchIndexTable(targetModel)),
    index: { store: to, spec: targetModel.spec },
  };
}

/** Everything checked before the first row moves; the target's schema created (or recreated). */
async function prepare(
  source: Store,
  target: Store,
  options: TransferOptions,
  mode: TransferMode,
): Promise<Pair[]> {
  const from = internalsOf(source);
  const order = foreignKeyOrder(from.schema);
  await checkSchema(source, 'source', options.from);
  if (mode === 'truncate') await target.dropSchema();
  await target.migrate();
  await checkSchema(target, 'target', options.to);
  const to: StoreInternals = internalsOf(target);
  const pairs = order.map((entity): Pair => {
    const schema = options.schema.find((e) => e.meta.className === entity.name);
    const targetEntity = to.schema.entities.get(entity.name);
    if (!schema || !targetEntity) throw new ConfigurationError(`${entity.name} is missing from the schema.`);
    return {
      entity,
      schema,
      source: new TableAccess(from, entity),
      target: new TableAccess(to, targetEntity),
    };
  });
  if (mode === 'empty') {
    const filled: string[] = [];
    for (const pair of pairs) {
      const rows = await pair.target.count();
      if (rows > 0) filled.push(`${pair.entity.name} (${rows} rows)`);
    }
    if (filled.length > 0) {
      throw new TransferError(
        `The target already holds rows: ${filled.join(', ')}. Pass mode "truncate" (--truncate) to replace them, or "resume" (--resume) to finish an interrupted transfer.`,
      );
    }
  }
  for (const pair of pairs) {
    try {
      await pair.target.probeWrite();
    } catch (error) {
      const cause = error instanceof SwitchyardError ? error : to.executor.classify(error);
      throw new TransferError(
        `The target refuses writes to ${pair.entity.table} (${pair.entity.name}): ${cause.message}`,
        { cause, entity: pair.entity.name },
      );
    }
  }
  return pairs;
}

/**
 * Copies one entity. A resumed run starts after the last key already in the target: batches are
 * committed in key order, so everything before it is there, and nothing is loaded twice.
 */
async function copyEntity(
  pair: Pair,
  mode: TransferMode,
  batchSize: number,
  progress: (event: TransferProgress) => void,
): Promise<{ report: EntityTransfer; sum: RowChecksum | undefined }> {
  const started = performance.now();
  const total = await pair.source.count();
  // An index table is derived data: a resumed run loads it again whole, so its batches need no
  // order and may load two at a time. Entity batches commit strictly in key order.
  const derived = pair.index !== undefined;
  if (mode === 'resume' && derived) await pair.target.clear();
  const after = mode === 'resume' && !derived ? await pair.target.lastKey() : undefined;
  const present = after === undefined ? 0 : await pair.target.count();
  // The source's checksum comes for free when this run reads every row; a resumed entity is
  // read again at verification.
  const sum = new RowChecksum();
  let done = present;
  progress({ entity: pair.entity.name, phase: 'copy', done, total });
  // The next batch is read (and hashed) while the previous one loads.
  const loading: Promise<void>[] = [];
  const inFlight = derived ? 2 : 1;
  for await (const batch of pair.source.batches(batchSize, after)) {
    for (const row of batch) sum.add(pair.entity, row);
    while (loading.length >= inFlight) await loading.shift();
    const load = pair.target.load(batch).then(() => {
      done += batch.length;
      progress({ entity: pair.entity.name, phase: 'copy', done, total });
    });
    // Awaited in turn below; a failure meanwhile must not count as unhandled.
    load.catch(() => undefined);
    loading.push(load);
  }
  await Promise.all(loading);
  return {
    report: {
      entity: pair.entity.name,
      table: pair.entity.table,
      rows: total,
      copied: sum.rows,
      bytes: sum.bytes,
      seconds: (performance.now() - started) / 1000,
    },
    sum: after === undefined ? sum : undefined,
  };
}

/** Tables verified at once: each reads on a connection of its own, so a server works on two. */
const VERIFY_AT_ONCE = 2;

async function verifyAll(
  pairs: readonly Pair[],
  entities: readonly EntityTransfer[],
  sums: ReadonlyMap<EntityModel, RowChecksum>,
  batchSize: number,
  progress: (event: TransferProgress) => void,
): Promise<EntityTransfer[]> {
  const verified: EntityTransfer[] = new Array(pairs.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < pairs.length; i = next++) {
      const pair = pairs[i] as Pair;
      const report = entities[i] as EntityTransfer;
      const reportVerify = (done: number) =>
        progress({ entity: pair.entity.name, phase: 'verify', done, total: report.rows });
      const sourceSum = sums.get(pair.entity) ?? (await checksumOf(pair.source, batchSize, () => undefined));
      const verification = await verifyEntity(pair.source, pair.target, sourceSum, batchSize, reportVerify);
      verified[i] = { ...report, verification };
    }
  };
  await Promise.all(Array.from({ length: VERIFY_AT_ONCE }, worker));
  return verified;
}

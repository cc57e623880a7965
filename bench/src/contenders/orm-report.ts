import type { ContenderName } from './contender.ts';
import { type Measurement, OPERATIONS, type Operation, type OrmBackendResult, UNIT } from './orm-bench.ts';
import type { OrmWorkloadSize } from './orm-workload.ts';

/** The issue's targets, as ratios of Switchyard's time to the other contender's (lower is better). */
const TARGETS: Partial<Record<Exclude<ContenderName, 'switchyard'>, Partial<Record<Operation, number>>>> = {
  raw: { insertMany: 1.25, stream: 1.25, get: 1.5, page: 1.5, update: 1.5 },
  // "Faster than plain MikroORM": Switchyard's time below MikroORM's.
  mikroorm: { insertMany: 1, get: 1, page: 1, update: 1, stream: 1, search: 1 },
  drizzle: { insertMany: 1.1, get: 1.1, page: 1.1, update: 1.1, stream: 1.1, search: 1.1 },
};
const OTHERS = ['raw', 'mikroorm', 'drizzle'] as const;
const LABEL: Record<ContenderName, string> = {
  switchyard: 'Switchyard',
  raw: 'raw driver',
  mikroorm: 'MikroORM',
  drizzle: 'Drizzle',
};

export interface RatioRow {
  backend: string;
  operation: Operation;
  /** Switchyard's median time ÷ the contender's, per contender measured. */
  ratios: Partial<Record<(typeof OTHERS)[number], number>>;
  /** Targets missed, named (`raw ≤ 1.25`). */
  missed: string[];
}

const ratioOf = (mine: Measurement | undefined, theirs: Measurement | undefined) =>
  mine && theirs ? mine.medianSeconds / mine.count / (theirs.medianSeconds / theirs.count) : undefined;

export function ratioRows(results: readonly OrmBackendResult[]): RatioRow[] {
  return results.flatMap((r) =>
    OPERATIONS.flatMap((operation) => {
      const mine = r.measurements.switchyard?.[operation];
      if (!mine) return [];
      const ratios: RatioRow['ratios'] = {};
      const missed: string[] = [];
      for (const other of OTHERS) {
        const ratio = ratioOf(mine, r.measurements[other]?.[operation]);
        if (ratio === undefined) continue;
        ratios[other] = ratio;
        const target = TARGETS[other]?.[operation];
        if (target !== undefined && !(other === 'mikroorm' ? ratio < target : ratio <= target)) {
          missed.push(`${LABEL[other]} ${other === 'mikroorm' ? '<' : '≤'} ${target}`);
        }
      }
      return [{ backend: r.backend, operation, ratios, missed }];
    }),
  );
}

/** The table: per backend and operation, each contender's throughput and Switchyard's time ratios. */
export function ormTable(results: readonly OrmBackendResult[]): { columns: string[]; rows: string[][] } {
  const contenders = [...new Set(results.flatMap((r) => Object.keys(r.measurements)))] as ContenderName[];
  const others = OTHERS.filter((o) => contenders.includes(o));
  const columns = [
    'backend',
    'operation',
    ...contenders.map((c) => `${LABEL[c]} /s`),
    ...others.map((o) => `÷ ${LABEL[o]}`),
    'targets missed',
  ];
  const ratios = ratioRows(results);
  const rows = results.flatMap((r) =>
    OPERATIONS.flatMap((operation) => {
      if (!contenders.some((c) => r.measurements[c]?.[operation])) return [];
      const row = ratios.find((x) => x.backend === r.backend && x.operation === operation);
      return [
        [
          r.backend,
          `${operation} (${UNIT[operation]})`,
          ...contenders.map((c) => {
            const m = r.measurements[c]?.[operation];
            return m ? Math.round(m.perSecond).toLocaleString('en-US') : '–';
          }),
          ...others.map((o) => row?.ratios[o]?.toFixed(2) ?? '–'),
          row && row.missed.length > 0 ? row.missed.join(', ') : 'none',
        ],
      ];
    }),
  );
  return { columns, rows };
}

/** What the Markdown report says under its table: method, workload, agreement, rounds, charts. */
export function ormNotes(
  results: readonly OrmBackendResult[],
  size: OrmWorkloadSize,
  rounds: number,
): string[] {
  const disagreements = results.flatMap((r) => r.disagreements);
  const searchRounds = results.map(
    (r) => `${r.backend} ${r.measurements.switchyard?.search?.secondsPerRound.length ?? 0}`,
  );
  return [
    `Medians of ${rounds} timed rounds after an untimed warm-up round on a fifth of the workload, on the demo`,
    'schema; per operation the contenders take turns, each round and operation started by another one.',
    "Throughput per second: rows for insertMany and stream, calls otherwise. A ratio is Switchyard's time ÷",
    "the other contender's for the same work (below 1: Switchyard is faster). Targets: raw driver ≤ 1.25 for",
    'insertMany and stream, ≤ 1.5 for get, page and update; below 1 against MikroORM; ≤ 1.1 against Drizzle.',
    '',
    `Workload: insertMany of ${size.inserts} notes in batches of ${size.insertBatch} (with their search documents), ${size.pointReads} gets`,
    `by id, ${size.pages} pages (owner + tag, newest first, ${size.pageSize} rows), ${size.updates} updates with an expected version,`,
    `streaming ${size.streamRows} rows (batches of ${size.streamBatch}), ${size.searches} searches over ${size.searchDocuments} documents (${size.searchLimit} hits). The`,
    'contenders other than Switchyard run the hand-written search SQL (built outside the timing) and take the',
    'ids of the whole rows it returns; Switchyard decodes the rows. Search rounds stop at a time budget',
    `(rounds run: ${searchRounds.join(', ')}).`,
    '',
    `Measured: ${results.map((r) => `${r.backend} ${r.measured ?? ''}`).join('; ')}.`,
    '',
    disagreements.length === 0
      ? 'Before timing, every contender returned the same results as Switchyard on the checked inputs.'
      : `Contenders disagreed with Switchyard: ${disagreements.length} (see orm.json).`,
    '',
    ...results.map((r) => `![${r.backend}](orm-${r.backend}.svg)`),
    '',
  ];
}

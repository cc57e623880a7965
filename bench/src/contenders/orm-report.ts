import type { ContenderName } from './contender.ts';
import { type Measurement, OPERATIONS, type Operation, type OrmBackendResult, UNIT } from './orm-bench.ts';

/** The targets, as ratios of Switchyard's time to the other contender's (lower is better). */
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

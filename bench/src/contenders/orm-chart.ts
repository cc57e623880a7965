import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { OrmBackendResult } from './orm-bench.ts';
import { OPERATIONS, UNIT } from './orm-bench.ts';

/** The contenders' colours, the same on every chart. */
const COLOURS: Record<string, string> = {
  switchyard: '#2f6fdf',
  raw: '#7a7a7a',
  mikroorm: '#e07b39',
  drizzle: '#3aa655',
};

/**
 * One chart per backend: per operation, each contender's throughput (rows/s for the bulk
 * operations, calls/s for the others), higher is better; every operation on its own scale.
 */
export async function ormChartSvg(result: OrmBackendResult): Promise<string> {
  const values = Object.entries(result.measurements).flatMap(([contender, ops]) =>
    OPERATIONS.flatMap((operation) => {
      const m = ops?.[operation];
      return m
        ? [
            {
              contender,
              operation: `${operation} (${UNIT[operation]}/s)`,
              perSecond: Math.round(m.perSecond),
            },
          ]
        : [];
    }),
  );
  const contenders = Object.keys(result.measurements);
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${result.backend}: throughput per contender (median of ${result.rounds} rounds, higher is better)`,
    },
    data: { values },
    facet: {
      field: 'operation',
      type: 'nominal',
      sort: OPERATIONS.map((o) => `${o} (${UNIT[o]}/s)`),
      title: null,
      header: { labelFontSize: 12, labelFontWeight: 'bold' },
    },
    columns: 3,
    spec: {
      width: 220,
      height: 160,
      layer: [
        {
          mark: 'bar',
          encoding: {
            x: {
              field: 'contender',
              type: 'nominal',
              sort: contenders,
              axis: { title: null, labelAngle: 0 },
            },
            y: { field: 'perSecond', type: 'quantitative', axis: { title: null, format: '~s' } },
            color: {
              field: 'contender',
              type: 'nominal',
              scale: { domain: contenders, range: contenders.map((c) => COLOURS[c] ?? '#999999') },
              legend: null,
            },
          },
        },
        {
          mark: { type: 'text', dy: -6, fontSize: 10 },
          encoding: {
            x: { field: 'contender', type: 'nominal', sort: contenders },
            y: { field: 'perSecond', type: 'quantitative' },
            text: { field: 'perSecond', type: 'quantitative', format: ',' },
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
    config: { font: 'DejaVu Sans, Arial, sans-serif', background: 'white' },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}

import type { TransferProgress } from '@switchyard/core';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';

/** How often a plain progress line is printed for an entity still moving. */
const PLAIN_EVERY_MS = 5000;

export interface ProgressView {
  update(event: TransferProgress): void;
  stop(): void;
}

const rate = (rows: number, ms: number) => (ms > 0 ? Math.round((rows * 1000) / ms) : 0);

/**
 * A bar per entity on a terminal (rows, rows/s, ETA), on stderr so stdout keeps the report.
 * Bars are added as entities start, so the list grows in the order rows move.
 */
export function terminalProgress(stream: NodeJS.WriteStream): ProgressView {
  const bars = new MultiBar(
    {
      stream,
      format: '{entity} {bar} {value}/{total} rows  {rate} rows/s  ETA {eta_formatted}  {phase}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  const byEntity = new Map<string, { bar: SingleBar; phase: string; since: number; from: number }>();
  const width = { entity: 0 };
  return {
    update(event) {
      width.entity = Math.max(width.entity, event.entity.length);
      let entry = byEntity.get(event.entity);
      const now = performance.now();
      if (!entry) {
        const bar = bars.create(event.total, event.done, {
          entity: event.entity,
          phase: event.phase,
          rate: 0,
        });
        entry = { bar, phase: event.phase, since: now, from: event.done };
        byEntity.set(event.entity, entry);
      }
      if (entry.phase !== event.phase) {
        // A new phase starts its own count (verify and reindex read every row again).
        entry.phase = event.phase;
        entry.since = now;
        entry.from = 0;
        entry.bar.setTotal(event.total);
      }
      entry.bar.update(event.done, {
        entity: event.entity.padEnd(width.entity),
        phase: event.phase,
        rate: rate(event.done - entry.from, now - entry.since).toLocaleString('en-US'),
      });
    },
    stop() {
      bars.stop();
    },
  };
}

/** One line per entity and phase when it ends, and every few seconds while it runs: for logs and pipes. */
export function plainProgress(write: (line: string) => void): ProgressView {
  const state = new Map<string, { phase: string; since: number; lastLine: number; from: number }>();
  return {
    update(event) {
      const now = performance.now();
      let entry = state.get(event.entity);
      if (!entry || entry.phase !== event.phase) {
        entry = {
          phase: event.phase,
          since: now,
          lastLine: now,
          from: event.phase === 'copy' ? event.done : 0,
        };
        state.set(event.entity, entry);
      }
      const finished = event.done >= event.total;
      if (!finished && now - entry.lastLine < PLAIN_EVERY_MS) return;
      entry.lastLine = now;
      const speed = rate(event.done - entry.from, now - entry.since).toLocaleString('en-US');
      write(
        `${event.phase} ${event.entity}: ${event.done.toLocaleString('en-US')}/${event.total.toLocaleString('en-US')} rows (${speed} rows/s)${finished ? ' done' : ''}`,
      );
    },
    stop() {},
  };
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Outcome = 'pass' | 'fail' | 'skip' | 'known-failure';

export interface ParityEntry {
  readonly outcome: Outcome;
  readonly reason?: string;
}

export interface ParityReport {
  readonly backend: string;
  readonly adapter: string;
  readonly generatedAt: string;
  readonly results: Record<string, ParityEntry>;
}

/** Collects one backend's outcomes; written once the file's tests are done. */
export class ParityRecorder {
  readonly #results: Record<string, ParityEntry> = {};
  constructor(
    readonly backend: string,
    readonly adapter: string,
  ) {}

  has(id: string): boolean {
    return id in this.#results;
  }

  record(id: string, outcome: Outcome, reason?: string): void {
    this.#results[id] = reason === undefined ? { outcome } : { outcome, reason };
  }

  /** Writes `<dir>/parity-<backend>.json`; `dir` defaults to `CONFORMANCE_REPORT_DIR` or `.reports`. */
  write(dir = process.env.CONFORMANCE_REPORT_DIR ?? '.reports'): string {
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `parity-${this.backend}.json`);
    const sorted = Object.fromEntries(Object.entries(this.#results).sort(([a], [b]) => (a < b ? -1 : 1)));
    const report: ParityReport = {
      backend: this.backend,
      adapter: this.adapter,
      generatedAt: new Date().toISOString(),
      results: sorted,
    };
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    return file;
  }
}

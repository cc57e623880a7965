import type { HistoryRow } from './history-table.ts';
import { chainProblems, migrationChecksum } from './migration-files.ts';
import type { MigrationFile, MigrationStatus, MigrationStatusEntry } from './migration-types.ts';

/** The files and the recorded history of one database, side by side. */
export interface HistoryAnalysis extends MigrationStatus {
  /** The files to apply, in order (the partial one, if any, first). */
  readonly pendingFiles: readonly MigrationFile[];
}

const resumeHint = (name: string) =>
  `repair the database by hand, then run "switchyard migrate resolve ${name} --applied" (or --rolled-back)`;

/**
 * Compares the files with the history: what is applied, partial, pending or missing, and every
 * problem that must stop `up` — each with what to do about it.
 */
export function analyseHistory(
  backend: string,
  files: readonly MigrationFile[],
  rows: ReadonlyMap<string, HistoryRow>,
): HistoryAnalysis {
  const byName = new Map(files.map((f) => [f.name, f]));
  // A fork (two branches each added a migration) applies, but leaves a history whose snapshots
  // miss changes: the next `create` would go wrong, so it stops here as it does in `check`.
  const problems: string[] = chainProblems(files);
  const entries: MigrationStatusEntry[] = [];
  const names = [...new Set([...files.map((f) => f.name), ...rows.keys()])].sort();
  const appliedNames = [...rows.values()].filter((r) => r.state === 'applied').map((r) => r.name);
  const lastApplied = appliedNames.sort().at(-1);
  const pendingFiles: MigrationFile[] = [];
  for (const name of names) {
    const file = byName.get(name);
    const row = rows.get(name);
    const steps = file?.dialects[backend];
    const count = steps ? (row?.direction === 'down' ? steps.down.length : steps.up.length) : 0;
    if (!file) {
      entries.push({ name, state: 'missing', at: row?.updatedAt, steps: row?.steps ?? 0 });
      problems.push(
        `${name} is recorded in the database but its file is missing: restore ${name}.json (the history cannot go on without it).`,
      );
      continue;
    }
    if (!steps) {
      problems.push(
        `${name} has no ${backend} steps: it was generated without the ${backend} adapter; generate the history with every dialect you deploy on.`,
      );
    }
    if (!row) {
      entries.push({ name, state: 'pending', steps: count });
      if (lastApplied && name < lastApplied) {
        problems.push(
          `${name} is not applied but sorts before the applied ${lastApplied} (a migration from another branch?): delete ${name}.json and run "switchyard migrate create" again, so it comes last.`,
        );
      }
      pendingFiles.push(file);
      continue;
    }
    const modified = steps !== undefined && migrationChecksum(steps) !== row.checksum;
    if (row.state === 'applied') {
      entries.push({
        name,
        state: 'applied',
        at: row.updatedAt,
        steps: count,
        ...(modified && { modified }),
      });
      if (modified) {
        problems.push(
          `${name} changed after it was applied to this database: restore the file as it was (a migration that ran must not change; add a new one instead).`,
        );
      }
      continue;
    }
    entries.push({
      name,
      state: 'partial',
      at: row.updatedAt,
      steps: count,
      done: row.done,
      direction: row.direction,
      ...(row.error !== null && { error: row.error }),
      ...(modified && { modified }),
    });
    if (row.direction === 'down') {
      problems.push(
        `${name} was left part-way while being reverted (${row.done} of ${row.steps} steps): run "switchyard migrate down" to finish reverting it, or ${resumeHint(name)}.`,
      );
    } else pendingFiles.unshift(file);
  }
  return {
    backend,
    migrations: entries,
    pending: pendingFiles.map((f) => f.name),
    problems,
    pendingFiles,
  };
}

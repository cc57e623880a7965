import type { Adapter, AdapterOpenContext, Driver, LockedSession } from '../adapter-api.ts';
import { MigrationError, MigrationHistoryError, SwitchyardError } from '../errors.ts';
import { Executor } from '../store/session.ts';
import { analyseHistory } from './history-analysis.ts';
import { type HistoryRow, HistoryTable } from './history-table.ts';
import { describeStep, migrationChecksum, stepsChecksum } from './migration-files.ts';
import type {
  DialectSteps,
  MigrateDownOptions,
  MigrateUpOptions,
  MigrationFile,
  MigrationStep,
} from './migration-types.ts';
import { runReindex } from './reindex-step.ts';

/** The lock every schema change of Switchyard takes: migrations, push and drop. */
export const MIGRATION_LOCK = 'switchyard:migrate';

export interface RunnerParts {
  readonly adapter: Adapter;
  readonly context: AdapterOpenContext;
  readonly driver: Driver;
  readonly lockTimeoutMs: number;
}

/** What ran under the lock: the migrations done, and the failure that stopped the rest. */
interface Outcome {
  readonly done: string[];
  readonly failure?: SwitchyardError;
}

type Direction = 'up' | 'down';

/** Records a migration as applied (up), or removes it from the history (down). */
function finish(history: HistoryTable, file: MigrationFile, steps: DialectSteps, direction: Direction) {
  if (direction === 'down') return history.remove(file.name);
  return history.write({
    name: file.name,
    checksum: migrationChecksum(steps),
    state: 'applied',
    direction,
    steps: steps.up.length,
    done: steps.up.length,
    doneChecksum: stepsChecksum(steps.up),
    error: null,
  });
}

/**
 * Applies and reverts migrations under the migration lock. A failure after some migrations went
 * through is returned, not thrown, inside the lock: on SQLite the lock is one transaction, and
 * throwing would roll back the migrations that succeeded.
 */
export class MigrationRunner {
  readonly #parts: RunnerParts;
  readonly #files: readonly MigrationFile[];

  constructor(parts: RunnerParts, files: readonly MigrationFile[]) {
    this.#parts = parts;
    this.#files = files;
  }

  get #backend(): string {
    return this.#parts.adapter.name;
  }

  /** Runs `fn` holding the migration lock, with an executor on the lock's session. */
  locked<T>(fn: (ex: Executor, session: LockedSession) => Promise<T>): Promise<T> {
    const { adapter, context, driver, lockTimeoutMs } = this.#parts;
    return driver.withLock(MIGRATION_LOCK, lockTimeoutMs, (session) =>
      fn(new Executor(adapter, context, session, false), session),
    );
  }

  async up(options: MigrateUpOptions = {}): Promise<string[]> {
    const outcome = await this.locked(async (ex, session) => {
      const history = new HistoryTable(ex);
      await history.ensure();
      const rows = await history.read();
      const analysis = analyseHistory(this.#backend, this.#files, rows);
      if (analysis.problems.length > 0) throw new MigrationHistoryError(analysis.problems.join('\n'));
      let due = analysis.pendingFiles;
      if (options.to !== undefined) {
        const target = this.#file(options.to);
        due = due.filter((f) => f.name <= target.name);
      }
      return this.#runAll(due, 'up', rows, history, ex, session);
    });
    if (outcome.failure) throw outcome.failure;
    return outcome.done;
  }

  async down(options: MigrateDownOptions = {}): Promise<string[]> {
    const outcome = await this.locked(async (ex, session) => {
      const history = new HistoryTable(ex);
      await history.ensure();
      const rows = await history.read();
      const problems = analyseHistory(this.#backend, this.#files, rows).problems.filter(
        // Finishing a revert left part-way is what `down` is for.
        (p) => !p.includes('while being reverted'),
      );
      const partialUp = [...rows.values()].find((r) => r.state === 'partial' && r.direction === 'up');
      if (partialUp) {
        problems.push(
          `${partialUp.name} is partly applied (${partialUp.done} of ${partialUp.steps} steps): finish it with "switchyard migrate up" before reverting, or repair by hand and run "switchyard migrate resolve ${partialUp.name} --applied" (or --rolled-back).`,
        );
      }
      if (problems.length > 0) throw new MigrationHistoryError(problems.join('\n'));
      const applied = [...rows.values()]
        .map((r) => r.name)
        .sort()
        .reverse();
      let due: string[];
      if (options.to === null) due = applied;
      else if (options.to === undefined) due = applied.slice(0, 1);
      else {
        const target = this.#file(options.to).name;
        if (!rows.has(target)) {
          throw new MigrationHistoryError(`${target} is not applied to this database; nothing to revert to.`);
        }
        due = applied.filter((name) => name > target);
      }
      return this.#runAll(
        due.map((name) => this.#file(name)),
        'down',
        rows,
        history,
        ex,
        session,
      );
    });
    if (outcome.failure) throw outcome.failure;
    return outcome.done;
  }

  async resolve(name: string, outcome: 'applied' | 'rolled-back'): Promise<void> {
    await this.locked(async (ex) => {
      const history = new HistoryTable(ex);
      await history.ensure();
      const rows = await history.read();
      if (outcome === 'rolled-back') {
        if (!rows.has(name)) throw new MigrationHistoryError(`${name} is not in this database's history.`);
        await history.remove(name);
        return;
      }
      const file = this.#file(name);
      await finish(history, file, this.#steps(file), 'up');
    });
  }

  #file(name: string): MigrationFile {
    const file = this.#files.find((f) => f.name === name);
    if (!file) throw new MigrationHistoryError(`There is no migration named "${name}".`);
    return file;
  }

  #steps(file: MigrationFile) {
    const steps = file.dialects[this.#backend];
    if (!steps) {
      throw new MigrationHistoryError(
        `${file.name} has no ${this.#backend} steps: generate the history with every dialect you deploy on.`,
      );
    }
    return steps;
  }

  async #runAll(
    files: readonly MigrationFile[],
    direction: Direction,
    rows: ReadonlyMap<string, HistoryRow>,
    history: HistoryTable,
    ex: Executor,
    session: LockedSession,
  ): Promise<Outcome> {
    const done: string[] = [];
    for (const file of files) {
      const failure = this.#parts.adapter.transactionalDdl
        ? await this.#runAtomic(file, direction, history, ex, session)
        : await this.#runStepwise(file, direction, rows.get(file.name), history, ex);
      if (failure) return { done, failure };
      done.push(file.name);
    }
    return { done };
  }

  /** Transactional DDL: the whole migration and its history row commit together, or nothing does. */
  async #runAtomic(
    file: MigrationFile,
    direction: Direction,
    history: HistoryTable,
    ex: Executor,
    session: LockedSession,
  ): Promise<SwitchyardError | undefined> {
    const steps = this.#steps(file);
    const list = steps[direction];
    let current = 0;
    try {
      await session.atomic(async () => {
        for (const [i, step] of list.entries()) {
          current = i + 1;
          await this.#runStep(step, ex);
        }
        current = 0;
        await finish(history, file, steps, direction);
      });
      return undefined;
    } catch (error) {
      return this.#failure(file, direction, list, current, error, 'Nothing of it was applied (rolled back).');
    }
  }

  /**
   * Without transactional DDL every finished step is recorded, so a failure (or a crash) leaves a
   * `partial` row saying how far it got, and the next run resumes after the last finished step —
   * provided the file still has the same steps up to there.
   */
  async #runStepwise(
    file: MigrationFile,
    direction: Direction,
    row: HistoryRow | undefined,
    history: HistoryTable,
    ex: Executor,
  ): Promise<SwitchyardError | undefined> {
    const steps = this.#steps(file);
    const list = steps[direction];
    let start = 0;
    if (row?.state === 'partial' && row.direction === direction) {
      if (row.done > list.length || stepsChecksum(list.slice(0, row.done)) !== row.doneChecksum) {
        return new MigrationHistoryError(
          `${file.name} was partly ${direction === 'up' ? 'applied' : 'reverted'} (${row.done} steps) from a different version of its file, so it cannot resume: repair the database by hand, then run "switchyard migrate resolve ${file.name} --applied" (or --rolled-back).`,
        );
      }
      start = row.done;
    }
    const record = (done: number, error: string | null) =>
      history.write({
        name: file.name,
        checksum: migrationChecksum(steps),
        state: 'partial',
        direction,
        steps: list.length,
        done,
        doneChecksum: stepsChecksum(list.slice(0, done)),
        error,
      });
    try {
      await record(start, null);
    } catch (error) {
      return this.#failure(file, direction, list, 0, error, 'Nothing of it was applied.');
    }
    for (let i = start; i < list.length; i++) {
      try {
        await this.#runStep(list[i] as MigrationStep, ex);
        await record(i + 1, null);
      } catch (error) {
        const failure = this.#failure(
          file,
          direction,
          list,
          i + 1,
          error,
          `Steps 1–${i} are ${direction === 'up' ? 'applied' : 'reverted'} and recorded (this backend cannot roll DDL back): fix the cause and run "switchyard migrate ${direction}" again to resume at step ${i + 1}, or repair by hand and run "switchyard migrate resolve ${file.name} --applied" (or --rolled-back).`,
        );
        await record(i, failure.message).catch(() => undefined);
        return failure;
      }
    }
    await finish(history, file, steps, direction);
    return undefined;
  }

  async #runStep(step: MigrationStep, ex: Executor): Promise<void> {
    if (typeof step !== 'string' && 'reindex' in step) {
      // The index is built from every row: a row-level security policy must not hide any.
      const everyTenant = this.#parts.adapter.tenantPolicy?.bindAll();
      if (everyTenant) await ex.query(everyTenant);
      await runReindex(ex, step.reindex);
      return;
    }
    const [text, params] = typeof step === 'string' ? [step, []] : [step.sql, step.params];
    try {
      await ex.session.execute(text, params);
    } catch (error) {
      throw this.#parts.adapter.classifyError(error, this.#parts.context);
    }
  }

  #failure(
    file: MigrationFile,
    direction: Direction,
    list: readonly MigrationStep[],
    step: number,
    error: unknown,
    consequence: string,
  ): SwitchyardError {
    if (error instanceof MigrationHistoryError || error instanceof MigrationError) return error;
    const cause =
      error instanceof SwitchyardError
        ? error
        : this.#parts.adapter.classifyError(error, this.#parts.context);
    const where = step > 0 ? ` at step ${step} of ${list.length}` : '';
    const statement =
      step > 0
        ? ` (${describeStep(list[step - 1] as MigrationStep)
            .replace(/\s+/g, ' ')
            .slice(0, 160)})`
        : '';
    const reason = (cause.message.split('\n')[0] ?? '').replace(/[.\s]*$/, '.');
    return new MigrationError(
      `Migration ${file.name} failed ${direction === 'up' ? 'to apply' : 'to revert'}${where} on ${this.#backend}${statement}: ${reason} ${consequence}`,
      file.name,
      step,
      { cause },
    );
  }
}

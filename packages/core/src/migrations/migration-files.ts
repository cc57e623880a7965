import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ConfigurationError, MigrationHistoryError } from '../errors.ts';
import {
  type DialectSteps,
  MIGRATION_FORMAT,
  type MigrationFile,
  type MigrationSource,
  type MigrationStep,
} from './migration-types.ts';

const NAME = /^\d{14}_[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const SLUG = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

/** `20261121093000_add_tags`: UTC time to the second, so names sort in creation order. */
export function migrationName(now: Date, slug: string): string {
  if (!SLUG.test(slug)) {
    throw new ConfigurationError(
      `"${slug}" is not a valid migration name: use letters, digits, "_" and "-" (at most 100, starting with a letter or digit).`,
    );
  }
  const stamp = now
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, '');
  return `${stamp}_${slug}`;
}

function isStep(step: unknown): step is MigrationStep {
  if (typeof step === 'string') return step.trim().length > 0;
  if (typeof step !== 'object' || step === null) return false;
  if ('sql' in step) {
    const { sql, params } = step as { sql: unknown; params: unknown };
    return (
      typeof sql === 'string' &&
      Array.isArray(params) &&
      params.every((p) => typeof p === 'string' || typeof p === 'number')
    );
  }
  if ('reindex' in step) {
    const r = (step as { reindex: Record<string, unknown> }).reindex;
    return (
      typeof r === 'object' &&
      r !== null &&
      typeof r.table === 'string' &&
      typeof r.key === 'string' &&
      typeof r.indexTable === 'string' &&
      Array.isArray(r.fields) &&
      r.fields.every(
        (f: { column?: unknown; indexColumn?: unknown }) =>
          typeof f?.column === 'string' && typeof f?.indexColumn === 'string',
      )
    );
  }
  return false;
}

function isDialectSteps(value: unknown): value is DialectSteps {
  const v = value as DialectSteps | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray(v.up) &&
    Array.isArray(v.down) &&
    v.up.every(isStep) &&
    v.down.every(isStep)
  );
}

/** Checks a parsed migration file; returns what is wrong with it, or nothing. */
function problemOf(data: unknown, name: string): string | undefined {
  if (typeof data !== 'object' || data === null) return 'it is not a JSON object';
  const file = data as Partial<MigrationFile>;
  if (file.format !== MIGRATION_FORMAT) {
    return `its format is ${JSON.stringify(file.format)}; this version of Switchyard reads format ${MIGRATION_FORMAT}`;
  }
  if (file.name !== name) return `its name ${JSON.stringify(file.name)} differs from the file name`;
  if (!NAME.test(name)) return 'the file name is not <14-digit UTC time>_<name>.json';
  if (file.parent !== null && typeof file.parent !== 'string') return '"parent" must be a name or null';
  if (typeof file.dialects !== 'object' || file.dialects === null) return '"dialects" is missing';
  for (const [dialect, steps] of Object.entries(file.dialects)) {
    if (!isDialectSteps(steps)) return `the steps of ${dialect} are not valid`;
  }
  if (typeof file.snapshot !== 'object' || file.snapshot === null) return '"snapshot" is missing';
  return undefined;
}

/**
 * Reads and checks every `*.json` migration of a directory, in name order. A missing directory is
 * an empty history only when `allowMissing` (for `create`, which makes it).
 */
export async function readMigrations(directory: string, allowMissing = false): Promise<MigrationFile[]> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((n) => n.endsWith('.json')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && allowMissing) return [];
    throw new ConfigurationError(`Cannot read the migrations directory ${resolve(directory)}.`, {
      cause: error,
    });
  }
  const files: MigrationFile[] = [];
  for (const fileName of names) {
    const path = join(directory, fileName);
    let data: unknown;
    try {
      data = JSON.parse(await readFile(path, 'utf8'));
    } catch (cause) {
      throw new MigrationHistoryError(`The migration file ${path} is not valid JSON.`, { cause });
    }
    const problem = problemOf(data, basename(fileName, '.json'));
    if (problem) throw new MigrationHistoryError(`The migration file ${path} is not valid: ${problem}.`);
    files.push(data as MigrationFile);
  }
  return files;
}

/** What `openStore({ migrations })` accepts, as checked files in name order. */
export async function loadMigrationSource(
  source: MigrationSource | undefined,
): Promise<readonly MigrationFile[] | undefined> {
  if (source === undefined) return undefined;
  if (typeof source === 'string') return readMigrations(source);
  if (!Array.isArray(source)) {
    throw new ConfigurationError('migrations must be a directory or an array of migration files.');
  }
  for (const file of source) {
    const problem = problemOf(file, (file as MigrationFile | undefined)?.name ?? '');
    if (problem) {
      throw new MigrationHistoryError(
        `The migration ${String((file as MigrationFile | undefined)?.name)} is not valid: ${problem}.`,
      );
    }
  }
  return [...source].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Writes a new migration file; never overwrites one. Returns its path. */
export async function writeMigration(directory: string, file: MigrationFile): Promise<string> {
  await mkdir(directory, { recursive: true });
  const path = join(directory, `${file.name}.json`);
  await writeFile(path, `${JSON.stringify(file, null, 2)}\n`, { flag: 'wx' });
  return path;
}

/** Identifies a list of steps: what the history records of the steps it ran. */
export function stepsChecksum(steps: readonly MigrationStep[]): string {
  return createHash('sha256').update(JSON.stringify(steps)).digest('hex');
}

/** Identifies one dialect's steps of a migration (up and down). */
export function migrationChecksum(steps: DialectSteps): string {
  return createHash('sha256')
    .update(JSON.stringify([steps.up, steps.down]))
    .digest('hex');
}

/**
 * Problems of the history as a whole: each migration must be generated after the one before it.
 * Two branches that each added a migration leave two with the same parent; the later one was
 * generated without the other's changes and must be generated again.
 */
export function chainProblems(files: readonly MigrationFile[]): string[] {
  const problems: string[] = [];
  files.forEach((file, i) => {
    const expected = i === 0 ? null : (files[i - 1] as MigrationFile).name;
    if (file.parent !== expected) {
      problems.push(
        `${file.name} was generated after ${file.parent ?? 'an empty history'}, but the migration before it is ${expected ?? 'none'}: ` +
          `it does not contain the changes in between (two branches each added a migration?). Delete ${file.name}.json and run "switchyard migrate create" again.`,
      );
    }
  });
  return problems;
}

/** One line per step, for people: SQL as it runs, a reindex as a comment. */
export function describeStep(step: MigrationStep): string {
  if (typeof step === 'string') return step;
  if ('sql' in step) return step.sql;
  return `-- reindex ${step.reindex.indexTable} from ${step.reindex.table}`;
}

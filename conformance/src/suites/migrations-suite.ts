import {
  checkMigrations,
  createMigration,
  MigrationError,
  MigrationHistoryError,
  type MigrationStatus,
  type MigrationStep,
  type Store,
} from '@switchyard/core';
import { expect } from 'vitest';
import {
  countRows,
  type MigrationLab,
  runByHand,
  tableExists,
  withLab,
} from '../migrations/migration-lab.ts';
import {
  MigAuthor,
  MigLabelV2,
  MigNoteV1,
  MigNoteV2,
  MigNoteV3,
  migrationSchemas,
  migrationTables,
  noteSearchTable,
  schemaVersions,
} from '../migrations/migration-schemas.ts';
import { defineSuite } from '../suite-definition.ts';
import type { MigratingWorkerInput, MigratingWorkerMessage } from '../workers/migrating-worker.ts';
import { expectError } from './expect-error.ts';
import { runTogether, startWorker } from './worker-process.ts';

/**
 * Migrations (DESIGN §6) on the adapter under test. Every test works in its own fresh database
 * with its own migrations directory (`MigrationLab`), generating its migrations at test time for
 * this adapter's dialect only.
 */

const PROCESSES = 4;
/** Longest a migrating process may take, start-up included. */
const PROCESS_DEADLINE_MS = 45_000;

/** Fails on every backend, whatever the schema: the table never exists. */
const FAILING_STEP = 'INSERT INTO sy_mig_no_such_table VALUES (1)';

/** `[name, state]` of every migration in the status, in its order. */
const states = (status: MigrationStatus) => status.migrations.map((m) => [m.name, m.state]);

const entryOf = (status: MigrationStatus, name: string) => {
  const entry = status.migrations.find((m) => m.name === name);
  if (!entry) throw new Error(`${name} is not in the status: ${JSON.stringify(status)}`);
  return entry;
};

/** Creates v1 and v2 and brings the lab's database to v2; returns the store and the names. */
async function upToV2(lab: MigrationLab): Promise<{ store: Store; v1: string; v2: string }> {
  const v1 = await lab.create('v1', 'create_notes');
  const v2 = await lab.create('v2', 'add_labels');
  const store = await lab.open('v2');
  expect(await store.migrate()).toEqual({ migrations: [v1, v2], mode: 'history' });
  return { store, v1, v2 };
}

/**
 * Breaks a migration the way a faulty hand edit or a server-specific problem would: a statement
 * that fails on every backend, right after the first table the migration creates, so real DDL
 * precedes it and more follows. Returns the failing step's 1-based number, the table created
 * before it, and a function restoring the original file.
 */
function breakAfterFirstCreate(
  lab: MigrationLab,
  name: string,
): { step: number; createdTable: string; broken: readonly MigrationStep[]; restore: () => void } {
  const up = lab.steps(name).up;
  const index = up.findIndex((s) => typeof s === 'string' && /^\s*create\s+table\b/i.test(s));
  expect(index, `no CREATE TABLE step in ${JSON.stringify(up)}`).toBeGreaterThanOrEqual(0);
  // Steps after the failing one, so a resumed run has real work left to do.
  expect(up.length, JSON.stringify(up)).toBeGreaterThan(index + 1);
  const match = /^\s*create\s+table\s+(?:if\s+not\s+exists\s+)?[`"[]?(\w+)/i.exec(up[index] as string);
  const createdTable = match?.[1] ?? '';
  expect(migrationTables as readonly string[]).toContain(createdTable);
  const broken = [...up.slice(0, index + 1), FAILING_STEP, ...up.slice(index + 1)];
  const restore = lab.editUp(name, () => broken);
  return { step: index + 2, createdTable, broken, restore };
}

export const migrationsSuite = defineSuite('migrations', {
  'a fresh database migrates up and records every migration once': async (context) => {
    await withLab(context, async (lab) => {
      const v1 = await lab.create('v1', 'create_notes');
      const v2 = await lab.create('v2', 'add_labels');
      const store = await lab.open('v2');

      const before = await store.migrations.status();
      expect(before.backend).toBe(context.adapter.name);
      expect(states(before)).toEqual([
        [v1, 'pending'],
        [v2, 'pending'],
      ]);
      expect(before.pending).toEqual([v1, v2]);
      expect(before.problems).toEqual([]);
      for (const m of before.migrations) expect(m.steps, m.name).toBe(lab.steps(m.name).up.length);

      expect(await store.migrate()).toEqual({ migrations: [v1, v2], mode: 'history' });
      const after = await store.migrations.status();
      expect(states(after)).toEqual([
        [v1, 'applied'],
        [v2, 'applied'],
      ]);
      expect(after.pending).toEqual([]);
      expect(after.problems).toEqual([]);
      for (const m of after.migrations) {
        expect(Number.isNaN(Date.parse(m.at ?? '')), `${m.name} at ${m.at}`).toBe(false);
        expect(m.modified ?? false).toBe(false);
      }

      const author = await store.repo(MigAuthor).insert({ name: 'Ada' });
      const note = await store.repo(MigNoteV2).insert({ author: author.id, title: 'First', rank: 1 });
      const label = await store.repo(MigLabelV2).insert({ note: note.id, name: 'ops' });
      expect(await store.repo(MigNoteV2).get(note.id)).toEqual(note);
      expect(await store.repo(MigLabelV2).get(label.id)).toEqual(label);

      // A second run, and a second replica starting later, find nothing to do.
      expect(await store.migrate()).toEqual({ migrations: [], mode: 'history' });
      const replica = await lab.open('v2');
      expect(await replica.migrate()).toEqual({ migrations: [], mode: 'history' });
      expect((await replica.migrations.status()).migrations).toEqual(after.migrations);
      expect(await replica.repo(MigNoteV2).get(note.id)).toEqual(note);
    });
  },

  'down to zero removes every table and the history, and up then works again': async (context) => {
    await withLab(context, async (lab) => {
      const { store, v1, v2 } = await upToV2(lab);
      const author = await store.repo(MigAuthor).insert({ name: 'Ada' });
      await store.repo(MigNoteV2).insert({ author: author.id, title: 'Gone soon', rank: 1 });

      expect(await store.migrations.down({ to: null })).toEqual({ migrations: [v2, v1], mode: 'history' });
      for (const table of migrationTables) expect(await tableExists(store, table), table).toBe(false);
      const status = await store.migrations.status();
      expect(states(status)).toEqual([
        [v1, 'pending'],
        [v2, 'pending'],
      ]);
      expect(status.pending).toEqual([v1, v2]);
      expect(status.problems).toEqual([]);

      expect(await store.migrate()).toEqual({ migrations: [v1, v2], mode: 'history' });
      const again = await store.repo(MigAuthor).insert({ name: 'Grace' });
      const note = await store.repo(MigNoteV2).insert({ author: again.id, title: 'Back', rank: 2 });
      expect(await store.repo(MigNoteV2).get(note.id)).toEqual(note);
      // The tables came back empty: nothing of before the down survived it.
      expect(await store.repo(MigAuthor).count()).toBe(1);
      expect(await store.migrations.diff()).toEqual([]);
    });
  },

  'after up the live schema has no difference from the definition': async (context) => {
    await withLab(context, async (lab) => {
      await lab.create('v1', 'create_notes');
      const atV1 = await lab.open('v1');
      // diff() sees a database that is behind, so an empty diff below means something.
      expect((await atV1.migrations.diff()).length).toBeGreaterThan(0);
      await atV1.migrate();
      expect(await atV1.migrations.diff()).toEqual([]);

      await lab.create('v2', 'add_labels');
      const atV2 = await lab.open('v2');
      expect((await atV2.migrations.diff()).length).toBeGreaterThan(0);
      await atV2.migrate();
      expect(await atV2.migrations.diff()).toEqual([]);

      if (schemaVersions(context.adapter).includes('v3')) {
        await lab.create('v3', 'search_notes');
        const atV3 = await lab.open('v3');
        await atV3.migrate();
        expect(await atV3.migrations.diff()).toEqual([]);
      }
    });
  },

  'data survives an additive migration, and reverting it keeps the older rows': async (context) => {
    await withLab(context, async (lab) => {
      const v1 = await lab.create('v1', 'create_notes');
      const atV1 = await lab.open('v1');
      await atV1.migrate();
      const author = await atV1.repo(MigAuthor).insert({ name: 'Ada' });
      const notes = await atV1.repo(MigNoteV1).insertMany([
        { author: author.id, title: 'One', body: 'first body', rank: 1 },
        { author: author.id, title: 'Two', body: null, rank: 2 },
        { author: author.id, title: 'Three', body: 'third body', rank: 3 },
      ]);

      const v2 = await lab.create('v2', 'add_labels');
      const atV2 = await lab.open('v2');
      expect(await atV2.migrate()).toEqual({ migrations: [v2], mode: 'history' });
      const read = await atV2.repo(MigNoteV2).find({}, { orderBy: { rank: 'asc' } });
      expect(read.items).toEqual(notes.map((n) => ({ ...n, summary: null })));
      const [first] = notes;
      if (!first) throw new Error('insertMany returned no rows');
      const updated = await atV2.repo(MigNoteV2).update(first.id, { summary: 'now summarised' });
      expect(updated.summary).toBe('now summarised');
      const label = await atV2.repo(MigLabelV2).insert({ note: first.id, name: 'kept?' });
      expect(await atV2.repo(MigLabelV2).get(label.id)).toEqual(label);

      expect(await atV2.migrations.down()).toEqual({ migrations: [v2], mode: 'history' });
      expect(states(await atV2.migrations.status())).toEqual([
        [v1, 'applied'],
        [v2, 'pending'],
      ]);
      expect(await tableExists(atV1, 'sy_mig_label')).toBe(false);
      // Back at v1 exactly: the column and the index are gone, the v1 rows are as written.
      expect(await atV1.migrations.diff()).toEqual([]);
      expect((await atV1.repo(MigNoteV1).find({}, { orderBy: { rank: 'asc' } })).items).toEqual(notes);
    });
  },

  'making an existing entity searchable through a migration indexes the rows already there, and down removes the index':
    {
      needs: ['search'],
      async run(context) {
        await withLab(context, async (lab) => {
          const { store: atV2 } = await upToV2(lab);
          const author = await atV2.repo(MigAuthor).insert({ name: 'Ada' });
          const [kettle, skillet] = await atV2.repo(MigNoteV2).insertMany([
            { author: author.id, title: 'Copper kettle', body: 'a brass handle', rank: 1 },
            { author: author.id, title: 'Iron skillet', body: 'seasoned twice', rank: 2 },
          ]);
          if (!kettle || !skillet) throw new Error('insertMany returned too few rows');

          const v3 = await lab.create('v3', 'search_notes');
          const atV3 = await lab.open('v3');
          expect(await tableExists(atV3, noteSearchTable)).toBe(false);
          expect(await atV3.migrate()).toEqual({ migrations: [v3], mode: 'history' });
          const ids = async (query: string) =>
            (await atV3.search(MigNoteV3, query)).hits.map((h) => h.item.id).sort();
          expect(await ids('kettle')).toEqual([kettle.id]);
          expect(await ids('brass')).toEqual([kettle.id]);
          expect(await ids('seasoned')).toEqual([skillet.id]);
          expect(await countRows(atV3, noteSearchTable)).toBe(2);

          expect(await atV3.migrations.down()).toEqual({ migrations: [v3], mode: 'history' });
          expect(await tableExists(atV3, noteSearchTable)).toBe(false);
          expect(entryOf(await atV3.migrations.status(), v3).state).toBe('pending');

          // Rows written while the entity was not searchable are indexed when it becomes so again.
          const pot = await atV2.repo(MigNoteV2).insert({ author: author.id, title: 'Copper pot', rank: 3 });
          expect(await atV3.migrate()).toEqual({ migrations: [v3], mode: 'history' });
          expect(await ids('copper')).toEqual([kettle.id, pot.id].sort());
        });
      },
    },

  '4 processes migrating one database at once: exactly one applies each migration, the others wait and apply none':
    async (context) => {
      await withLab(context, async (lab) => {
        const versions = schemaVersions(context.adapter);
        const names: string[] = [];
        for (const version of versions) names.push(await lab.create(version, `to_${version}`));
        const latest = versions[versions.length - 1] ?? 'v1';

        const workers = Array.from({ length: PROCESSES }, (_, worker) =>
          startWorker<MigratingWorkerMessage>('migrating-worker.js', lab.url, context.adapterModule, {
            worker,
            directory: lab.directory,
            version: latest,
          } satisfies MigratingWorkerInput),
        );
        // Every process has opened its store before any of them migrates: the calls overlap.
        const results = await runTogether(workers, PROCESS_DEADLINE_MS);
        const reports: string[][] = [];
        for (const [worker, r] of results.entries()) {
          const detail = `worker ${worker}: exit ${r.code} ${r.signal ?? ''} ${JSON.stringify(r.result)} ${r.stderr}`;
          expect(r.code, detail).toBe(0);
          if (!r.result?.ok) throw new Error(`migration failed in ${detail}`);
          expect(r.result.report.mode, detail).toBe('history');
          reports.push([...r.result.report.migrations]);
        }
        const applying = reports.filter((r) => r.length > 0);
        expect(applying, JSON.stringify(reports)).toEqual([names]);
        expect(reports.filter((r) => r.length === 0)).toHaveLength(PROCESSES - 1);

        const store = await lab.open(latest);
        const status = await store.migrations.status();
        expect(states(status)).toEqual(names.map((n) => [n, 'applied']));
        expect(status.pending).toEqual([]);
        expect(status.problems).toEqual([]);
        expect(await store.migrations.diff()).toEqual([]);
        const author = await store.repo(MigAuthor).insert({ name: 'Ada' });
        expect(await store.repo(MigAuthor).get(author.id)).toEqual(author);
      });
    },

  'a migration failing part-way is never recorded as applied, leaves the store usable, and completes once fixed':
    async (context) => {
      await withLab(context, async (lab) => {
        const v1 = await lab.create('v1', 'create_notes');
        const atV1 = await lab.open('v1');
        await atV1.migrate();
        const author = await atV1.repo(MigAuthor).insert({ name: 'Ada' });
        const note = await atV1.repo(MigNoteV1).insert({ author: author.id, title: 'Kept', rank: 1 });

        const v2 = await lab.create('v2', 'add_labels');
        const { step, createdTable, restore } = breakAfterFirstCreate(lab, v2);
        const store = await lab.open('v2');
        const error = await expectError(store.migrate(), MigrationError, 'MIGRATION_FAILED');
        expect(error.migration).toBe(v2);
        expect(error.step).toBe(step);
        expect(error.message).toContain(v2);
        expect(error.message).toMatch(new RegExp(`step\\D{0,3}${step}\\b`, 'i'));
        expect(error.cause, 'the driver error is the cause').toBeDefined();

        const status = await store.migrations.status();
        const entry = entryOf(status, v2);
        expect(entryOf(status, v1).state).toBe('applied');
        if (context.adapter.transactionalDdl) {
          // The whole migration was one transaction: nothing of it remains.
          expect(entry.state).toBe('pending');
          expect(await tableExists(store, createdTable)).toBe(false);
        } else {
          // The steps before the failing one stay, and the history says exactly how far it got.
          expect(entry).toMatchObject({ state: 'partial', direction: 'up', done: step - 1 });
          expect(entry.error).toContain('sy_mig_no_such_table');
          expect(await tableExists(store, createdTable)).toBe(true);
        }

        // The failure released whatever migrate() held: the same store reads and writes.
        const other = await store.repo(MigAuthor).insert({ name: 'Grace' });
        expect(await store.repo(MigAuthor).get(other.id)).toEqual(other);
        expect(await store.repo(MigAuthor).count()).toBe(2);
        expect(await atV1.repo(MigNoteV1).get(note.id)).toEqual(note);

        restore();
        // A restarted application reads the repaired file.
        const fixed = await lab.open('v2');
        expect(await fixed.migrate()).toEqual({ migrations: [v2], mode: 'history' });
        const after = await fixed.migrations.status();
        expect(states(after)).toEqual([
          [v1, 'applied'],
          [v2, 'applied'],
        ]);
        expect(after.problems).toEqual([]);
        expect(await fixed.migrations.diff()).toEqual([]);
        const label = await fixed.repo(MigLabelV2).insert({ note: note.id, name: 'done' });
        expect(await fixed.repo(MigLabelV2).get(label.id)).toEqual(label);
      });
    },

  'the history refuses to run when it disagrees with the files, with MigrationHistoryError and no change':
    async (context) => {
      // An applied migration's file is gone.
      await withLab(context, async (lab) => {
        const { store: atV2, v1, v2 } = await upToV2(lab);
        const author = await atV2.repo(MigAuthor).insert({ name: 'Ada' });
        lab.remove(v2);
        const store = await lab.open('v2');
        const before = await store.migrations.status();
        expect(states(before)).toEqual([
          [v1, 'applied'],
          [v2, 'missing'],
        ]);
        expect(before.pending).toEqual([]);
        expect(before.problems.join('\n')).toContain(v2);
        const error = await expectError(store.migrate(), MigrationHistoryError, 'MIGRATION_HISTORY');
        expect(error.message).toContain(v2);
        expect(await store.migrations.status()).toEqual(before);
        expect(await tableExists(store, 'sy_mig_label')).toBe(true);
        expect(await store.repo(MigAuthor).get(author.id)).toEqual(author);
      });

      // An applied migration's file was changed after it ran, and a later migration is pending.
      await withLab(context, async (lab) => {
        const v1 = await lab.create('v1', 'create_notes');
        await (await lab.open('v1')).migrate();
        const v2 = await lab.create('v2', 'add_labels');
        lab.editUp(v1, (up) => [...up, 'CREATE TABLE sy_mig_sneaky (id INTEGER PRIMARY KEY)']);
        const store = await lab.open('v2');
        const before = await store.migrations.status();
        expect(states(before)).toEqual([
          [v1, 'applied'],
          [v2, 'pending'],
        ]);
        expect(entryOf(before, v1).modified).toBe(true);
        expect(before.problems.join('\n')).toContain(v1);
        const error = await expectError(store.migrate(), MigrationHistoryError, 'MIGRATION_HISTORY');
        expect(error.message).toContain(v1);
        expect(await store.migrations.status()).toEqual(before);
        expect(await tableExists(store, 'sy_mig_label')).toBe(false);
        expect(await tableExists(store, 'sy_mig_sneaky')).toBe(false);
      });
    },

  'resolve() records a migration repaired by hand as rolled back or applied, and status follows': async (
    context,
  ) => {
    // An applied migration reverted by hand is marked rolled back; up then applies it again.
    await withLab(context, async (lab) => {
      const { store, v1, v2 } = await upToV2(lab);
      await runByHand(store, lab.steps(v2).down);
      expect(await tableExists(store, 'sy_mig_label')).toBe(false);
      await store.migrations.resolve(v2, 'rolled-back');
      const status = await store.migrations.status();
      expect(states(status)).toEqual([
        [v1, 'applied'],
        [v2, 'pending'],
      ]);
      expect(status.pending).toEqual([v2]);
      expect(await store.migrate()).toEqual({ migrations: [v2], mode: 'history' });
      expect(entryOf(await store.migrations.status(), v2).state).toBe('applied');
      expect(await store.migrations.diff()).toEqual([]);
    });

    // Without transactional DDL a failed migration stays partial: finished by hand, it is marked applied.
    if (context.adapter.transactionalDdl) return;
    await withLab(context, async (lab) => {
      const v1 = await lab.create('v1', 'create_notes');
      await (await lab.open('v1')).migrate();
      const v2 = await lab.create('v2', 'add_labels');
      const { step, broken } = breakAfterFirstCreate(lab, v2);
      const store = await lab.open('v2');
      await expectError(store.migrate(), MigrationError, 'MIGRATION_FAILED');
      expect(entryOf(await store.migrations.status(), v2).state).toBe('partial');
      await runByHand(store, broken.slice(step));
      await store.migrations.resolve(v2, 'applied');
      const status = await store.migrations.status();
      expect(states(status)).toEqual([
        [v1, 'applied'],
        [v2, 'applied'],
      ]);
      expect(status.problems).toEqual([]);
      expect(await store.migrate()).toEqual({ migrations: [], mode: 'history' });
      expect(await store.migrations.diff()).toEqual([]);
    });
  },

  'check passes when the history matches the definition and fails when the definition is ahead': async (
    context,
  ) => {
    await withLab(context, async (lab) => {
      const adapters = [context.adapter];
      await lab.create('v1', 'create_notes');
      expect(
        await checkMigrations({ schema: migrationSchemas.v1, directory: lab.directory, adapters }),
      ).toEqual({ ok: true, problems: [], migrations: 1, dialects: [lab.dialect] });
      const ahead = await checkMigrations({
        schema: migrationSchemas.v2,
        directory: lab.directory,
        adapters,
      });
      expect(ahead.ok).toBe(false);
      const problem = ahead.problems.find((p) => p.dialect === lab.dialect);
      expect(problem?.statements?.length ?? 0, JSON.stringify(ahead)).toBeGreaterThan(0);
      // Nothing to generate when the history already matches: no file is written.
      expect(
        await createMigration({
          schema: migrationSchemas.v1,
          directory: lab.directory,
          name: 'again',
          adapters,
        }),
      ).toMatchObject({ file: null, name: null });
    });
  },
});

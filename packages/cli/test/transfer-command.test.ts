import { openStore, type Store } from '@switchyard/core';
import { adapter as sqlite } from '@switchyard/sqlite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from './support/backends.ts';
import { lines, runCli } from './support/cli-process.ts';
import { fixtureFiles } from './support/fixture-schema.ts';
import { Project } from './support/project.ts';

const TASKS = 1234;

describeEachBackend('transfer from SQLite', (backend) => {
  let project: Project;
  let source: string;
  let target: string;
  let drop: () => Promise<void>;
  const cli = (...args: string[]) => runCli(args, { cwd: project.dir });

  /** The fixture's entities, as the project's own schema module exports them. */
  async function schema() {
    return (await import(project.path('schema.mjs'))) as typeof import('./support/fixture-schema.ts') & {
      Project: Parameters<Store['repo']>[0];
      Task: Parameters<Store['repo']>[0];
      schema: Parameters<typeof openStore>[0]['schema'];
    };
  }

  beforeAll(async () => {
    project = new Project(fixtureFiles());
    expect((await cli('migrate', 'create', 'init')).code).toBe(0);
    source = `sqlite:${project.path('source.sqlite')}`;
    const database = await backend.createDatabase('transfer');
    target = database.url;
    drop = database.drop;
    const { Project: ProjectEntity, Task, schema: entities } = await schema();
    const store = await openStore({
      url: source,
      schema: entities,
      adapter: sqlite,
      migrations: project.path('migrations'),
    });
    try {
      await store.migrate();
      const [owner] = await store.repo(ProjectEntity).insertMany([{ name: 'ops' }]);
      await store.repo(Task).insertMany(
        Array.from({ length: TASKS }, (_, i) => ({
          project: (owner as { id: string }).id,
          title: `task ${i} ✓`,
          done: i % 2 === 0,
        })),
      );
    } finally {
      await store.close();
    }
  });
  afterAll(async () => {
    await drop?.();
    project?.remove();
  });

  it('copies, verifies, prints plain progress lines on stderr and a summary table (exit 0)', async () => {
    const { code, stdout, stderr } = await cli(
      'transfer',
      '--from',
      source,
      '--to',
      target,
      '--batch-size',
      '500',
    );
    expect(stderr).toMatch(/^copy Task: 1,234\/1,234 rows \(.+ rows\/s\) done$/m);
    expect(stderr).toMatch(/^verify Task: 1,234\/1,234 rows/m);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^entity +rows +copied +MB +seconds +rows\/s +verified$/m);
    expect(stdout).toMatch(/^Project +1 +1 +[\d.]+ +[\d.]+ +[\d,–]+ +ok$/m);
    expect(stdout).toMatch(/^Task +1,234 +1,234 +[\d.]+ +[\d.]+ +[\d,]+ +ok$/m);
    expect(stdout).toMatch(/^total +1,235 +1,235 .+ ok$/m);
    // The search documents are copied from the source's index and verified like rows.
    expect(stdout).toMatch(/^Task search index +1,234 +1,234 .+ ok$/m);
    expect(stdout).not.toContain('rebuilt');
    expect(stdout).not.toContain('\u001b[');
  });

  it('refuses a target that already holds rows, in one line, unless --resume (exit 1)', async () => {
    const refused = await cli('transfer', '--from', source, '--to', target);
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)).toEqual([
      expect.stringMatching(
        /^switchyard: The target already holds rows: Project \(1 rows\), Task \(1234 rows\)\. Pass mode "truncate" \(--truncate\)/,
      ),
    ]);
    const resumed = await cli('transfer', '--from', source, '--to', target, '--resume', '--json');
    expect(resumed.code).toBe(0);
    const report = JSON.parse(resumed.stdout) as {
      ok: boolean;
      mode: string;
      totals: { copied: number; rows: number };
    };
    expect(report).toMatchObject({ ok: true, mode: 'resume', totals: { copied: 0, rows: TASKS + 1 } });
    expect(resumed.stderr).toBe('');
  });

  it('reports a row changed on the target with its key, and exits 1', async () => {
    const { Task, schema: entities } = await schema();
    const store = await openStore({ url: target, schema: entities });
    let key: string;
    try {
      key = ((await store.repo(Task).find({}, { limit: 1 })).items[0] as { id: string }).id;
      await store.orm.em
        .getConnection()
        .execute('UPDATE cli_task SET title = ? WHERE id = ?', ['tampered', key]);
    } finally {
      await store.close();
    }
    const { code, stdout } = await cli('transfer', '--from', source, '--to', target, '--resume');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^Task +1,234 +0 .+ MISMATCH$/m);
    expect(stdout).toContain(`  different: ${key}`);
    const truncated = await cli('transfer', '--from', source, '--to', target, '--truncate');
    expect(truncated.code).toBe(0);
  });

  it('rebuilds the search index from the rows where the source index misses documents', async () => {
    const { Task, schema: entities } = await schema();
    const store = await openStore({ url: source, schema: entities, adapter: sqlite });
    try {
      const key = ((await store.repo(Task).find({}, { limit: 1 })).items[0] as { id: string }).id;
      await store.orm.em.getConnection().execute('DELETE FROM cli_task__search WHERE sy_id = ?', [key]);
    } finally {
      await store.close();
    }
    const { code, stdout } = await cli('transfer', '--from', source, '--to', target, '--truncate');
    expect(code).toBe(0);
    expect(stdout).toContain("Search indexes rebuilt from the rows (the source's was incomplete): Task");
    expect(stdout).not.toMatch(/^Task search index/m);
  });
});

it('transfer refuses --truncate with --resume, and a missing --from, as usage errors (exit 2)', async () => {
  const project = new Project(fixtureFiles());
  try {
    const both = await runCli(
      ['transfer', '--from', 'sqlite:a.db', '--to', 'sqlite:b.db', '--truncate', '--resume'],
      {
        cwd: project.dir,
      },
    );
    expect(both.code).toBe(2);
    expect(lines(both.stderr)).toEqual([
      expect.stringMatching(/^switchyard: option '--truncate' cannot be used with option '--resume'/),
    ]);
    const missing = await runCli(['transfer', '--to', 'sqlite:b.db'], { cwd: project.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option '--from <url>' not specified/);
  } finally {
    project.remove();
  }
});

it('transfer never prints a password from either URL', async () => {
  const project = new Project(fixtureFiles());
  try {
    const result = await runCli(
      [
        'transfer',
        '--from',
        'postgres://app:s3cr3t-pw@127.0.0.1:1/app',
        '--to',
        'mariadb://app:0ther-pw@127.0.0.1:1/app',
      ],
      { cwd: project.dir },
    );
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).not.toMatch(/s3cr3t-pw|0ther-pw/);
  } finally {
    project.remove();
  }
});

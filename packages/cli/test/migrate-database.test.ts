import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from './support/backends.ts';
import { lines, runCli } from './support/cli-process.ts';
import { fixtureFiles, schemaModule } from './support/fixture-schema.ts';
import { Project } from './support/project.ts';

describeEachBackend('migrate up, status, down and resolve', (backend) => {
  let project: Project;
  let url: string;
  let drop: () => Promise<void>;
  let first: string;
  let second: string;
  // The URL comes from the environment here, as in a deployment.
  const cli = (...args: string[]) => runCli(args, { cwd: project.dir, env: { DATABASE_URL: url } });
  const status = async () => {
    const { code, stdout } = await cli('migrate', 'status', '--json');
    expect(code).toBe(0);
    return JSON.parse(stdout) as {
      backend: string;
      pending: string[];
      migrations: { name: string; state: string }[];
    };
  };

  beforeAll(async () => {
    const database = await backend.createDatabase('migrate');
    url = database.url;
    drop = database.drop;
    project = new Project(fixtureFiles());
    expect((await cli('migrate', 'create', 'init')).code).toBe(0);
    project.write('schema.mjs', schemaModule({ withPriority: true }));
    expect((await cli('migrate', 'create', 'add_priority')).code).toBe(0);
    [first, second] = project.migrations().map((f) => f.replace(/\.json$/, '')) as [string, string];
  });
  afterAll(async () => {
    await drop?.();
    project?.remove();
  });

  it('status on an empty database shows every migration pending in a table (exit 0)', async () => {
    const { code, stdout, stderr } = await cli('migrate', 'status');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`Migrations on ${backend.name}`);
    expect(stdout).toMatch(/^migration +state +when \(UTC\) +steps$/m);
    expect(stdout).toMatch(new RegExp(`^${first} +pending +\\d+$`, 'm'));
    expect(stdout).toContain('2 migrations pending: run switchyard migrate up.');
    expect(stdout).not.toContain('\u001b[');
  });

  it('up --to applies up to and including that migration', async () => {
    const { code, stdout } = await cli('migrate', 'up', '--to', first);
    expect(code).toBe(0);
    expect(lines(stdout)).toEqual([`Applied 1 migration on ${backend.name}:`, `  ✓ ${first}`]);
    expect((await status()).pending).toEqual([second]);
  });

  it('check --url fails while the database has a pending migration', async () => {
    const { code, stdout, stderr } = await cli('migrate', 'check', '--url', url);
    expect(code).toBe(1);
    expect(stdout).toContain('✓ in sync on sqlite, postgres, mariadb (2 migrations)');
    expect(stdout).toContain(`1 pending migration: ${second}`);
    // The pending migration also makes the database differ from the definition.
    expect(lines(stderr)).toEqual([
      `switchyard: the ${backend.name} database has 1 pending migration (switchyard migrate up) and differs from the schema definition`,
    ]);
  });

  it('up --json applies the rest and reports them as one document', async () => {
    const { code, stdout } = await cli('migrate', 'up', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      backend: backend.name,
      direction: 'up',
      migrations: [second],
      mode: 'history',
    });
  });

  it('up with nothing pending says so (exit 0)', async () => {
    const { code, stdout } = await cli('migrate', 'up');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`Nothing to apply: the ${backend.name} database is up to date.`);
  });

  it('status shows both applied with the time they were applied', async () => {
    const { code, stdout } = await cli('migrate', 'status');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(`^${second} +applied +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ +\\d+$`, 'm'),
    );
    expect(stdout).toContain('Up to date.');
    const json = await status();
    expect(json.backend).toBe(backend.name);
    expect(json.migrations.map((m) => [m.name, m.state])).toEqual([
      [first, 'applied'],
      [second, 'applied'],
    ]);
  });

  it('check --url passes when the database is up to date and matches the definition', async () => {
    const { code, stdout, stderr } = await cli('migrate', 'check', '--url', url, '--json');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({
      ok: true,
      database: { backend: backend.name, pending: [], diff: [], ok: true },
    });
  });

  it('down reverts only the latest migration', async () => {
    const { code, stdout } = await cli('migrate', 'down');
    expect(code).toBe(0);
    expect(lines(stdout)).toEqual([`Reverted 1 migration on ${backend.name}:`, `  ↩ ${second}`]);
    expect((await status()).pending).toEqual([second]);
  });

  it('resolve --applied records a migration as applied without running it, --rolled-back removes it', async () => {
    const applied = await cli('migrate', 'resolve', second, '--applied');
    expect(applied.code).toBe(0);
    expect(applied.stdout.trim()).toBe(`Recorded ${second} as applied on ${backend.name}.`);
    expect((await status()).pending).toEqual([]);
    const rolledBack = await cli('migrate', 'resolve', second, '--rolled-back', '--json');
    expect(rolledBack.code).toBe(0);
    expect(JSON.parse(rolledBack.stdout)).toEqual({
      backend: backend.name,
      name: second,
      outcome: 'rolled-back',
    });
    expect((await status()).pending).toEqual([second]);
  });

  it('down --all --json reverts every applied migration', async () => {
    await cli('migrate', 'up');
    const { code, stdout } = await cli('migrate', 'down', '--all', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ direction: 'down', migrations: [second, first] });
    expect((await status()).pending).toEqual([first, second]);
  });

  it('down with nothing applied says so (exit 0)', async () => {
    const { code, stdout } = await cli('migrate', 'down');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`Nothing to revert on the ${backend.name} database.`);
  });

  it('up --to an unknown migration exits 1 with one line and applies nothing', async () => {
    const { code, stdout, stderr } = await cli('migrate', 'up', '--to', 'nope');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(lines(stderr)).toEqual([expect.stringMatching(/^switchyard: .*"nope"/)]);
    expect((await status()).pending).toEqual([first, second]);
  });

  it('doctor reports every finding and the migration status; its exit status follows the report', async () => {
    const json = await cli('doctor', '--json');
    const report = JSON.parse(json.stdout);
    expect(report.backend).toBe(backend.name);
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.migrations.pending).toEqual([first, second]);
    expect(json.code).toBe(report.ok ? 0 : 1);
    const { stdout } = await cli('doctor');
    expect(stdout).toContain(`${backend.name} ${report.serverVersion}`);
    for (const finding of report.findings) expect(stdout).toContain(finding.check);
    expect(stdout).toContain('Migrations: 0 migrations applied, 0 partial, 2 pending');
  });
});

describeEachBackend('a migration that fails', (backend) => {
  let project: Project;
  let url: string;
  let drop: () => Promise<void>;
  let name: string;
  const cli = (...args: string[]) => runCli([...args, '--url', url], { cwd: project.dir });

  beforeAll(async () => {
    ({ url, drop } = await backend.createDatabase('failing'));
    project = new Project(fixtureFiles());
    expect((await runCli(['migrate', 'create', 'init'], { cwd: project.dir })).code).toBe(0);
    const [file] = project.migrations();
    name = (file as string).replace(/\.json$/, '');
    // A last step that cannot succeed, after steps that do.
    const path = project.path('migrations', file as string);
    const migration = JSON.parse(readFileSync(path, 'utf8'));
    migration.dialects[backend.name].up.push('ALTER TABLE cli_missing ADD COLUMN x INT');
    writeFileSync(path, JSON.stringify(migration, null, 2));
  });
  afterAll(async () => {
    await drop?.();
    project?.remove();
  });

  it('up exits 1 with one line naming the migration and the step', async () => {
    const { code, stdout, stderr } = await cli('migrate', 'up');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(lines(stderr)).toEqual([expect.stringMatching(new RegExp(`^switchyard: .*${name}.*step`))]);
  });

  it('status shows it pending where DDL is rolled back, else partial with the steps done and the error', async () => {
    const { code, stdout } = await cli('migrate', 'status', '--json');
    expect(code).toBe(0);
    const [entry] = JSON.parse(stdout).migrations;
    if (backend.transactionalDdl) {
      expect(entry).toMatchObject({ name, state: 'pending' });
      return;
    }
    expect(entry).toMatchObject({ name, state: 'partial', direction: 'up', done: entry.steps - 1 });
    expect(entry.error).toContain('cli_missing');
    const table = await cli('migrate', 'status');
    expect(table.stdout).toMatch(
      new RegExp(`^${name} +partial up +\\S+ \\S+ +${entry.done}/${entry.steps}$`, 'm'),
    );
    expect(table.stdout).toContain(`${name} stopped at step ${entry.steps}:`);
  });
});

import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachBackend } from './support/backends.ts';
import { lines, runCli } from './support/cli-process.ts';
import { Project, repoRoot } from './support/project.ts';

const demoDir = join(repoRoot, 'examples', 'demo');
/** The committed migration names of the demo, in order. */
const demoMigrations = () =>
  readdirSync(join(demoDir, 'migrations'))
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => name.replace(/\.json$/, ''));

describe('the demo migration history', () => {
  it('switchyard migrate check passes on the demo as committed', async () => {
    const { code, stdout, stderr } = await runCli(['migrate', 'check'], { cwd: demoDir });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^✓ in sync on sqlite, postgres, mariadb \(\d+ migrations?\)$/m);
  });
});

// The acceptance rule: `migrate check` passes on the committed history and fails as soon as the
// schema changes without a migration.
describe('a change to the demo schema without a migration', () => {
  let project: Project;
  const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
  const schemaFile = () => project.path('src', 'demo-schema.ts');

  beforeAll(() => {
    project = new Project();
    cpSync(join(demoDir, 'src', 'demo-schema.ts'), schemaFile());
    cpSync(join(demoDir, 'migrations'), project.path('migrations'), { recursive: true });
    cpSync(join(demoDir, 'switchyard.config.ts'), project.path('switchyard.config.ts'));
  });
  afterAll(() => project.remove());

  it('check passes on the copy of the demo and its history', async () => {
    const { code } = await cli('migrate', 'check');
    expect(code).toBe(0);
  });

  it('after a property is added, check exits 1 naming every dialect', async () => {
    const before = readFileSync(schemaFile(), 'utf8');
    const after = before.replace(
      'pinned: p.boolean(),',
      'pinned: p.boolean(),\n      archived: p.boolean().nullable(),',
    );
    expect(after).not.toBe(before);
    project.write('src/demo-schema.ts', after);
    const { code, stdout, stderr } = await cli('migrate', 'check');
    expect(code).toBe(1);
    for (const dialect of ['sqlite', 'postgres', 'mariadb']) expect(stdout).toContain(`✗ ${dialect}: `);
    expect(stdout).toContain('archived');
    expect(lines(stderr)).toEqual([expect.stringContaining('disagree on sqlite, postgres, mariadb')]);
  });

  it('a migration for the change makes check pass again', async () => {
    expect((await cli('migrate', 'create', 'archive_notes')).code).toBe(0);
    expect(project.migrations()).toHaveLength(demoMigrations().length + 1);
    expect((await cli('migrate', 'check')).code).toBe(0);
  });
});

describeEachBackend('switchyard migrate up for the demo', (backend) => {
  let url: string;
  let drop: () => Promise<void>;
  const cli = (...args: string[]) => runCli([...args, '--url', url], { cwd: demoDir });

  beforeAll(async () => {
    ({ url, drop } = await backend.createDatabase('demo'));
  });
  afterAll(async () => {
    await drop?.();
  });

  it('applies the whole history, after which the database matches the schema definition', async () => {
    const up = await cli('migrate', 'up');
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(lines(up.stdout)).toEqual([
      expect.stringMatching(new RegExp(`^Applied \\d+ migrations? on ${backend.name}:$`)),
      ...demoMigrations().map((name) => `  ✓ ${name}`),
    ]);
    const check = await cli('migrate', 'check');
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('is up to date and matches the schema definition');
  });
});

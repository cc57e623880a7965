import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, runCli } from './support/cli-process.ts';
import { fixtureFiles, schemaModule } from './support/fixture-schema.ts';
import { Project } from './support/project.ts';

const DIALECTS = ['sqlite', 'postgres', 'mariadb'];

// One project goes through the life of a schema: first migration, no change, a change without a
// migration (check fails), the migration for it (check passes again).
describe('migrate create and migrate check (no database)', () => {
  let project: Project;
  const cli = (...args: string[]) => runCli(args, { cwd: project.dir });

  beforeAll(() => {
    project = new Project(fixtureFiles());
  });
  afterAll(() => project.remove());

  it('check before any migration fails on every dialect, naming the statements a migration would hold', async () => {
    const { code, stdout, stderr } = await cli('migrate', 'check');
    expect(code).toBe(1);
    for (const dialect of DIALECTS) expect(stdout).toContain(`${dialect}: `);
    expect(stdout).toContain('cli_task');
    expect(lines(stderr)).toEqual([
      expect.stringMatching(
        /^switchyard: the schema definition and the migration history disagree on sqlite, postgres, mariadb/,
      ),
    ]);
  });

  it('create writes one file holding the steps of every dialect and says how many', async () => {
    const { code, stdout, stderr } = await cli('migrate', 'create', 'init');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const files = project.migrations();
    expect(files).toEqual([expect.stringMatching(/^\d{14}_init\.json$/)]);
    expect(stdout).toContain(`Created ${'migrations/'}${files[0]}`);
    for (const dialect of DIALECTS)
      expect(stdout).toMatch(new RegExp(`^\\s+${dialect}\\s+\\d+ steps?$`, 'm'));
    const file = JSON.parse(readFileSync(project.path('migrations', files[0] as string), 'utf8'));
    expect(Object.keys(file.dialects).sort()).toEqual([...DIALECTS].sort());
  });

  it('a second create without a schema change writes nothing and says "No changes" (exit 0)', async () => {
    const { code, stdout } = await cli('migrate', 'create', 'again');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^No changes: /);
    expect(project.migrations()).toHaveLength(1);
  });

  it('check passes with one line naming the dialects and the number of migrations', async () => {
    const { code, stdout, stderr } = await cli('migrate', 'check');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(lines(stdout)).toEqual(['✓ in sync on sqlite, postgres, mariadb (1 migration)']);
  });

  it('after a property is added to the schema, check exits 1 naming each dialect and the new column', async () => {
    project.write('schema.mjs', schemaModule({ withPriority: true }));
    const { code, stdout, stderr } = await cli('migrate', 'check');
    expect(code).toBe(1);
    for (const dialect of DIALECTS) expect(stdout).toContain(`✗ ${dialect}: `);
    expect(stdout).toContain('priority');
    expect(stderr).toContain('disagree on sqlite, postgres, mariadb');
  });

  it('--json of a failing check is one document with the problems per dialect', async () => {
    const { code, stdout } = await cli('migrate', 'check', '--json');
    expect(code).toBe(1);
    const result = JSON.parse(stdout);
    expect(result.ok).toBe(false);
    expect(result.migrations).toBe(1);
    expect(result.problems.map((p: { dialect: string }) => p.dialect)).toEqual(DIALECTS);
    for (const problem of result.problems) expect(problem.statements.join('\n')).toContain('priority');
  });

  it('create --json writes the second migration and reports it as one document', async () => {
    const { code, stdout } = await cli('migrate', 'create', 'add_priority', '--json');
    expect(code).toBe(0);
    const created = JSON.parse(stdout);
    expect(created.name).toMatch(/_add_priority$/);
    expect(created.file).toBe(project.path('migrations', `${created.name}.json`));
    expect(Object.keys(created.steps)).toEqual(DIALECTS);
    expect(project.migrations()).toHaveLength(2);
  });

  it('check --json passes again once the migration exists', async () => {
    const { code, stdout } = await cli('migrate', 'check', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, problems: [], migrations: 2, dialects: DIALECTS });
  });

  it('create --json without a change reports a null file', async () => {
    const { code, stdout } = await cli('migrate', 'create', 'nothing', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ file: null, name: null });
  });
});

describe('configuration', () => {
  it('--config points at a file elsewhere; its migrations path is relative to that file', async () => {
    const project = new Project({
      'app/schema.mjs': schemaModule(),
      'app/switchyard.config.mjs': fixtureFiles()['switchyard.config.mjs'] as string,
    });
    try {
      const { code } = await runCli(['--config', 'app/switchyard.config.mjs', 'migrate', 'create', 'init'], {
        cwd: project.dir,
      });
      expect(code).toBe(0);
      expect(project.migrations('app/migrations')).toHaveLength(1);
      expect(project.migrations()).toHaveLength(0);
    } finally {
      project.remove();
    }
  });

  it('a switchyard.config.ts is loaded by Node itself (type stripping)', async () => {
    const project = new Project({
      'schema.ts': schemaModule(),
      'switchyard.config.ts': `import { defineConfig, type SwitchyardConfig } from '@switchyard/cli';
import { schema } from './schema.ts';

const config: SwitchyardConfig = defineConfig({ schema, migrations: './db/migrations' });
export default config;
`,
    });
    try {
      const { code, stderr } = await runCli(['migrate', 'create', 'init'], { cwd: project.dir });
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(project.migrations('db/migrations')).toHaveLength(1);
    } finally {
      project.remove();
    }
  });

  it('a switchyard.config.ts on a Node that cannot strip types exits 2 saying which Node can', async () => {
    const project = new Project({
      'schema.mjs': schemaModule(),
      'switchyard.config.ts': fixtureFiles()['switchyard.config.mjs'] as string,
    });
    try {
      const { code, stderr } = await runCli(['migrate', 'check'], {
        cwd: project.dir,
        env: { NODE_OPTIONS: '--no-experimental-strip-types' },
      });
      expect(code).toBe(2);
      expect(lines(stderr)).toEqual([
        expect.stringMatching(
          /^switchyard: cannot load switchyard\.config\.ts: Node\.js v[\d.]+ does not run TypeScript by itself \(Node 22\.18 or newer strips types natively\); upgrade Node, or write the configuration as switchyard\.config\.mjs$/,
        ),
      ]);
    } finally {
      project.remove();
    }
  });

  it('a configuration without a schema exits 2 with one line naming the file', async () => {
    const project = new Project({ 'switchyard.config.mjs': 'export default { migrations: "./m" };\n' });
    try {
      const { code, stderr } = await runCli(['migrate', 'check'], { cwd: project.dir });
      expect(code).toBe(2);
      expect(lines(stderr)).toEqual([
        'switchyard: switchyard.config.mjs: schema must be a non-empty list of entities (defineEntity)',
      ]);
    } finally {
      project.remove();
    }
  });

  it('a configuration that throws while loading exits 2 with one line', async () => {
    const project = new Project({ 'switchyard.config.mjs': 'throw new Error("boom");\n' });
    try {
      const { code, stderr } = await runCli(['migrate', 'check'], { cwd: project.dir });
      expect(code).toBe(2);
      expect(lines(stderr)).toEqual(['switchyard: cannot load switchyard.config.mjs: boom']);
    } finally {
      project.remove();
    }
  });
});

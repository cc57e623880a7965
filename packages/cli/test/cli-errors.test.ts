import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, runCli } from './support/cli-process.ts';
import { fixtureFiles } from './support/fixture-schema.ts';
import { Project } from './support/project.ts';

// Every failure is one line on stderr, `switchyard: <message>`, and the exit status says whose
// fault it was: 2 for usage and configuration, 1 for everything else.
describe('errors', () => {
  let project: Project;
  const cli = (...args: string[]) => runCli(args, { cwd: project.dir });

  beforeAll(async () => {
    project = new Project(fixtureFiles());
    expect((await cli('migrate', 'create', 'init')).code).toBe(0);
  });
  afterAll(() => project.remove());

  it('a command that needs a database and has none exits 2 saying how to give one', async () => {
    const { code, stderr } = await cli('migrate', 'up');
    expect(code).toBe(2);
    expect(lines(stderr)).toEqual([
      'switchyard: no database: pass --url or set DATABASE_URL (or url in the configuration)',
    ]);
  });

  it('an unknown URL scheme exits 2 with one line', async () => {
    const { code, stdout, stderr } = await cli('migrate', 'status', '--url', 'nope://x');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(lines(stderr)).toEqual([
      expect.stringMatching(/^switchyard: Unknown database URL scheme "nope:"/),
    ]);
  });

  it('a URL that is not a URL exits 2 with one line', async () => {
    const { code, stderr } = await cli('migrate', 'up', '--url', 'not a url');
    expect(code).toBe(2);
    expect(lines(stderr)).toHaveLength(1);
  });

  it('an unreachable server exits 1 with one line that never shows the password', async () => {
    const { code, stdout, stderr } = await cli('migrate', 'up', '--url', 'postgres://u:secret@127.0.0.1:1/x');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(lines(stderr)).toEqual([expect.stringMatching(/^switchyard: /)]);
    expect(stderr).not.toContain('secret');
  });

  it('--verbose adds the stack and the cause chain, still without the password', async () => {
    const { code, stderr } = await cli('doctor', '--url', 'mariadb://u:secret@127.0.0.1:1/x', '--verbose');
    expect(code).toBe(1);
    expect(lines(stderr).length).toBeGreaterThan(1);
    expect(stderr).toMatch(/\n\s*at /);
    expect(stderr).not.toContain('secret');
  });

  it('--json failures put one JSON document on stdout and the line on stderr', async () => {
    const { code, stdout, stderr } = await cli(
      'migrate',
      'status',
      '--json',
      '--url',
      'postgres://u:secret@127.0.0.1:1/x',
    );
    expect(code).toBe(1);
    const document = JSON.parse(stdout);
    expect(document).toMatchObject({ ok: false, error: { code: 'CONNECTION' } });
    expect(stdout + stderr).not.toContain('secret');
    expect(lines(stderr)).toHaveLength(1);
  });

  it('a database command before the first migration exists exits 2 saying how to create it', async () => {
    const empty = new Project(fixtureFiles());
    try {
      const { code, stderr } = await runCli(['migrate', 'status', '--url', 'sqlite::memory:'], {
        cwd: empty.dir,
      });
      expect(code).toBe(2);
      expect(lines(stderr)).toEqual([
        'switchyard: no migrations directory migrations: create the first migration with switchyard migrate create <name>',
      ]);
    } finally {
      empty.remove();
    }
  });
});

describe('doctor on SQLite', () => {
  let project: Project;
  beforeAll(() => {
    project = new Project(fixtureFiles());
  });
  afterAll(() => project.remove());

  it('exits 0 and lists the journal mode, even before any migration exists', async () => {
    const url = `sqlite:${project.path('app.sqlite')}`;
    const { code, stdout, stderr } = await runCli(['doctor', '--url', url], { cwd: project.dir });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^sqlite \d+\.\d+/);
    expect(stdout).toMatch(/ok\s+journal mode/);
    expect(stdout).toContain('Migrations: no migration history yet');
  });

  it('colours only when asked to: FORCE_COLOR=1 adds escape codes, a pipe gets none', async () => {
    const url = `sqlite:${project.path('app.sqlite')}`;
    const plain = await runCli(['doctor', '--url', url], { cwd: project.dir });
    expect(plain.stdout).not.toContain('\u001b[');
    const forced = await runCli(['doctor', '--url', url], { cwd: project.dir, env: { FORCE_COLOR: '1' } });
    expect(forced.stdout).toContain('\u001b[');
  });
});

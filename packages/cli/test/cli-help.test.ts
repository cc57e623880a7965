import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { lines, runCli } from './support/cli-process.ts';
import { Project } from './support/project.ts';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
  bin: { switchyard: string };
};
const project = new Project();
afterAll(() => project.remove());
const cli = (...args: string[]) => runCli(args, { cwd: project.dir });

// Each command's help must name the options the command really takes.
const commands: Record<string, readonly string[]> = {
  'migrate create': ['<name>', '--json'],
  'migrate up': ['--to <name>', '--url <url>', '--json'],
  'migrate down': ['--to <name>', '--all', '--url <url>', '--json'],
  'migrate status': ['--url <url>', '--json'],
  'migrate resolve': ['<name>', '--applied', '--rolled-back', '--url <url>', '--json'],
  'migrate check': ['--url <url>', '--json'],
  doctor: ['--url <url>', '--json'],
  transfer: [
    '--from <url>',
    '--to <url>',
    '--truncate',
    '--resume',
    '--no-verify',
    '--batch-size <rows>',
    '--json',
  ],
};

describe('switchyard --help', () => {
  it('lists the commands, the global options, the configuration, examples and the exit codes', async () => {
    const { code, stdout, stderr } = await cli('--help');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const text of [
      'migrate',
      'doctor',
      'transfer',
      '--config <path>',
      '--verbose',
      '--version',
      '--help',
    ]) {
      expect(stdout).toContain(text);
    }
    expect(stdout).toContain('defineConfig');
    expect(stdout).toContain('Examples:');
    expect(stdout).toMatch(/Exit codes:\s+0 +success\s+1 .+\s+2 +usage or configuration error/);
  });

  it('"migrate --help" lists every migrate command', async () => {
    const { code, stdout } = await cli('migrate', '--help');
    expect(code).toBe(0);
    for (const name of ['create', 'up', 'down', 'status', 'resolve', 'check']) {
      expect(stdout).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
    }
  });

  for (const [command, options] of Object.entries(commands)) {
    it(`"${command} --help" describes the command, lists its options and the global ones, and gives examples`, async () => {
      const { code, stdout } = await cli(...command.split(' '), '--help');
      expect(code).toBe(0);
      expect(stdout).toContain(`Usage: switchyard ${command}`);
      for (const option of options) expect(stdout).toContain(option);
      expect(stdout).toContain('Global Options:');
      expect(stdout).toContain('--config <path>');
      expect(stdout).toContain(`$ switchyard ${command}`);
      expect(stdout).toContain('Exit codes:');
    });
  }

  it('--version prints the package version', async () => {
    const { code, stdout } = await cli('--version');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(manifest.version);
  });

  it("the package's switchyard command is an executable script that runs the CLI", async () => {
    const command = fileURLToPath(new URL(`../${manifest.bin.switchyard}`, import.meta.url));
    const { stdout } = await promisify(execFile)(command, ['--version'], { cwd: project.dir });
    expect(stdout.trim()).toBe(manifest.version);
  });
});

describe('usage errors', () => {
  it('an unknown option exits 2 with one line on stderr', async () => {
    const { code, stdout, stderr } = await cli('migrate', 'up', '--bogus');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(lines(stderr)).toEqual([expect.stringMatching(/^switchyard: unknown option '--bogus'/)]);
  });

  it('an unknown command exits 2 with one line', async () => {
    const { code, stderr } = await cli('migrate', 'sideways');
    expect(code).toBe(2);
    expect(lines(stderr)).toEqual([expect.stringMatching(/^switchyard: unknown command 'sideways'/)]);
  });

  it('--to and --all together are refused with exit 2', async () => {
    const { code, stderr } = await cli('migrate', 'down', '--to', 'x', '--all');
    expect(code).toBe(2);
    expect(lines(stderr)).toHaveLength(1);
  });

  it('resolve needs --applied or --rolled-back (exit 2)', async () => {
    const { code, stderr } = await cli('migrate', 'resolve', 'x');
    expect(code).toBe(2);
    expect(lines(stderr)).toEqual(['switchyard: pass --applied or --rolled-back']);
  });

  it('a migration name with spaces or dots is refused before anything is read (exit 2)', async () => {
    const { code, stderr } = await cli('migrate', 'create', 'add tags.v2');
    expect(code).toBe(2);
    expect(lines(stderr)).toHaveLength(1);
    expect(stderr).toContain('letters, digits');
  });

  it('a command without a configuration file exits 2 saying where it looked', async () => {
    const { code, stderr } = await cli('migrate', 'check');
    expect(code).toBe(2);
    expect(lines(stderr)).toEqual([
      `switchyard: no switchyard.config.ts (.mts, .js, .mjs) in ${project.dir}: create one (see switchyard --help) or pass --config <path>`,
    ]);
  });

  it('--config naming a missing file exits 2', async () => {
    const { code, stderr } = await cli('--config', 'nope.config.mjs', 'migrate', 'check');
    expect(code).toBe(2);
    expect(lines(stderr)).toEqual(['switchyard: configuration file nope.config.mjs not found']);
  });
});

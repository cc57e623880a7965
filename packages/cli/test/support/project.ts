import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cliDir = fileURLToPath(new URL('../..', import.meta.url));
export const repoRoot = join(cliDir, '..', '..');

/** A throwaway application folder: its files, and `@switchyard/core` and `@switchyard/cli` installed. */
export class Project {
  readonly dir: string;

  constructor(files: Readonly<Record<string, string>> = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
    // Links to the workspace packages stand in for `npm install`: the configuration imports
    // @switchyard/core (defineEntity) and @switchyard/cli (defineConfig) as an application would.
    const scope = join(this.dir, 'node_modules', '@switchyard');
    mkdirSync(scope, { recursive: true });
    symlinkSync(
      realpathSync(join(cliDir, 'node_modules', '@switchyard', 'core')),
      join(scope, 'core'),
      'dir',
    );
    symlinkSync(realpathSync(cliDir), join(scope, 'cli'), 'dir');
    for (const [path, content] of Object.entries(files)) this.write(path, content);
  }

  write(path: string, content: string): void {
    const file = join(this.dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /** The migration files written so far, in name order. */
  migrations(directory = 'migrations'): string[] {
    try {
      return readdirSync(this.path(directory))
        .filter((name) => name.endsWith('.json'))
        .sort();
    } catch {
      return [];
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

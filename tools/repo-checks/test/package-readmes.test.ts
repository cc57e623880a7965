import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, workspacePackages } from '../src/workspace.ts';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What is wrong with a published package's README, or an empty list. */
function readmeProblems(dir: string, name: string): string[] {
  const file = join(dir, 'README.md');
  const where = relative(repoRoot, file);
  if (!existsSync(file)) return [`${where} is missing`];
  const text = readFileSync(file, 'utf8');
  const problems: string[] = [];
  const install = new RegExp(
    `\\b(npm (install|i)|pnpm add|yarn add)\\s[^\\n]*${escapeRegExp(name)}(?![\\w/-])`,
  );
  if (!install.test(text)) problems.push(`${where} shows no install command for ${name}`);
  if (!/^```(ts|typescript|js|javascript)\s*$[\s\S]*?^```/m.test(text)) {
    problems.push(`${where} has no TypeScript/JavaScript code block (the smallest working example)`);
  }
  return problems;
}

describe('package READMEs', () => {
  it('every published workspace package has a README.md with its install command and a code example', () => {
    const published = workspacePackages().filter(({ manifest }) => !manifest.private);
    const problems = published.flatMap(({ dir, manifest }) =>
      readmeProblems(dir, manifest.name ?? relative(repoRoot, dir)),
    );
    expect(problems).toEqual([]);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatProblem, lintWorkflow } from '../src/actionlint.ts';
import { repoRoot } from '../src/workspace.ts';

const workflowsDir = join(repoRoot, '.github', 'workflows');
const workflowFiles = readdirSync(workflowsDir).filter((name) => /\.ya?ml$/.test(name));

describe('GitHub Actions workflows', () => {
  it('the CI and release workflows exist', () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(['ci.yml', 'release.yml']));
  });

  it.each(workflowFiles)('every workflow passes actionlint: %s', async (name) => {
    const path = `.github/workflows/${name}`;
    const problems = await lintWorkflow(readFileSync(join(workflowsDir, name), 'utf8'), path);
    expect(problems.map((problem) => formatProblem(path, problem))).toEqual([]);
  });

  it('actionlint reports the errors of a broken workflow (so the check above can fail)', async () => {
    const broken = [
      'on: push',
      'jobs:',
      '  test:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not JS.
      '      - run: echo ${{ github.no_such_property }}',
      '      - uses: actions/checkout@v4',
      '        run: echo a step cannot both use an action and run a command',
      '',
    ].join('\n');
    const problems = await lintWorkflow(broken, 'broken.yml');
    expect(problems.map((problem) => problem.kind)).toEqual(expect.arrayContaining(['expression']));
    expect(problems.length).toBeGreaterThanOrEqual(2);
  });

  it('actionlint reports a workflow that is not valid YAML', async () => {
    const problems = await lintWorkflow('on: push\njobs: [\n', 'not-yaml.yml');
    expect(problems.map((problem) => problem.kind)).toContain('yaml-syntax');
  });

  it('release publishes only after CI succeeded on a push to main, from the commit CI tested', () => {
    const ci = parse(readFileSync(join(workflowsDir, 'ci.yml'), 'utf8')) as { name: string };
    const release = parse(readFileSync(join(workflowsDir, 'release.yml'), 'utf8')) as {
      on: Record<string, { workflows?: string[]; types?: string[]; branches?: string[] } | null>;
      jobs: Record<string, { if?: string; steps: { uses?: string; with?: Record<string, string> }[] }>;
    };
    // Triggered by the CI workflow's completion on main, and by nothing else.
    expect(Object.keys(release.on)).toEqual(['workflow_run']);
    expect(release.on.workflow_run).toEqual({
      workflows: [ci.name],
      types: ['completed'],
      branches: ['main'],
    });
    for (const [name, job] of Object.entries(release.jobs)) {
      expect(job.if, name).toContain("github.event.workflow_run.conclusion == 'success'");
      const checkout = job.steps.find((step) => step.uses?.startsWith('actions/checkout@'));
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not JS.
      expect(checkout?.with?.ref, name).toBe('${{ github.event.workflow_run.head_sha }}');
    }
  });
});

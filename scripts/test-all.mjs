// The whole test pipeline, run as `pnpm run test:all` (which `npm test` and .ci/run reach through
// scripts/toolchain.mjs): build, typecheck, lint and format check (one turbo run), then every
// package's tests, then `switchyard migrate check` on the demo, then the fault suite (alone: it
// restarts the database servers).
//
// Each package's vitest writes .reports/vitest.json (see vitest.shared.ts). At the end the reports
// are added up and the last line printed is `N passed, N failed, N skipped`. A failed build,
// typecheck and lint step, a package whose tests left no report, or a run that failed outside any
// test each count as one failed test, so the totals never look green when something was red.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workspacePackageDirs } from './workspace-packages.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const reportPath = join('.reports', 'vitest.json');
const faultsReportPath = join('.reports', 'vitest-faults.json');
const env = { ...process.env, PATH: [join(root, 'node_modules', '.bin'), process.env.PATH].join(delimiter) };

function say(message) {
  process.stdout.write(`test-all: ${message}\n`);
}

/** Runs one step with inherited output; true when it exited 0. */
function runStep(title, command, args) {
  say(`${title} (${command} ${args.join(' ')})`);
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
  if (result.error) say(`could not start ${command}: ${result.error.message}`);
  return result.status === 0;
}

/** The parsed vitest JSON report of a package, undefined when absent, null when unreadable. */
function readReport(dir, path = reportPath) {
  const file = join(dir, path);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

const packages = workspacePackageDirs(root).map((dir) => {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return { dir, name: manifest.name ?? relative(root, dir), hasTests: Boolean(manifest.scripts?.test) };
});

// A report left over from an earlier run (test or parity) must not stand in for a run that did not happen.
for (const { dir } of packages) rmSync(join(dir, '.reports'), { recursive: true, force: true });

/** Failures that are not individual tests; each counts as one failed test. */
const failures = [];
// One turbo run: the root `lint` task (biome check, lint and format) is the turbo task `//#lint`.
if (
  !runStep('build, typecheck, lint and format check', 'turbo', [
    'run',
    'build',
    'typecheck',
    'lint',
    // Every task that can run does, so one run reports every build, type and lint error.
    '--continue',
    '--output-logs=errors-only',
  ])
) {
  failures.push('build/typecheck/lint');
}
// --continue: one package's failing tests must not stop the other packages' tests from running.
const testsPassed = runStep('tests', 'turbo', [
  'run',
  'test',
  '--concurrency=2',
  '--continue=dependencies-successful',
]);

const totals = { passed: 0, failed: 0, skipped: 0 };
const failuresBeforeTests = failures.length;
const rows = [];
/** Adds one vitest JSON report to the totals; a missing or failed run counts as one failure. */
function addReport(name, report) {
  if (!report) {
    const problem = report === null ? 'unreadable test report' : 'no test report (tests did not run)';
    failures.push(`${name}: ${problem}`);
    rows.push([name, problem]);
    return;
  }
  const passed = report.numPassedTests;
  const failed = report.numFailedTests;
  const skipped = report.numPendingTests + report.numTodoTests;
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  // No test failed, yet the run did: no test file found, a file that failed to load, an unhandled error.
  if (!report.success && failed === 0) {
    const why = report.testResults.length === 0 ? 'no test file ran' : 'test run failed outside any test';
    failures.push(`${name}: ${why}`);
  }
  rows.push([name, `passed ${passed}  failed ${failed}  skipped ${skipped}`]);
}
for (const pkg of packages.filter((candidate) => candidate.hasTests))
  addReport(pkg.name, readReport(pkg.dir));
if (!testsPassed && totals.failed === 0 && failures.length === failuresBeforeTests) {
  failures.push('turbo run test');
}

// The demo's committed migration history must match its schema definition on every dialect, checked
// offline by the demo's own script as a user would run it; it counts as one test.
if (runStep('demo migration history', 'pnpm', ['--filter', '@switchyard/demo', 'run', 'migrate:check'])) {
  totals.passed += 1;
  rows.push(['demo: switchyard migrate check', 'passed 1']);
} else {
  failures.push('demo: switchyard migrate check (schema changed without a migration?)');
  rows.push(['demo: switchyard migrate check', 'failed 1']);
}

// The same conformance test must have the same outcome on every backend that ran it.
if (!runStep('parity across backends', 'node', [join('scripts', 'parity-table.mjs')])) {
  failures.push('parity');
}

// Last, alone: the fault suite restarts the local PostgreSQL and MariaDB servers (or skips, saying
// why, where it cannot), so nothing else may be using them. Its report counts like a package's.
const cli = packages.find((pkg) => pkg.name === '@switchyard/cli');
if (cli) {
  const faultsPassed = runStep('fault suite (restarts the database servers)', 'pnpm', [
    '--filter',
    '@switchyard/cli',
    'run',
    'test:faults',
  ]);
  const faultFailuresBefore = failures.length;
  const faultTestsFailedBefore = totals.failed;
  addReport('@switchyard/cli: fault suite', readReport(cli.dir, faultsReportPath));
  if (!faultsPassed && totals.failed === faultTestsFailedBefore && failures.length === faultFailuresBefore) {
    failures.push('fault suite');
  }
}

say('results per package');
const width = Math.max(0, ...rows.map(([name]) => name.length));
for (const [name, result] of rows) process.stdout.write(`  ${name.padEnd(width)}  ${result}\n`);
for (const failure of failures) say(`failed: ${failure}`);
const noTestRan = totals.passed + totals.failed === 0;
if (noTestRan) say('no test ran');

process.stdout.write(
  `${totals.passed} passed, ${totals.failed + failures.length} failed, ${totals.skipped} skipped\n`,
);
process.exitCode = failures.length > 0 || totals.failed > 0 || noTestRan ? 1 : 0;

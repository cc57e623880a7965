import { defineSwitchyardVitestConfig } from '../../vitest.shared.ts';

// The fault suite (`pnpm run test:faults`): restarts the local PostgreSQL and MariaDB servers, so
// it runs on its own, after the other tests, and writes its own report (read by test-all.mjs).
const config = defineSwitchyardVitestConfig({
  test: {
    outputFile: { json: '.reports/vitest-faults.json' },
    // One file, one server restarted at a time.
    fileParallelism: false,
  },
});
// Replaces (rather than adds to) the shared `test/**` pattern.
if (config.test) config.test.include = ['test-faults/**/*.test.ts'];

export default config;

// The vitest settings every workspace package shares. A package's vitest.config.ts is:
//
//   import { defineSwitchyardVitestConfig } from '../../vitest.shared.ts';
//   export default defineSwitchyardVitestConfig();
//
// scripts/test-all.mjs relies on the JSON report each package writes to .reports/vitest.json
// (relative to the package folder) to add up the results of the whole workspace.
import { defineConfig, mergeConfig, type ViteUserConfig } from 'vitest/config';

const shared = defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.reports/vitest.json' },
    // Database tests talk to real servers (and in CI may start containers in hooks).
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Child processes rather than worker threads: native driver handles (better-sqlite3) and
    // process-wide state cannot leak between test files, and a crash stays in its own file.
    pool: 'forks',
  },
});

/**
 * The shared configuration with a package's own settings merged in. Objects merge deeply and
 * arrays are concatenated, so `overrides.test.include` adds patterns rather than replacing them.
 */
export function defineSwitchyardVitestConfig(overrides: ViteUserConfig = {}): ViteUserConfig {
  return mergeConfig(shared, overrides);
}

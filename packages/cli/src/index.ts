/**
 * @switchyard/cli — the `switchyard` command. What a configuration file imports from it.
 */
export { defineConfig, type SwitchyardConfig } from './define-config.ts';

import type { AnyEntitySchema } from '@switchyard/core';

/** The default export of `switchyard.config.ts` (or `.mts`, `.js`, `.mjs`). */
export interface SwitchyardConfig {
  /** Every entity of the application, as given to `openStore({ schema })`. */
  readonly schema: readonly AnyEntitySchema[];
  /** The migrations directory, relative to the configuration file's folder. Default `./migrations`. */
  readonly migrations?: string;
  /**
   * The database of the commands that need one, when neither `--url` nor `DATABASE_URL` is given.
   * Leave it out for anything with a password: configuration files get committed.
   */
  readonly url?: string;
}

/** Types the configuration; returns it unchanged. */
export function defineConfig(config: SwitchyardConfig): SwitchyardConfig {
  return config;
}

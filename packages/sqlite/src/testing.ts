import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendProvider } from '@switchyard/conformance';

/** Conformance provider: every suite gets its own database file in a temporary folder. */
export const sqliteProvider: BackendProvider = {
  backend: 'sqlite',
  async check() {},
  async createDatabase(_serverUrl, name) {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-'));
    return {
      url: `sqlite:${join(dir, `${name}.sqlite`)}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { defineEntity, openStore, p, searchable } from '@switchyard/core';
import { afterAll, expect, test } from 'vitest';
import { adapter } from '../src/index.ts';

const Doc = searchable(
  defineEntity({
    name: 'Doc',
    tableName: 'fair_doc',
    properties: { id: p.uuid().primary(), title: p.string().length(200), body: p.text() },
  }),
  { fields: { title: 2, body: 1 } },
);

const WORDS = ['write', 'lock', 'replica', 'straße', 'café', 'sqlite', 'batch', 'index', 'phrase', 'token'];

function* documents(count: number) {
  for (let i = 0; i < count; i++) {
    const word = (k: number) => WORDS[(i * 7 + k * 3) % WORDS.length] as string;
    yield {
      title: `Document ${i} ${word(1)} ${word(2)}`,
      body: Array.from({ length: 40 }, (_, k) => word(k)).join(' '),
    };
  }
}

const dir = mkdtempSync(join(tmpdir(), 'switchyard-fair-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The bulk-load promise of the search issue: SQLite lets one writer at a time into the whole
 * database, and a 100,000-document load commits batch by batch, so another process's single-row
 * write waits at most about one batch — never more than a second.
 */
test('while 100,000 documents bulk-load, another process never waits more than 1 s to write', async () => {
  const file = join(dir, 'fair.sqlite');
  const store = await openStore({ url: `sqlite:${file}`, schema: [Doc], adapter });
  await store.migrate();

  const script = fileURLToPath(new URL('./fixtures/ping-writer.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const messages: Record<string, unknown>[] = [];
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const pending = messages.shift();
      if (pending) return resolve(pending);
      lines.once('line', (line) => resolve(JSON.parse(line) as Record<string, unknown>));
      child.once('exit', (code) => reject(new Error(`the writer process exited with ${code}`)));
    });
  expect(await next()).toEqual({ ready: true });

  const started = performance.now();
  const loaded = await store.repo(Doc).bulkInsert(documents(100_000));
  const seconds = (performance.now() - started) / 1000;
  child.stdin.write('stop\n');
  const result = (await next()) as { writes: number; maxMs: number; p99Ms: number };
  await store.close();

  console.info(
    `bulk load: ${loaded} documents in ${seconds.toFixed(1)} s; other process: ${result.writes} writes, ` +
      `worst wait ${result.maxMs.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms`,
  );
  expect(loaded).toBe(100_000);
  // The other process kept writing throughout the load, not only before or after it.
  expect(result.writes).toBeGreaterThan(seconds * 20);
  expect(result.maxMs).toBeLessThan(1000);
}, 300_000);

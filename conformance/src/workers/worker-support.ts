/**
 * What every child process of the multi-process tests shares: how it finds the adapter, how it
 * talks to the parent (one JSON object per stdout line), and the "go" signal that makes every
 * process start its work at the same moment.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type { Store } from '@switchyard/core';
import type { Adapter } from '@switchyard/core/adapter';

/** Environment of a worker: the database URL and the adapter package. */
export interface WorkerEnvironment {
  readonly url: string;
  readonly adapterModule: string;
}

export function workerEnvironment(): WorkerEnvironment {
  const url = process.env.SWITCHYARD_WORKER_URL;
  const adapterModule = process.env.SWITCHYARD_WORKER_ADAPTER;
  if (!url || !adapterModule)
    throw new Error('SWITCHYARD_WORKER_URL and SWITCHYARD_WORKER_ADAPTER are required');
  return { url, adapterModule };
}

/** A failure as the parent can assert on it. */
export interface WorkerError {
  readonly name: string;
  readonly code?: string;
  readonly message: string;
}

export function describeError(error: unknown): WorkerError {
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, code: (e as { code?: string }).code, message: e.message };
}

export function say(message: object): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/**
 * Imports the adapter package the way the application would: resolved from the working directory
 * (the adapter's own folder), because the conformance package does not depend on any adapter.
 */
export async function loadAdapter(moduleName: string): Promise<Adapter> {
  const resolved = createRequire(join(process.cwd(), 'package.json')).resolve(moduleName);
  const mod = (await import(pathToFileURL(resolved).href)) as { adapter?: Adapter };
  if (!mod.adapter) throw new Error(`${moduleName} does not export "adapter"`);
  return mod.adapter;
}

/** Resolves on a "go" line, or when the parent closes stdin (so an orphan never hangs). */
export function waitForGo(): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() === 'go') {
        lines.close();
        resolve();
      }
    });
    lines.on('close', () => resolve());
    lines.on('error', reject);
  });
}

/** What a worker is given to open its store: the database, the adapter and its JSON input (argv[2]). */
export interface WorkerSetup<Input> {
  readonly url: string;
  readonly adapter: Adapter;
  readonly input: Input;
}

/**
 * The life of a worker: open a store, say "ready", wait for "go", do the work, say the result (or
 * the error, with exit code 1), close the store.
 */
export async function runWorker<Input extends { readonly worker: number }>(
  open: (setup: WorkerSetup<Input>) => Promise<Store>,
  work: (store: Store, input: Input) => Promise<object>,
): Promise<void> {
  const { url, adapterModule } = workerEnvironment();
  const input = JSON.parse(process.argv[2] ?? '{}') as Input;
  let store: Store | undefined;
  try {
    store = await open({ url, adapter: await loadAdapter(adapterModule), input });
    say({ type: 'ready', worker: input.worker });
    await waitForGo();
    say({ type: 'result', worker: input.worker, ok: true, ...(await work(store, input)) });
  } catch (error) {
    say({ type: 'result', worker: input.worker, ok: false, error: describeError(error) });
    process.exitCode = 1;
  } finally {
    await store?.close();
  }
}

import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A worker's messages: one `ready` line, then its result. */
export type WorkerLine = { readonly type: 'ready' } | { readonly type: 'result' };

export interface WorkerProcess<M extends WorkerLine> {
  readonly child: ChildProcess;
  /** Resolves once the worker is ready (or has exited). */
  readonly ready: Promise<void>;
  readonly done: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    result?: Extract<M, { type: 'result' }>;
    stderr: string;
  }>;
}

/**
 * Starts one worker process from the compiled suite (`dist/suites` → `dist/workers/<script>`),
 * in the adapter's folder so the worker resolves the adapter package the way an application does.
 */
export function startWorker<M extends WorkerLine>(
  script: string,
  url: string,
  adapterModule: string,
  input: unknown,
): WorkerProcess<M> {
  const path = fileURLToPath(new URL(`../workers/${script}`, import.meta.url));
  const child = spawn(process.execPath, [path, JSON.stringify(input)], {
    cwd: process.cwd(),
    env: { ...process.env, SWITCHYARD_WORKER_URL: url, SWITCHYARD_WORKER_ADAPTER: adapterModule },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // A process that died early closes its stdin: writing "go" to it must not crash the test.
  child.stdin?.on('error', () => undefined);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  let result: Extract<M, { type: 'result' }> | undefined;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    let message: M;
    try {
      message = JSON.parse(line) as M;
    } catch {
      return;
    }
    if (message.type === 'ready') markReady();
    else result = message as Extract<M, { type: 'result' }>;
  });
  const done = new Promise<Awaited<WorkerProcess<M>['done']>>((resolve) => {
    child.on('close', (code, signal) => {
      markReady();
      resolve({ code, signal, result, stderr });
    });
  });
  return { child, ready, done };
}

/**
 * Starts every worker, waits until all are ready, says "go" to all of them at once and collects
 * their outcomes; a worker still running after `deadlineMs` is killed (its outcome then shows it).
 */
export async function runTogether<M extends WorkerLine>(
  workers: readonly WorkerProcess<M>[],
  deadlineMs: number,
): Promise<Awaited<WorkerProcess<M>['done']>[]> {
  const deadline = setTimeout(() => {
    for (const w of workers) w.child.kill('SIGKILL');
  }, deadlineMs);
  try {
    await Promise.all(workers.map((w) => w.ready));
    for (const w of workers) w.child.stdin?.end('go\n');
    return await Promise.all(workers.map((w) => w.done));
  } finally {
    clearTimeout(deadline);
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  }
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectNoSecret } from '@switchyard/conformance';
import { openStore, type Store } from '@switchyard/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from './support/backends.ts';
import { runCli } from './support/cli-process.ts';
import { fixtureFiles } from './support/fixture-schema.ts';
import { Project } from './support/project.ts';

/** A password and a private key's content that must never appear in anything Switchyard prints. */
const PASSWORD = 'Pw-s3cr3t-Zq9';
const KEY_MATERIAL = 'KEYMATERIALx7f3aQ91Zp';

/** Everything written to stdout and stderr, and every console call, while `fn` runs. */
async function captured<T>(
  fn: () => Promise<T>,
): Promise<{ result: T | undefined; error: unknown; output: string }> {
  const chunks: string[] = [];
  const writes = [process.stdout, process.stderr].map((stream) => {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      chunks.push(String(chunk));
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    return () => {
      stream.write = original;
    };
  });
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const consoles = methods.map((name) => {
    const original = console[name];
    console[name] = (...args: unknown[]) => {
      chunks.push(args.map(String).join(' '));
      original(...args);
    };
    return () => {
      console[name] = original;
    };
  });
  try {
    return { result: await fn(), error: undefined, output: chunks.join('') };
  } catch (error) {
    return { result: undefined, error, output: chunks.join('') };
  } finally {
    for (const restore of [...writes, ...consoles]) restore();
  }
}

const expectClean = (value: unknown, what: string) => {
  expectNoSecret(value, PASSWORD, what);
  expectNoSecret(value, encodeURIComponent(PASSWORD), what);
  expectNoSecret(value, KEY_MATERIAL, what);
};

describeEachBackend('no password or key is ever printed', (backend) => {
  let project: Project;
  let url: string;
  let drop: () => Promise<void>;
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-secrets-'));
  const keyFile = join(dir, 'client.key');
  const certFile = join(dir, 'client.crt');

  beforeAll(async () => {
    project = new Project(fixtureFiles());
    const database = await backend.createDatabase('secrets');
    url = database.url;
    drop = database.drop;
    writeFileSync(keyFile, `-----BEGIN PRIVATE KEY-----\n${KEY_MATERIAL}\n-----END PRIVATE KEY-----\n`);
    writeFileSync(certFile, `-----BEGIN CERTIFICATE-----\n${KEY_MATERIAL}\n-----END CERTIFICATE-----\n`);
  });
  afterAll(async () => {
    await drop?.();
    project?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The database URL with the password (servers) and extra parameters. */
  const secretUrl = (query = '') => {
    if (backend.name === 'sqlite') return `${url}${query ? `?${query}` : ''}`;
    const withPassword = new URL(url);
    withPassword.password = PASSWORD;
    if (query) withPassword.search = query;
    return withPassword.toString();
  };

  it('open, health(), doctor(), errors and every line written meanwhile carry neither the password nor key material', async () => {
    const { schema } = (await import(project.path('schema.mjs'))) as {
      schema: Parameters<typeof openStore>[0]['schema'];
    };
    const run = await captured(async () => {
      let store: Store | undefined;
      try {
        store = await openStore({ url: secretUrl(), schema });
        expectClean(await store.health(), 'health()');
        expectClean(await store.doctor(), 'doctor()');
        await store.migrate();
        const failed = await store
          .transaction(async () => {
            throw new Error('rolled back on purpose');
          })
          .catch((error: unknown) => error);
        expectClean(failed, 'a failed transaction');
        const bad = await store.orm.em
          .getConnection()
          .execute('SELECT * FROM no_such_table')
          .catch((e: unknown) => e);
        expectClean(bad, 'a driver error');
      } catch (error) {
        // A server that refuses the password (MariaDB's root has none) fails here: its error is scanned too.
        expectClean(error, 'openStore() with the password');
      } finally {
        await store?.close();
      }
      if (backend.name !== 'sqlite') {
        const tls = await openStore({
          url: secretUrl(
            `sslmode=require&sslcert=${encodeURIComponent(certFile)}&sslkey=${encodeURIComponent(keyFile)}`,
          ),
          schema,
        }).then(
          async (s) => {
            await s.close();
            return undefined;
          },
          (error: unknown) => error,
        );
        expect(tls, 'a client key that is not a key cannot open a store').toBeInstanceOf(Error);
        expectClean(tls, 'openStore() with sslkey');
      }
    });
    expectClean(run.error, 'the run');
    expect(run.output).not.toContain(PASSWORD);
    expect(run.output).not.toContain(KEY_MATERIAL);
  });

  it('the CLI prints neither, in human or JSON output, on success or failure', async () => {
    const outputs = [
      await runCli(['doctor', '--url', secretUrl()], { cwd: project.dir }),
      await runCli(['doctor', '--url', secretUrl(), '--json', '--verbose'], { cwd: project.dir }),
      await runCli(['migrate', 'status', '--url', secretUrl(), '--verbose'], { cwd: project.dir }),
      await runCli(
        ['doctor', '--url', secretUrl('sslmode=verify-full&sslrootcert=/nowhere.pem'), '--verbose'],
        {
          cwd: project.dir,
        },
      ),
    ];
    if (backend.name !== 'sqlite') {
      outputs.push(
        await runCli(
          [
            'doctor',
            '--url',
            secretUrl(`sslmode=require&sslcert=${certFile}&sslkey=${keyFile}`),
            '--verbose',
          ],
          { cwd: project.dir },
        ),
      );
    }
    for (const { stdout, stderr } of outputs) {
      for (const text of [stdout, stderr]) {
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain(KEY_MATERIAL);
      }
    }
  });
});

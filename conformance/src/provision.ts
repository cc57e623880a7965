import type { BackendProvider } from './backend-provider.ts';

export type Provisioned =
  | { readonly status: 'ready'; readonly serverUrl: string; readonly via: string; stop(): Promise<void> }
  | { readonly status: 'unavailable'; readonly reason: string };

/** `CI=true` or `CONFORMANCE_REQUIRE=postgres,mariadb` turn a missing backend into a failure. */
export function isRequired(backend: string): boolean {
  const required = (process.env.CONFORMANCE_REQUIRE ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  return process.env.CI === 'true' || required.includes(backend) || required.includes('all');
}

async function checkWithRetry(provider: BackendProvider, url: string): Promise<void> {
  let last: unknown;
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      await provider.check(url);
      return;
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
  throw last;
}

/**
 * Gets a server for one backend, in the order of DESIGN §7: an explicit URL, then a container,
 * then nothing (the caller skips or fails).
 */
export async function provision(provider: BackendProvider): Promise<Provisioned> {
  const none = { stop: async () => undefined };
  if (!provider.urlVariable) return { status: 'ready', serverUrl: '', via: 'embedded', ...none };
  const explicit = process.env[provider.urlVariable];
  if (explicit) {
    await checkWithRetry(provider, explicit);
    return { status: 'ready', serverUrl: explicit, via: provider.urlVariable, ...none };
  }
  if (!provider.container) {
    return {
      status: 'unavailable',
      reason: `${provider.urlVariable} is not set and no container is defined`,
    };
  }
  const tc = await import('testcontainers');
  try {
    await tc.getContainerRuntimeClient();
  } catch {
    return {
      status: 'unavailable',
      reason: `${provider.urlVariable} is not set and no container runtime answers; set ${provider.urlVariable} to a server URL or start Docker`,
    };
  }
  const spec = provider.container;
  const container = await new tc.GenericContainer(spec.image)
    .withEnvironment({ ...spec.environment })
    .withExposedPorts(spec.port)
    .withWaitStrategy(tc.Wait.forLogMessage(spec.readyLog.text, spec.readyLog.times))
    .withStartupTimeout(180_000)
    .start();
  const serverUrl = spec.serverUrl(container.getHost(), container.getMappedPort(spec.port));
  await checkWithRetry(provider, serverUrl);
  return {
    status: 'ready',
    serverUrl,
    via: `container ${spec.image}`,
    stop: async () => {
      await container.stop();
    },
  };
}

/**
 * How the suite gets a database for one backend. Each adapter package exports its provider
 * (`@switchyard/<backend>/testing`), so the suite itself knows nothing backend-specific.
 */
export interface TestDatabase {
  /** URL of a fresh, empty database (or file) reserved for one suite. */
  readonly url: string;
  /** Drops the database. MUST succeed even when connections were left open. */
  drop(): Promise<void>;
}

export interface ContainerSpec {
  /** Pinned image tag, e.g. `postgres:17.6`. */
  readonly image: string;
  readonly port: number;
  readonly environment: Readonly<Record<string, string>>;
  /** A line the container logs once it accepts connections (the `times`-th occurrence). */
  readonly readyLog: { readonly text: string; readonly times: number };
  /** The server URL for the mapped host and port. */
  serverUrl(host: string, port: number): string;
}

export interface BackendProvider {
  /** Backend name as used in `CONFORMANCE_REQUIRE` and in the parity report, e.g. `postgres`. */
  readonly backend: string;
  /**
   * Environment variable holding a server URL (`CONFORMANCE_POSTGRES_URL`). Absent for embedded
   * backends, which need no server.
   */
  readonly urlVariable?: string;
  /** How to start the server with testcontainers when no URL is given. */
  readonly container?: ContainerSpec;
  /** Checks a server URL with a real query; rejects when it is not usable. */
  check(serverUrl: string): Promise<void>;
  /** Creates a fresh empty database on the server. `name` is unique and safe as an identifier. */
  createDatabase(serverUrl: string, name: string): Promise<TestDatabase>;
  /**
   * Finishes the search index maintenance a backend does in the background after large writes,
   * for backends where searches running during it can miss documents (a server defect the
   * adapter's README documents). The search suites call it after their large writes, so that they
   * test the adapter rather than that race. Test databases only: it may need admin rights.
   */
  settleSearch?(databaseUrl: string): Promise<void>;
}

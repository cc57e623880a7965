/**
 * How the fault suite restarts a backend's server. Each adapter package that can restart its
 * server on the machine the tests run on exports one (`@switchyard/<backend>/testing`).
 */
export interface ServerRestarter {
  /** What is restarted and how, for the test output (`PostgreSQL 15/main via pg_ctlcluster`). */
  readonly describe: string;
  /**
   * Why the server at `serverUrl` cannot be restarted here (not root, a command missing, a host
   * that is not this machine, `SWITCHYARD_FAULTS=off`, …), or undefined when it can.
   */
  available(serverUrl: string): Promise<string | undefined>;
  /**
   * Restarts the server at `serverUrl`: connections open at that moment break. Resolves once the
   * server answers queries again; rejects when it does not come back.
   */
  restart(serverUrl: string): Promise<void>;
}

/**
 * `close()` finishes in bounded time even when a connection is wedged: the store reaches MariaDB
 * through a TCP relay in this process, which is frozen while a transaction waits for an answer —
 * bytes stop flowing both ways, the sockets stay open, as on a network that black-holes traffic.
 * Against a live server (CONFORMANCE_MARIADB_URL, else the local default).
 */
import { randomBytes } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { holdTransaction, type TestDatabase } from '@switchyard/conformance';
import { ConnectionError, defineEntity, openStore, p } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mariadbAdapter } from '../src/mariadb-adapter.ts';
import { mariadbProvider } from '../src/mariadb-testing.ts';

const SERVER_URL = process.env.CONFORMANCE_MARIADB_URL ?? 'mariadb://root@127.0.0.1:3306/test';

const Item = defineEntity({
  name: 'WedgeItem',
  tableName: 'wedge_item',
  properties: { id: p.uuid().primary(), n: p.integer() },
});

/** A TCP relay to the server that can stop passing bytes without closing anything. */
class Relay {
  readonly #server: Server;
  readonly #pairs: [Socket, Socket][] = [];

  constructor(host: string, port: number) {
    this.#server = createServer((client) => {
      const upstream = createConnection({ host, port });
      for (const socket of [client, upstream]) socket.on('error', () => undefined);
      client.pipe(upstream);
      upstream.pipe(client);
      this.#pairs.push([client, upstream]);
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) => {
      this.#server.listen(0, '127.0.0.1', () => resolve((this.#server.address() as { port: number }).port));
    });
  }

  freeze(): void {
    for (const [client, upstream] of this.#pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  close(): void {
    for (const pair of this.#pairs) for (const socket of pair) socket.destroy();
    this.#server.close();
  }
}

describe('close() with a wedged MariaDB connection', () => {
  let database: TestDatabase;
  let relay: Relay;

  beforeAll(async () => {
    database = await mariadbProvider.createDatabase(SERVER_URL, `sy_wedge_${randomBytes(4).toString('hex')}`);
  });

  afterAll(async () => {
    relay?.close();
    await database?.drop();
  });

  test('resolves within six seconds although the open transaction will never get an answer, and that transaction fails', async () => {
    const direct = new URL(database.url);
    relay = new Relay(direct.hostname, Number(direct.port || 3306));
    const relayed = new URL(database.url);
    relayed.hostname = '127.0.0.1';
    relayed.port = String(await relay.listen());
    const store = await openStore({ url: relayed.toString(), schema: [Item], adapter: mariadbAdapter });
    await store.migrate();
    // Never answered once its connection is wedged: the count after proceed().
    const held = holdTransaction(store, Item, { n: 1 });
    await held.entered;
    relay.freeze();
    held.proceed();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    await store.close();
    // The driver waits up to 5 s for connections to end on their own, then cuts them.
    expect(performance.now() - started).toBeLessThan(6000);
    // The transaction's caller is not left hanging: its connection was cut.
    expect(await held.outcome).toBeInstanceOf(ConnectionError);
    expect(performance.now() - started).toBeLessThan(6000);
  });
});

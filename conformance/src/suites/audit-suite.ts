import {
  AuditEvent,
  type AuditInput,
  type AuditRecord,
  type AuditVerification,
  openStore,
  type Store,
  ValidationError,
} from '@switchyard/core';
import { compile } from '@switchyard/core/adapter';
import { expect } from 'vitest';
import { Sample } from '../conformance-schema.ts';
import { defineSuite, type SuiteContext } from '../suite-definition.ts';
import type { AuditWorkerInput, AuditWorkerMessage } from '../workers/audit-worker.ts';
import { expectError } from './expect-error.ts';
import { newTag, shuffled } from './suite-helpers.ts';
import { runTogether, startWorker } from './worker-process.ts';

/**
 * The audit log (`store.audit`, core's `AuditEvent` in table `switchyard_audit`): events in one
 * hash chain. `append` gives each event the next `seq` and the hash of the event before it,
 * `find` filters by subject, actor, action and time in keyset pages ordered by `seq`, and
 * `verify` walks the chain and names the first broken link.
 *
 * The log is append-only (the database refuses UPDATE and DELETE of its rows), so every test
 * needs `appendOnly`. Events of one database form one chain, so a test that counts the whole log
 * or breaks it works on a fresh database of its own; only the transaction test appends to the
 * suite's database (its events are scoped by a tag, and it checks the chain stays whole).
 *
 * Tampering is done the way an intruder with database access would: the guard's triggers dropped
 * with the adapter's own `unguard` statements, then raw UPDATE and DELETE through a MikroORM
 * connection, outside the repository. A refusal by the guard is asserted as a rejection only (the
 * messages are the drivers').
 */

const TABLE = 'switchyard_audit';
/** `prevHash` of the first event. */
const GENESIS = '0'.repeat(64);
const HEX_HASH = /^[0-9a-f]{64}$/;

const PROCESSES = 4;
const EVENTS_PER_PROCESS = 250;
/** Longest the worker processes may take together, start-up included. */
const PROCESS_DEADLINE_MS = 150_000;

type Connection = ReturnType<Store['orm']['em']['getConnection']>;

/** A time in May 2024: `second` seconds and `ms` milliseconds after noon UTC. */
const at = (second: number, ms = 0) => new Date(Date.UTC(2024, 4, 1, 12, 0, 0, 0) + second * 1000 + ms);

/** The i-th event of a seeded log: varied actors, actions, subjects, nested data, distinct times. */
const seedEvent = (i: number): AuditInput => ({
  actor: `user-${i % 3}`,
  action: ['create', 'update', 'delete'][i % 3] as string,
  subject: `invoice:${i % 4}`,
  data: { i, nested: { list: [i, String(i), null], even: i % 2 === 0 }, note: `é😀 ${i}` },
  at: at(i, i * 7),
});

/**
 * Runs `fn` on a store of its own over a fresh, empty database holding the audit table only
 * (created by `migrate()` in push mode, with its guard); the store is closed afterwards.
 */
async function withFreshLog<T>(
  context: SuiteContext,
  fn: (store: Store, url: string) => Promise<T>,
): Promise<T> {
  const url = await context.freshDatabase();
  const store = await openStore({ url, schema: [AuditEvent], adapter: context.adapter });
  try {
    await store.migrate();
    return await fn(store, url);
  } finally {
    await store.close();
  }
}

/** Appends `count` seeded events (`seedEvent(1)`…), one after another. */
async function seed(store: Store, count: number, event = seedEvent): Promise<AuditRecord[]> {
  const events: AuditRecord[] = [];
  for (let i = 1; i <= count; i++) events.push(await store.audit.append(event(i)));
  return events;
}

/** Every page of a query, concatenated; asserts every page but the last is full. */
async function allPages(
  store: Store,
  query: Parameters<Store['audit']['find']>[0] = {},
  limit = 1000,
): Promise<AuditRecord[]> {
  const items: AuditRecord[] = [];
  let cursor: string | null = null;
  for (let pages = 0; ; pages++) {
    if (pages > 10_000) throw new Error('find() never returned a last page');
    const page = await store.audit.find(query, { limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    if (page.nextCursor === null) return items;
    expect(page.items, 'a page before the last one is full').toHaveLength(limit);
    cursor = page.nextCursor;
  }
}

const seqs = (events: readonly AuditRecord[]): bigint[] => events.map((e) => e.seq);
const range = (from: number, to: number): bigint[] =>
  Array.from({ length: to - from + 1 }, (_, i) => BigInt(from + i));

/** Asserts the events are seq 1..n, each linked to the hash of the one before. */
function expectLinked(events: readonly AuditRecord[]): void {
  expect(seqs(events)).toEqual(range(1, events.length));
  events.forEach((event, i) => {
    expect(event.hash).toMatch(HEX_HASH);
    expect(event.prevHash, `prevHash of seq ${event.seq}`).toBe(i === 0 ? GENESIS : events[i - 1]?.hash);
  });
}

/**
 * `verify()` on a broken chain: the first broken link, the events checked up to and including it
 * (by default all of 1..brokenAt), and a reason.
 */
function broken(brokenAt: number, events = brokenAt): AuditVerification {
  return { ok: false, events, brokenAt: BigInt(brokenAt), reason: expect.any(String) };
}

const connection = (store: Store): Connection => store.orm.em.getConnection();

const rawRun = (store: Store, sql: string, params: readonly unknown[] = []) =>
  connection(store).execute(sql, [...params]);

/** Drops the audit table's guard with the adapter's own statements, as an intruder could. */
async function liftGuard(context: SuiteContext, store: Store): Promise<void> {
  const dialect = context.adapter.appendOnly;
  if (!dialect) throw new Error('the adapter has no append-only dialect');
  for (const fragment of dialect.unguard(TABLE)) {
    const { sql, params } = compile(fragment, context.adapter.dialect);
    await rawRun(store, sql, params);
  }
}

/** Sets one column of the event `seq` by raw SQL, and checks the repository now reads the new value. */
async function rawSet(store: Store, seq: number, column: string, value: unknown): Promise<void> {
  await rawRun(store, `UPDATE ${TABLE} SET ${column} = ? WHERE seq = ?`, [value, seq]);
}

/** The event `seq` as the repository reads it. */
async function eventAt(store: Store, seq: number): Promise<AuditRecord> {
  const event = (await store.repo(AuditEvent).find({ seq: BigInt(seq) })).items[0];
  if (!event) throw new Error(`no event with seq ${seq}`);
  return event;
}

/** The value of `column` in the row of event `seq`, as the driver returns it (to write it back). */
async function rawValue(store: Store, seq: number, column: string): Promise<unknown> {
  const rows = (await connection(store).execute(`SELECT ${column} AS v FROM ${TABLE} WHERE seq = ?`, [
    seq,
  ])) as { v: unknown }[];
  expect(rows).toHaveLength(1);
  return rows[0]?.v;
}

/** The same JSON value with every object's keys in reverse order (another text, the same value). */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .reverse()
        .map(([k, v]) => [k, reversedKeys(v)]),
    );
  }
  return value;
}

export const auditSuite = defineSuite('audit', {
  'append gives seq 1, 2, 3, … and links each event to the hash of the one before; verify() accepts the chain':
    {
      needs: ['appendOnly'],
      run: async (context) => {
        await withFreshLog(context, async (store) => {
          expect(await store.audit.verify()).toMatchObject({ ok: true, events: 0 });
          const appended: AuditRecord[] = [];
          for (let i = 1; i <= 5; i++) {
            const input = seedEvent(i);
            const event = await store.audit.append(input);
            expect(event).toMatchObject({
              seq: BigInt(i),
              actor: input.actor,
              action: input.action,
              subject: input.subject,
              data: input.data,
              at: input.at,
              prevHash: i === 1 ? GENESIS : appended[i - 2]?.hash,
            });
            expect(typeof event.id).toBe('string');
            appended.push(event);
          }
          expectLinked(appended);
          expect(new Set(appended.map((e) => e.hash)).size).toBe(5);
          // What append returned is what was stored.
          expect(await allPages(store)).toEqual(appended);
          // The last hash comes back, to be kept outside the database as an anchor.
          expect(await store.audit.verify()).toEqual({ ok: true, events: 5, lastHash: appended[4]?.hash });

          // `at` defaults to the time of the append.
          const before = Date.now();
          const now = await store.audit.append({ actor: 'a', action: 'b', subject: 'c' });
          expect(now.seq).toBe(6n);
          expect(now.data).toBeNull();
          expect(now.at.getTime()).toBeGreaterThanOrEqual(before - 1000);
          expect(now.at.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
          expect(await store.audit.verify()).toMatchObject({ ok: true, events: 6 });
        });
      },
    },

  'data round-trips as JSON (nested, unicode, scalars, null), and its key order does not change the hash': {
    needs: ['appendOnly'],
    run: async (context) => {
      const nested = { b: 1, a: { d: [1, { y: 2, x: 1 }, []], c: null }, ключ: '鍵 😀 e\u0301' };
      const sameInOtherOrder = { ключ: '鍵 😀 e\u0301', a: { c: null, d: [1, { x: 1, y: 2 }, []] }, b: 1 };
      const first = { actor: 'ada', action: 'order', subject: 'doc:1', at: at(1, 500) };
      const other = await withFreshLog(context, async (store) => {
        const event = await store.audit.append({ ...first, data: sameInOtherOrder });
        expect(await store.audit.verify()).toMatchObject({ ok: true, events: 1 });
        return event;
      });
      await withFreshLog(context, async (store) => {
        const event = await store.audit.append({ ...first, data: nested });
        // The same content at the same place: the same hash, whatever the order of the keys.
        expect(event.hash).toBe(other.hash);
        const values: unknown[] = [
          { b: 1, a: 2 },
          { deep: [[[{ k: [{}] }]]], n: [0, -1.5, 1e300, 5e-324, 2 ** 53, 0.1], t: true, f: false, z: null },
          'a string',
          '',
          42,
          0,
          true,
          false,
          [],
          {},
          [3, 'two', null, { b: [], a: {} }],
          null,
        ];
        for (const data of values)
          await store.audit.append({ actor: 'ada', action: 'data', subject: 'doc:2', data });
        const undefinedData = await store.audit.append({ actor: 'ada', action: 'data', subject: 'doc:3' });
        expect(undefinedData.data).toBeNull();
        const events = await allPages(store);
        expectLinked(events);
        expect(events.map((e) => e.data)).toEqual([nested, ...values, null]);
        expect(await store.audit.verify()).toMatchObject({ ok: true, events: values.length + 2 });
      });
    },
  },

  'find by subject, actor or action returns exactly the matching events in seq order (exact, case- and space-sensitive)':
    {
      needs: ['appendOnly'],
      run: async (context) => {
        await withFreshLog(context, async (store) => {
          const actors = ['alice', 'Alice', 'alice ', 'bob'];
          const actions = ['create', 'CREATE', 'update'];
          const subjects = ['invoice:1', 'invoice:10', 'Invoice:1', 'invoice:1 '];
          const events = await seed(store, 36, (i) => ({
            actor: actors[i % actors.length] as string,
            action: actions[i % actions.length] as string,
            subject: subjects[(i * 7) % subjects.length] as string,
            data: { i },
            at: at(36 - i),
          }));
          const expectFound = async (query: Parameters<Store['audit']['find']>[0]) => {
            const expected = events.filter(
              (e) =>
                (query?.actor === undefined || e.actor === query.actor) &&
                (query?.action === undefined || e.action === query.action) &&
                (query?.subject === undefined || e.subject === query.subject),
            );
            const found = await store.audit.find(query);
            expect(found.nextCursor).toBeNull();
            expect(found.items, JSON.stringify(query)).toEqual(expected);
            return expected.length;
          };
          for (const actor of actors) expect(await expectFound({ actor })).toBe(9);
          for (const action of actions) expect(await expectFound({ action })).toBe(12);
          for (const subject of subjects) expect(await expectFound({ subject })).toBe(9);
          expect(await expectFound({ actor: 'alice', action: 'update' })).toBe(3);
          expect(
            await expectFound({ actor: 'bob', action: 'create', subject: 'invoice:10' }),
          ).toBeGreaterThan(0);
          expect(await expectFound({})).toBe(36);
          for (const missing of [
            { actor: 'ALICE' },
            { actor: 'alic' },
            { subject: 'invoice:' },
            { action: '' },
          ]) {
            expect(await expectFound(missing)).toBe(0);
          }
        });
      },
    },

  'find by time range includes from and excludes to, to the millisecond, in seq order': {
    needs: ['appendOnly'],
    run: async (context) => {
      await withFreshLog(context, async (store) => {
        // Times out of seq order, some a millisecond apart.
        const times = shuffled(
          Array.from({ length: 30 }, (_, i) => at(Math.floor(i / 3), i % 3)),
          11,
        );
        const events = await seed(store, times.length, (i) => ({
          actor: `u${i % 2}`,
          action: 'touch',
          subject: `s${i % 3}`,
          at: times[i - 1] as Date,
        }));
        const check = async (query: { from?: Date; to?: Date; subject?: string }, size?: number) => {
          const expected = events.filter(
            (e) =>
              (query.from === undefined || e.at.getTime() >= query.from.getTime()) &&
              (query.to === undefined || e.at.getTime() < query.to.getTime()) &&
              (query.subject === undefined || e.subject === query.subject),
          );
          const found = await allPages(store, query, 4);
          expect(seqs(found), JSON.stringify(query)).toEqual(seqs(expected));
          if (size !== undefined) expect(found).toHaveLength(size);
        };
        await check({ from: at(3, 1), to: at(6, 1) }, 9);
        await check({ from: at(3, 1) }, 20);
        await check({ to: at(3, 1) }, 10);
        await check({ from: at(0, 0), to: at(0, 1) }, 1);
        await check({ from: at(4, 2), to: at(4, 2) }, 0);
        await check({ from: at(5), to: at(2) }, 0);
        await check({ from: at(2, 1), to: at(8, 2), subject: 's1' });
        await check({ to: at(0) }, 0);
        await check({ from: at(9, 3) }, 0);
        await check({}, 30);
      });
    },
  },

  'keyset pagination over many pages returns every match once, in seq order, including events appended meanwhile':
    {
      needs: ['appendOnly'],
      run: async (context) => {
        await withFreshLog(context, async (store) => {
          const event = (i: number): AuditInput => ({
            actor: 'pager',
            action: i % 3 === 0 ? 'match' : 'other',
            subject: `row:${i}`,
            at: at(i),
          });
          await seed(store, 150, event);
          const expected = range(1, 150).filter((s) => s % 3n === 0n);
          expect(seqs(await allPages(store, { action: 'match' }, 7))).toEqual(expected);
          expect(seqs(await allPages(store, { action: 'match' }, 1))).toEqual(expected);
          expect(seqs(await allPages(store, { action: 'match' }, 50))).toEqual(expected);
          expect(seqs(await allPages(store, {}, 13))).toEqual(range(1, 150));
          expect(seqs(await allPages(store, { from: at(100) }, 6))).toEqual(range(100, 150));
          const whole = await store.audit.find({}, { limit: 1000 });
          expect(whole.items).toHaveLength(150);
          expect(whole.nextCursor).toBeNull();

          // Events appended between two pages come after the cursor: read once, at the end.
          const first = await store.audit.find({ action: 'match' }, { limit: 30 });
          expect(seqs(first.items)).toEqual(expected.slice(0, 30));
          for (let i = 151; i <= 160; i++) await store.audit.append(event(i));
          const rest: AuditRecord[] = [];
          let cursor = first.nextCursor;
          while (cursor !== null) {
            const page = await store.audit.find({ action: 'match' }, { limit: 30, cursor });
            rest.push(...page.items);
            cursor = page.nextCursor;
          }
          expect(seqs([...first.items, ...rest])).toEqual([...expected, 153n, 156n, 159n]);
        });
      },
    },

  'an invalid page limit is refused with ValidationError': {
    needs: ['appendOnly'],
    run: async ({ store }) => {
      for (const limit of [0, -1, 1001, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10' as never]) {
        await expectError(async () => store.audit.find({}, { limit }), ValidationError, 'VALIDATION');
      }
      const subject = newTag();
      for (const limit of [1, 1000]) {
        expect(await store.audit.find({ subject }, { limit })).toEqual({ items: [], nextCursor: null });
      }
    },
  },

  'invalid input to append is refused with ValidationError and appends nothing': {
    needs: ['appendOnly'],
    run: async (context) => {
      await withFreshLog(context, async (store) => {
        const valid = { actor: 'ada', action: 'sign', subject: 'doc:1', at: at(1) };
        const [one, two] = await seed(store, 2, () => valid);
        const invalid: unknown[] = [
          { ...valid, actor: '' },
          { ...valid, action: '' },
          { ...valid, subject: '' },
          { ...valid, actor: 'a'.repeat(201) },
          { ...valid, action: '😀'.repeat(201) },
          { ...valid, subject: `${'s'.repeat(200)} ` },
          { ...valid, actor: 5 },
          { ...valid, actor: undefined },
          { ...valid, action: null },
          { action: 'sign', subject: 'doc:1' },
          { ...valid, at: '2024-05-01T12:00:00.000Z' },
          { ...valid, at: 1_714_564_800_000 },
          { ...valid, at: new Date(Number.NaN) },
          { ...valid, at: {} },
          // Not plain JSON: stored differently from what would be hashed, so refused.
          { ...valid, data: { when: new Date(0) } },
          { ...valid, data: { n: 1n } },
          { ...valid, data: new Map([['a', 1]]) },
          { ...valid, data: [1, Number.NaN] },
          undefined,
          null,
        ];
        for (const input of invalid) {
          await expectError(
            async () => store.audit.append(input as AuditInput),
            ValidationError,
            'VALIDATION',
          );
        }
        expect(await store.audit.verify()).toMatchObject({ ok: true, events: 2 });
        expect(seqs(await allPages(store))).toEqual([1n, 2n]);

        // The limits are characters, not bytes or UTF-16 units; a refusal took no seq.
        const longest = await store.audit.append({
          actor: 'a'.repeat(200),
          action: '😀'.repeat(200),
          subject: '鍵'.repeat(200),
          at: at(2),
        });
        expect(longest).toMatchObject({ seq: 3n, prevHash: two?.hash, action: '😀'.repeat(200) });
        expect(one?.prevHash).toBe(GENESIS);
        expect(await allPages(store)).toEqual([one, two, longest]);
        expect(await store.audit.verify()).toMatchObject({ ok: true, events: 3 });
      });
    },
  },

  'an append inside store.transaction commits with it; a transaction that throws leaves no event and no gap':
    {
      needs: ['appendOnly'],
      run: async (context) => {
        const { store } = context;
        const tag = newTag();
        const start = await store.audit.verify();
        expect(start.ok).toBe(true);
        const head = BigInt(start.events);
        const reader = await context.openStore();
        const event = (action: string): AuditInput => ({
          actor: 'tx',
          action,
          subject: tag,
          data: { action },
        });

        const [e1, e2] = await store.transaction(async (tx) => {
          await tx.repo(Sample).insert({ label: tag });
          const a = await store.audit.append(event('one'));
          const b = await store.audit.append(event('two'));
          // Not visible to another connection before the commit.
          expect((await reader.audit.find({ subject: tag })).items).toEqual([]);
          return [a, b];
        });
        expect(e1).toMatchObject({ seq: head + 1n });
        expect(e2).toMatchObject({ seq: head + 2n, prevHash: e1?.hash });
        expect((await reader.audit.find({ subject: tag })).items).toEqual([e1, e2]);
        expect(await reader.repo(Sample).count({ label: tag })).toBe(1);

        const failure = new Error('the transaction fails after its appends');
        await expect(
          store.transaction(async (tx) => {
            await store.audit.append(event('rolled back 1'));
            await tx.repo(Sample).insert({ label: `${tag}x` });
            await store.audit.append(event('rolled back 2'));
            throw failure;
          }),
        ).rejects.toBe(failure);
        expect((await store.audit.find({ subject: tag })).items).toEqual([e1, e2]);
        expect(await store.repo(Sample).count({ label: `${tag}x` })).toBe(0);
        expect(await store.audit.verify()).toMatchObject({ ok: true, events: start.events + 2 });

        // A nested transaction that throws takes its event with it; the outer one goes on.
        const [e3, e4] = await store.transaction(async (tx) => {
          const c = await store.audit.append(event('three'));
          await tx
            .transaction(async () => {
              await store.audit.append(event('nested, rolled back'));
              throw failure;
            })
            .catch((error: unknown) => {
              if (error !== failure) throw error;
            });
          const d = await store.audit.append(event('four'));
          return [c, d];
        });
        expect(e3).toMatchObject({ seq: head + 3n, prevHash: e2?.hash });
        expect(e4).toMatchObject({ seq: head + 4n, prevHash: e3?.hash });
        expect((await reader.audit.find({ subject: tag })).items.map((e) => e.action)).toEqual([
          'one',
          'two',
          'three',
          'four',
        ]);
        expect(await store.audit.verify()).toMatchObject({ ok: true, events: start.events + 4 });
      },
    },

  'with the guard in place, raw UPDATE and DELETE of an audit row are refused and the chain stays valid': {
    needs: ['appendOnly'],
    run: async (context) => {
      await withFreshLog(context, async (store, url) => {
        const events = await seed(store, 20);
        // Another store's connection too: the database refuses, not this store.
        const other = await context.openStore({ url, schema: [AuditEvent] });
        for (const target of [store, other]) {
          await expect(rawSet(target, 7, 'action', 'forged')).rejects.toBeInstanceOf(Error);
          await expect(rawRun(target, `DELETE FROM ${TABLE} WHERE seq = ?`, [12])).rejects.toBeInstanceOf(
            Error,
          );
          await expect(rawRun(target, `DELETE FROM ${TABLE}`)).rejects.toBeInstanceOf(Error);
        }
        // The same statements on a row that does not exist run: the refusals above are the guard's.
        await rawSet(store, 99, 'action', 'forged');
        await rawRun(store, `DELETE FROM ${TABLE} WHERE seq = ?`, [99]);
        expect(await allPages(store)).toEqual(events);
        expect(await store.audit.verify()).toMatchObject({ ok: true, events: 20 });
      });
    },
  },

  'a row changed by raw SQL (action, actor, subject, data, time) is detected at its own link': {
    needs: ['appendOnly'],
    run: async (context) => {
      await withFreshLog(context, async (store) => {
        const events = await seed(store, 20);
        const seventh = events[6] as AuditRecord;
        await liftGuard(context, store);
        const originalAt = await rawValue(store, 7, 'at');
        const changes: [string, unknown, unknown][] = [
          ['action', 'approve', seventh.action],
          ['actor', 'mallory', seventh.actor],
          ['subject', 'invoice:999', seventh.subject],
          ['data', JSON.stringify({ ...(seventh.data as object), i: 700 }), JSON.stringify(seventh.data)],
          ['at', await rawValue(store, 8, 'at'), originalAt],
        ];
        for (const [column, forged, original] of changes) {
          await rawSet(store, 7, column, forged);
          expect((await eventAt(store, 7))[column as 'action']).not.toEqual(seventh[column as 'action']);
          expect(await store.audit.verify(), `${column} changed`).toEqual(broken(7));
          // Put back, the chain is whole again: the check is of content, not of a write having happened.
          await rawSet(store, 7, column, original);
          expect(await eventAt(store, 7)).toEqual(seventh);
          expect(await store.audit.verify(), `${column} restored`).toMatchObject({ ok: true, events: 20 });
        }

        // The same JSON value written as other text (its keys in another order) still verifies.
        await rawSet(store, 7, 'data', JSON.stringify(reversedKeys(seventh.data)));
        expect(await eventAt(store, 7)).toEqual(seventh);
        expect(await store.audit.verify()).toMatchObject({ ok: true, events: 20 });

        // The first and the last event are checked like every other.
        await rawSet(store, 1, 'action', 'forged');
        await rawSet(store, 20, 'action', 'forged');
        expect(await store.audit.verify()).toEqual(broken(1));
        await rawSet(store, 1, 'action', events[0]?.action);
        expect(await store.audit.verify()).toEqual(broken(20));
      });
    },
  },

  'a deleted row is detected at the next link (a gap in seq)': {
    needs: ['appendOnly'],
    run: async (context) => {
      await withFreshLog(context, async (store) => {
        await seed(store, 20);
        await liftGuard(context, store);
        await rawRun(store, `DELETE FROM ${TABLE} WHERE seq = ?`, [12]);
        expect(seqs(await allPages(store))).toEqual([...range(1, 11), ...range(13, 20)]);
        // Checked: 1..11, then 13 where 12 was expected.
        expect(await store.audit.verify()).toEqual(broken(13, 12));
        // The first broken link is reported: deleting the first event too moves it to seq 2.
        await rawRun(store, `DELETE FROM ${TABLE} WHERE seq = ?`, [1]);
        expect(await store.audit.verify()).toEqual(broken(2, 1));
      });
    },
  },

  'a row rewritten with a hash valid for its new content is detected at the next link; prevHash or hash changed alone at its own':
    {
      needs: ['appendOnly'],
      run: async (context) => {
        // A second log with the same six first events and a different seventh: its seventh event
        // is what a forger who knows the hash function would write in place of ours.
        const forgery = await withFreshLog(context, async (store) => {
          const events = await seed(store, 7, (i) =>
            i === 7 ? { ...seedEvent(7), action: 'approve' } : seedEvent(i),
          );
          expect(await store.audit.verify()).toMatchObject({ ok: true, events: 7 });
          return events;
        });
        await withFreshLog(context, async (store) => {
          const events = await seed(store, 20);
          // The hash covers the content and the place in the chain, not the row's id.
          expect(forgery.slice(0, 6).map((e) => e.hash)).toEqual(events.slice(0, 6).map((e) => e.hash));
          const forged = forgery[6] as AuditRecord;
          const seventh = events[6] as AuditRecord;
          expect(forged.prevHash).toBe(seventh.prevHash);
          expect(forged.hash).not.toBe(seventh.hash);
          await liftGuard(context, store);

          await rawSet(store, 7, 'action', forged.action);
          await rawSet(store, 7, 'hash', forged.hash);
          expect(await eventAt(store, 7)).toEqual({ ...seventh, action: 'approve', hash: forged.hash });
          expect(await store.audit.verify()).toEqual(broken(8));
          await rawSet(store, 7, 'action', seventh.action);
          await rawSet(store, 7, 'hash', seventh.hash);
          expect(await store.audit.verify()).toMatchObject({ ok: true, events: 20 });

          const other = 'f'.repeat(64);
          await rawSet(store, 7, 'prev_hash', other);
          expect(await store.audit.verify()).toEqual(broken(7));
          await rawSet(store, 7, 'prev_hash', seventh.prevHash);

          // A hash replaced, and the next event's prevHash made to match it: still the seventh.
          await rawSet(store, 7, 'hash', other);
          expect(await store.audit.verify()).toEqual(broken(7));
          await rawSet(store, 8, 'prev_hash', other);
          expect(await store.audit.verify()).toEqual(broken(7));
          await rawSet(store, 7, 'hash', seventh.hash);
          expect(await store.audit.verify()).toEqual(broken(8));
          await rawSet(store, 8, 'prev_hash', seventh.hash);
          expect(await allPages(store)).toEqual(events);
          expect(await store.audit.verify()).toMatchObject({ ok: true, events: 20 });
        });
      },
    },

  '40 appends at once on one store take seq 1..40 once each, in one valid chain': {
    needs: ['appendOnly'],
    run: async (context) => {
      await withFreshLog(context, async (store) => {
        const outcomes = await Promise.allSettled(
          Array.from({ length: 40 }, (_, i) =>
            store.audit.append({ actor: 'parallel', action: 'append', subject: `p:${i}`, data: { i } }),
          ),
        );
        const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []));
        expect(failures).toEqual([]);
        const appended = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
        expect([...seqs(appended)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(range(1, 40));
        const events = await allPages(store);
        expectLinked(events);
        expect(events.map((e) => e.subject).sort()).toEqual(appended.map((e) => e.subject).sort());
        expect(await store.audit.verify()).toMatchObject({ ok: true, events: 40 });
      });
    },
  },

  '4 OS processes appending 250 events each at once: 1,000 events, seq 1..1000 once each, one valid chain': {
    needs: ['appendOnly'],
    timeoutMs: PROCESS_DEADLINE_MS + 30_000,
    run: async (context) => {
      const url = await context.freshDatabase();
      const store = await openStore({ url, schema: [AuditEvent], adapter: context.adapter });
      try {
        await store.migrate();
        const workers = Array.from({ length: PROCESSES }, (_, worker) =>
          startWorker<AuditWorkerMessage>('audit-worker.js', url, context.adapterModule, {
            worker,
            events: EVENTS_PER_PROCESS,
          } satisfies AuditWorkerInput),
        );
        // Every process has opened its store before any of them appends: the appends overlap.
        const results = await runTogether(workers, PROCESS_DEADLINE_MS);
        const taken: string[][] = [];
        for (const [worker, r] of results.entries()) {
          const detail = `worker ${worker}: exit ${r.code} ${r.signal ?? ''} ${JSON.stringify(r.result)} ${r.stderr}`;
          expect(r.code, detail).toBe(0);
          if (!r.result?.ok) throw new Error(`appends failed in ${detail}`);
          expect(r.result.seqs, detail).toHaveLength(EVENTS_PER_PROCESS);
          taken.push(r.result.seqs);
        }
        const total = PROCESSES * EVENTS_PER_PROCESS;
        expect(
          taken
            .flat()
            .map(BigInt)
            .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
        ).toEqual(range(1, total));

        const events = await allPages(store);
        expectLinked(events);
        for (let worker = 0; worker < PROCESSES; worker++) {
          const own = await allPages(store, { actor: `worker-${worker}` });
          // One process appends one event after another: its events are in its own order.
          expect(own.map((e) => e.subject)).toEqual(
            Array.from({ length: EVENTS_PER_PROCESS }, (_, i) => `w${worker}:e${i}`),
          );
          expect(own.map((e) => e.data)).toEqual(
            Array.from({ length: EVENTS_PER_PROCESS }, (_, i) => ({ worker, i })),
          );
          // …and each append returned the place its event has.
          expect(seqs(own).map(String)).toEqual(taken[worker]);
        }
        expect(await store.audit.verify()).toMatchObject({ ok: true, events: total });
      } finally {
        await store.close();
      }
    },
  },
});

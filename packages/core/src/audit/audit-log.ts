import { UniqueConstraintError, ValidationError } from '../errors.ts';
import type { Where } from '../query/filter-types.ts';
import type { Page, Row, Store } from '../store/store-types.ts';
import { AuditEvent } from './audit-event.ts';
import { eventHash, GENESIS_HASH } from './audit-hash.ts';

export type AuditRecord = Row<typeof AuditEvent>;

export interface AuditInput {
  /** Who did it (a user id, a service name). At most 200 characters, like `action` and `subject`. */
  readonly actor: string;
  readonly action: string;
  /** What it was done to: an entity id, `invoice:42`, … */
  readonly subject: string;
  /** Any JSON value; hashed in a canonical form (key order does not matter). */
  readonly data?: unknown;
  /** When it happened. Default: now. */
  readonly at?: Date;
}

export interface AuditQuery {
  readonly subject?: string;
  readonly actor?: string;
  readonly action?: string;
  /** Events at or after this time. */
  readonly from?: Date;
  /** Events before this time. */
  readonly to?: Date;
}

export interface AuditPageOptions {
  /** Events per page, 1–1000. Default 100. */
  readonly limit?: number;
  /** `nextCursor` of the previous page of the same query. */
  readonly cursor?: string | null;
}

export interface AuditVerification {
  /** True when every event links to the one before it and its hash matches its content. */
  readonly ok: boolean;
  /** Events checked (up to and including the first broken one). */
  readonly events: number;
  /** The `seq` of the first broken link. */
  readonly brokenAt?: bigint;
  /** What is wrong there. */
  readonly reason?: string;
  /**
   * The hash of the last event (when `ok`). The chain cannot show that events were removed from
   * its end, or that the whole tail was rewritten consistently: keep this value somewhere the
   * database's users cannot write (a signed log, another system) and compare it next time.
   */
  readonly lastHash?: string;
}

/** Attempts of one append when other appenders keep taking the next place first. */
const MAX_ATTEMPTS = 200;
const TEXT_LIMIT = 200;

/**
 * `data` must be plain JSON: what is hashed is then exactly what the database stores and reads
 * back. A Date, Map, bigint or class instance would be stored differently (or not at all) and the
 * chain could never verify again — and the table cannot be repaired.
 */
function checkJson(value: unknown, path: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return;
    throw new ValidationError(`audit: ${path} is ${value}, which JSON cannot hold.`);
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) checkJson(item, `${path}[${i}]`);
    return;
  }
  const proto = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (proto === Object.prototype || proto === null) {
    for (const [key, item] of Object.entries(value as object)) {
      if (item !== undefined) checkJson(item, `${path}.${key}`);
    }
    return;
  }
  const kind = typeof value === 'object' ? ((value as object).constructor?.name ?? 'object') : typeof value;
  throw new ValidationError(
    `audit: ${path} is a ${kind}; data must be plain JSON (convert dates to ISO strings, bigints to strings).`,
  );
}

function checkText(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || [...value].length > TEXT_LIMIT) {
    throw new ValidationError(
      `audit: ${name} must be a non-empty string of at most ${TEXT_LIMIT} characters.`,
    );
  }
  return value;
}

/**
 * The audit log (`store.audit`): events in one hash chain. Each event takes the next `seq` and
 * the hash of the event before it inside one transaction; `seq` is unique, so when appenders race
 * (other replicas included) exactly one takes each place and the others read the new head and try
 * again. The chain never forks and has no gaps.
 */
export class AuditLog {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /**
   * Appends one event. Inside a caller's transaction it is a nested transaction of it (the event
   * commits with the caller's work); a caller's `repeatable read` or `serializable` snapshot never
   * sees other appenders' events, so such a transaction fails here once it loses a race.
   */
  async append(input: AuditInput): Promise<AuditRecord> {
    const content = {
      actor: checkText('actor', input?.actor),
      action: checkText('action', input.action),
      subject: checkText('subject', input.subject),
      data: input.data ?? null,
      at: input.at ?? new Date(),
    };
    if (!(content.at instanceof Date) || Number.isNaN(content.at.getTime())) {
      throw new ValidationError('audit: at must be a valid Date.');
    }
    checkJson(content.data, 'data');
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#store.transaction(async (tx) => {
          const events = tx.repo(AuditEvent);
          const [head] = (await events.find({}, { orderBy: { seq: 'desc' }, limit: 1 })).items;
          const seq = (head?.seq ?? 0n) + 1n;
          const prevHash = head?.hash ?? GENESIS_HASH;
          const hash = eventHash({ ...content, seq, prevHash });
          return events.insert({ id: crypto.randomUUID(), ...content, seq, prevHash, hash });
        });
      } catch (error) {
        if (!(error instanceof UniqueConstraintError) || attempt >= MAX_ATTEMPTS) throw error;
        // Another appender took this place: let it commit, then read the new head.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(attempt, 20)));
      }
    }
  }

  /** Events matching every given criterion, oldest first, in keyset pages. */
  async find(query: AuditQuery = {}, options: AuditPageOptions = {}): Promise<Page<AuditRecord>> {
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new ValidationError('audit: limit must be an integer from 1 to 1000.');
    }
    const where: Where<AuditRecord>[] = [];
    if (query.subject !== undefined) where.push({ subject: query.subject });
    if (query.actor !== undefined) where.push({ actor: query.actor });
    if (query.action !== undefined) where.push({ action: query.action });
    if (query.from !== undefined) where.push({ at: { gte: query.from } });
    if (query.to !== undefined) where.push({ at: { lt: query.to } });
    return this.#store
      .repo(AuditEvent)
      .find({ $and: where }, { orderBy: { seq: 'asc' }, limit, cursor: options.cursor ?? null });
  }

  /**
   * Walks the chain from the first event and reports the first broken link: a gap in `seq`, a
   * `prevHash` that is not the hash of the event before, or a hash that no longer matches the
   * event's content (a row changed behind the log's back).
   */
  async verify(): Promise<AuditVerification> {
    let expectedSeq = 1n;
    let prevHash = GENESIS_HASH;
    let events = 0;
    for await (const event of this.#store.repo(AuditEvent).stream({}, { orderBy: { seq: 'asc' } })) {
      events++;
      const broken = (reason: string): AuditVerification => ({
        ok: false,
        events,
        brokenAt: event.seq,
        reason,
      });
      if (event.seq !== expectedSeq) return broken(`expected seq ${expectedSeq}: events are missing`);
      if (event.prevHash !== prevHash) return broken('prevHash is not the hash of the event before');
      const content = { ...event, data: event.data ?? null };
      if (eventHash(content) !== event.hash) return broken('the event was changed after it was appended');
      prevHash = event.hash;
      expectedSeq++;
    }
    return events === 0 ? { ok: true, events } : { ok: true, events, lastHash: prevHash };
  }
}

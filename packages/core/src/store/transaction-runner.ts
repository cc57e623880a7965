import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Adapter, AdapterOpenContext, Driver } from '../adapter-api.ts';
import type { Capabilities } from '../capabilities.ts';
import {
  CommitOutcomeUnknownError,
  ConnectionError,
  SwitchyardError,
  TransactionEndedError,
  UnsupportedFeatureError,
  ValidationError,
} from '../errors.ts';
import { raw } from '../sql/sql-fragment.ts';
import { type ResolvedRetry, resolveRetry, retryDelay } from './retry-policy.ts';
import { Executor, type NestingScope } from './session.ts';
import type { TransactionOptions } from './store-types.ts';

const isolationLevels = new Set(['read committed', 'repeatable read', 'serializable']);

/** Opens, commits, rolls back, nests and retries transactions for one store. */
export class TransactionRunner {
  /**
   * The transaction the current async context runs in, for this store only. Code inside
   * `store.transaction(fn)` — including `store.repo(X)` calls that did not receive the handle —
   * runs on that transaction; without it, such a call would wait for a connection the transaction
   * itself holds (on SQLite, the only one) and deadlock. Another store's transaction is invisible.
   */
  readonly ambient = new AsyncLocalStorage<Executor>();
  /** The nesting scope the current async context runs in (which savepoint's children queue where). */
  readonly #scopes = new AsyncLocalStorage<NestingScope>();
  readonly #adapter: Adapter;
  readonly #context: AdapterOpenContext;
  readonly #driver: Driver;
  readonly #capabilities: Capabilities;
  readonly #retry: ResolvedRetry;

  constructor(
    adapter: Adapter,
    context: AdapterOpenContext,
    driver: Driver,
    capabilities: Capabilities,
    retry: ResolvedRetry,
  ) {
    this.#adapter = adapter;
    this.#context = context;
    this.#driver = driver;
    this.#capabilities = capabilities;
    this.#retry = retry;
  }

  /** Top-level transaction with retries, or a savepoint when one is already open here. */
  async run<T>(fn: (ex: Executor) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    this.#checkOptions(options);
    const current = this.ambient.getStore();
    if (current) {
      if (options.isolation !== undefined || options.readOnly !== undefined) {
        throw new ValidationError('isolation and readOnly can only be set on the outermost transaction.');
      }
      return this.nested(current, fn);
    }
    const policy = resolveRetry(options.retry, this.#retry);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(fn, options);
      } catch (error) {
        const retryable = error instanceof SwitchyardError && error.retryable;
        if (!retryable || attempt >= policy.attempts) throw error;
        await sleep(retryDelay(policy, attempt));
      }
    }
  }

  /** Runs `fn` on the current transaction, or in a new one (no retries: the caller decides). */
  atomic<T>(fn: (ex: Executor) => Promise<T>): Promise<T> {
    const current = this.ambient.getStore();
    return current ? fn(current) : this.#once(fn, { retry: false });
  }

  /**
   * A savepoint on `parent`. Nested transactions started concurrently under the same parent run
   * one after another: a savepoint covers every statement after it on that connection, so two at
   * once would roll back each other's work.
   */
  nested<T>(
    parent: Executor,
    fn: (ex: Executor, scope: NestingScope) => Promise<T>,
    within?: NestingScope,
  ): Promise<T> {
    if (!this.#capabilities.savepoints) {
      return Promise.reject(
        new UnsupportedFeatureError('savepoints', this.#adapter.name, 'nested transactions need savepoints'),
      );
    }
    const current = this.#scopes.getStore();
    const scope = within ?? (current?.executor === parent ? current : parent.rootScope);
    if (scope.closed) {
      return Promise.reject(
        new TransactionEndedError('The transaction this nested transaction was started in has ended.'),
      );
    }
    const run = scope.queue.then(() => this.#savepoint(parent, scope.depth + 1, fn));
    scope.queue = run.catch(() => undefined);
    return run;
  }

  async #savepoint<T>(
    parent: Executor,
    depth: number,
    fn: (ex: Executor, scope: NestingScope) => Promise<T>,
  ): Promise<T> {
    parent.assertUsable();
    const spName = `sy_savepoint_${++parent.savepointCount}`;
    await parent.control(raw(`SAVEPOINT ${spName}`));
    parent.savepointDepth = depth;
    const scope: NestingScope = { executor: parent, depth, queue: Promise.resolve(), closed: false };
    try {
      const result = await this.ambient.run(parent, () => this.#scopes.run(scope, () => fn(parent, scope)));
      // Nested transactions started without await finish first; a swallowed failure still aborts.
      await scope.queue;
      parent.assertUsable();
      await parent.control(raw(`RELEASE SAVEPOINT ${spName}`));
      return result;
    } catch (error) {
      await scope.queue;
      if (!parent.ended) {
        try {
          await parent.control(raw(`ROLLBACK TO SAVEPOINT ${spName}`));
          await parent.control(raw(`RELEASE SAVEPOINT ${spName}`));
          // Rolled back to before the failure: the transaction is usable again.
          if (parent.failure && parent.failure.depth >= depth) parent.failure = undefined;
        } catch {
          // The connection is gone; the outer transaction reports it.
        }
      }
      throw error;
    } finally {
      scope.closed = true;
      parent.savepointDepth = depth - 1;
    }
  }

  async #once<T>(fn: (ex: Executor) => Promise<T>, options: TransactionOptions): Promise<T> {
    let tx: Awaited<ReturnType<Driver['begin']>>;
    try {
      tx = await this.#driver.begin({ isolation: options.isolation, readOnly: options.readOnly ?? false });
    } catch (error) {
      // A Switchyard error the driver raised itself (PoolTimeoutError) is already classified.
      throw error instanceof SwitchyardError ? error : this.#adapter.classifyError(error, this.#context);
    }
    const ex = new Executor(this.#adapter, this.#context, tx, true);
    ex.callerDepth = () => {
      const scope = this.#scopes.getStore();
      return scope?.executor === ex ? scope.depth : 0;
    };
    try {
      let result: T;
      try {
        result = await this.ambient.run(ex, () => fn(ex));
        // Nested transactions started without await finish first; never commit a transaction
        // whose callback swallowed a failed statement (PostgreSQL could not).
        await ex.rootScope.queue;
        ex.assertUsable();
      } catch (error) {
        await ex.rootScope.queue;
        ex.ended = true;
        await tx.rollback().catch(() => undefined);
        throw error;
      }
      // From here on nothing may join the transaction: statements issued now would be lost or
      // committed without their caller knowing.
      ex.ended = true;
      try {
        await tx.commit();
      } catch (error) {
        await tx.rollback().catch(() => undefined);
        const classified = ex.classify(error);
        // A broken connection during COMMIT leaves the outcome unknown: retrying could apply twice.
        if (classified instanceof ConnectionError && classified.retryable) {
          throw new CommitOutcomeUnknownError(
            'The connection broke during COMMIT; the transaction may or may not have been committed.',
            { cause: classified },
          );
        }
        throw classified;
      }
      return result;
    } finally {
      ex.ended = true;
      ex.rootScope.closed = true;
    }
  }

  #checkOptions(options: TransactionOptions): void {
    if (options.isolation !== undefined) {
      if (!isolationLevels.has(options.isolation)) {
        throw new ValidationError(`Unknown isolation level "${String(options.isolation)}".`);
      }
      if (!this.#capabilities.isolationLevels)
        throw new UnsupportedFeatureError('isolationLevels', this.#adapter.name);
    }
    if (options.readOnly && !this.#capabilities.readOnlyTransactions) {
      throw new UnsupportedFeatureError('readOnlyTransactions', this.#adapter.name);
    }
  }
}

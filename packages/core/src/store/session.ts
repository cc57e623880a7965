import type { Adapter, AdapterOpenContext, DriverRow, DriverSession, ExecuteResult } from '../adapter-api.ts';
import {
  SwitchyardError,
  TransactionAbortedError,
  TransactionEndedError,
  ValidationError,
} from '../errors.ts';
import { type CompiledQuery, compile, Sql } from '../sql/sql-fragment.ts';

/**
 * Where statements run right now: the driver, or an open transaction. Every driver error leaves
 * through `classifyError`, so callers only ever see Switchyard errors.
 */
export class Executor {
  readonly #adapter: Adapter;
  readonly #context: AdapterOpenContext;
  readonly session: DriverSession;
  /** Depth of savepoints opened on this transaction, or -1 outside a transaction. */
  savepointDepth: number;
  /** The first statement failure in this transaction and the savepoint depth it happened at. */
  failure: { readonly error: SwitchyardError; readonly depth: number } | undefined;
  /** Set once the transaction committed or rolled back: later calls through it are refused. */
  ended = false;
  /** Top-level nesting scope: its direct nested transactions queue here (see TransactionRunner.nested). */
  readonly rootScope: NestingScope = { executor: this, depth: 0, queue: Promise.resolve(), closed: false };
  /** Nesting depth of the code calling right now (set by the transaction runner). */
  callerDepth: () => number = () => 0;
  /** Savepoints opened so far, for unique names. */
  savepointCount = 0;

  constructor(adapter: Adapter, context: AdapterOpenContext, session: DriverSession, inTransaction: boolean) {
    this.#adapter = adapter;
    this.#context = context;
    this.session = session;
    this.savepointDepth = inTransaction ? 0 : -1;
    this.failure = undefined;
  }

  get inTransaction(): boolean {
    return this.savepointDepth >= 0;
  }

  /** Runs a statement: a fragment, or one compiled ahead (see `RepositoryImpl`'s statements). */
  query(statement: Sql | CompiledQuery): Promise<DriverRow[]> {
    return this.#run(statement, (sql, params) => this.session.query(sql, params));
  }

  /** Runs a statement that returns at most one row, and gives that row. */
  queryFirst(statement: Sql | CompiledQuery): Promise<DriverRow | undefined> {
    const session = this.session;
    return this.#run(statement, async (sql, params) =>
      session.queryFirst ? session.queryFirst(sql, params) : (await session.query(sql, params))[0],
    );
  }

  async #run<T>(
    statement: Sql | CompiledQuery,
    call: (sql: string, params: unknown[]) => Promise<T>,
  ): Promise<T> {
    this.assertUsable();
    this.#assertInnermost();
    const { sql, params } = statement instanceof Sql ? compile(statement, this.#adapter.dialect) : statement;
    try {
      return await call(sql, params);
    } catch (error) {
      throw this.#failed(error);
    }
  }

  async execute(fragment: Sql): Promise<ExecuteResult> {
    this.assertUsable();
    this.#assertInnermost();
    return this.control(fragment);
  }

  /** Runs a transaction-control statement (savepoints), which must work after a failure. */
  async control(fragment: Sql): Promise<ExecuteResult> {
    const { sql, params } = compile(fragment, this.#adapter.dialect);
    try {
      return await this.session.execute(sql, params);
    } catch (error) {
      throw this.#failed(error);
    }
  }

  /** Refuses statements after the transaction ended or after a failure inside it. */
  assertUsable(): void {
    if (this.ended) {
      throw new TransactionEndedError(
        'This transaction has already ended (committed or rolled back); a call made through it after the end runs nothing.',
      );
    }
    if (this.failure) {
      throw new TransactionAbortedError(
        'A statement in this transaction failed; the transaction must be rolled back. Run statements that may fail in a nested tx.transaction() to go on after them.',
        { cause: this.failure.error },
      );
    }
  }

  /**
   * A statement of an outer level while a nested transaction is open would land inside that
   * savepoint and vanish with its rollback: refused, so the caller awaits the nested one first.
   */
  #assertInnermost(): void {
    if (this.savepointDepth > this.callerDepth()) {
      throw new ValidationError(
        'A statement of the outer transaction ran while a nested transaction was open; await the nested transaction first.',
      );
    }
  }

  #failed(error: unknown): SwitchyardError {
    const classified = this.classify(error);
    if (this.inTransaction && !this.failure) this.failure = { error: classified, depth: this.savepointDepth };
    return classified;
  }

  classify(error: unknown): SwitchyardError {
    return error instanceof SwitchyardError ? error : this.#adapter.classifyError(error, this.#context);
  }
}

/**
 * The children of one transaction or savepoint. Sibling nested transactions queue on their
 * parent's scope, so they run one after another, while a nested transaction inside a nested one
 * gets a scope of its own and never waits for its own parent.
 */
export interface NestingScope {
  readonly executor: Executor;
  readonly depth: number;
  queue: Promise<unknown>;
  /** Set when its transaction or savepoint ended: calls through it are refused. */
  closed: boolean;
}

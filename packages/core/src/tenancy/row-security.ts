import type { Sql } from '../sql/sql-fragment.ts';
import type { RepositoryContext } from '../store/repository-impl.ts';
import type { Executor } from '../store/session.ts';

/**
 * A repository context whose every statement runs in a transaction that first binds the tenant
 * for the database's row-level security policy (the binding ends with the transaction, so a
 * pooled connection never carries it to another caller). Inside a caller's transaction the
 * binding is repeated before each call: calls for several tenants may share one transaction.
 */
export function withRowSecurity(context: RepositoryContext, bind: Sql): RepositoryContext {
  const bound =
    <T>(fn: (executor: Executor) => Promise<T>) =>
    async (executor: Executor): Promise<T> => {
      await executor.query(bind);
      return fn(executor);
    };
  return {
    ...context,
    run: (fn) => context.atomic(bound(fn)),
    atomic: (fn) => context.atomic(bound(fn)),
  };
}

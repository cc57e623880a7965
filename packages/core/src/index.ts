/**
 * @switchyard/core — what applications use. Adapter authors import `@switchyard/core/adapter`.
 */

export type { InferEntity } from '@mikro-orm/core';
export { defineEntity, p } from '@mikro-orm/core';
export type { HealthFinding, IsolationLevel } from './adapter-api.ts';
export { AuditEvent } from './audit/audit-event.ts';
export type {
  AuditInput,
  AuditLog,
  AuditPageOptions,
  AuditQuery,
  AuditRecord,
  AuditVerification,
} from './audit/audit-log.ts';
export { type Capabilities, defaultCapabilities } from './capabilities.ts';
export * from './errors.ts';
export type { HeldLock, LockOptions, Locks } from './locks/lock-types.ts';
export { readMigrations } from './migrations/migration-files.ts';
export {
  type CreateMigrationOptions,
  checkMigrations,
  createMigration,
  type MigrationToolOptions,
} from './migrations/migration-tools.ts';
export type * from './migrations/migration-types.ts';
export type {
  ComparisonOps,
  JsonOps,
  JsonScalar,
  OrderBy,
  OrderTerm,
  StringOps,
  Where,
} from './query/filter-types.ts';
export { foldCase } from './query/fold-case.ts';
export { appendOnly } from './schema/append-only.ts';
export type { PortableKind } from './schema/portable-kind.ts';
export { type SearchDeclaration, searchable } from './search/searchable.ts';
export { registerAdapter } from './store/adapter-loader.ts';
export { redactUrl } from './store/database-url.ts';
export { DEFAULT_DATABASE_URL, type OpenStoreOptions, openStore } from './store/open-store.ts';
export type {
  AnyEntitySchema,
  BulkInsertOptions,
  DoctorReport,
  FindOptions,
  HealthReport,
  InsertInput,
  Page,
  Patch,
  Repository,
  RetryOptions,
  Row,
  SearchHit,
  SearchOptions,
  SearchPage,
  Snippet,
  Store,
  StreamOptions,
  TenantStore,
  TextRange,
  TransactionOptions,
  TransactionScope,
  WriteOptions,
} from './store/store-types.ts';
export type { TenantId } from './tenancy/tenant-binding.ts';
export { type TenantDeclaration, type TenantScopedEntity, tenantScoped } from './tenancy/tenant-scoped.ts';
export { transfer } from './transfer/transfer-runner.ts';
export type * from './transfer/transfer-types.ts';

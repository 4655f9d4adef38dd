/** The store: database factory, migrations and repositories (see docs/store.md). */
export { openStore, type Store } from './open-store.js';
export { migrateToLatest, MigrationError, FolderMigrationProvider, defaultMigrationsDir } from './migrate.js';
export { syncHosts } from './hosts-repo.js';
export { loadPreviousState } from './state-repo.js';
export { createRun, finishRun, markAbandonedRuns, type NewRun, type RunOutcome } from './runs-repo.js';
export { saveHostResult, type SaveHostResultInput } from './host-result-repo.js';
export { appendAudit, listAudit, type AuditInput, type AuditEntry } from './audit-repo.js';
export { acquirePassLock, PASS_LOCK_NAME, type PassLockOptions } from './pass-lock.js';
export type * from './schema.js';

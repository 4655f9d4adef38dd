import { sql } from 'kysely';
import { appendAudit, listAudit } from '../../../src/store/audit-repo.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

describe.each(await testDialects())('audit log on %s', (dialect) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await openTestStore(dialect);
    await appendAudit(store.db, [
      { at: '2026-03-01T10:00:00.000Z', actor: 'run', action: 'host.collected', hostId: 1, runId: 7, detail: { findings: 2 } },
      { at: '2026-03-01T10:00:00.000Z', actor: 'run', action: 'host.failed', hostId: 2, runId: 7 },
      { at: '2026-03-01T11:00:00.000Z', actor: 'setup', action: 'key.pushed' },
    ]);
  });
  afterEach(async () => {
    await store.cleanup();
  });

  it('lists the newest events first, up to the limit', async () => {
    const entries = await listAudit(store.db, { limit: 2 });

    expect(entries).toEqual([
      { id: expect.any(Number), at: '2026-03-01T11:00:00.000Z', actor: 'setup', action: 'key.pushed', hostId: null, host: null, runId: null, detail: {} },
      { id: expect.any(Number), at: '2026-03-01T10:00:00.000Z', actor: 'run', action: 'host.failed', hostId: 2, host: null, runId: 7, detail: {} },
    ]);
    expect((await listAudit(store.db, { limit: 10 }))[2]?.detail).toEqual({ findings: 2 });
  });

  it('accepts an empty batch', async () => {
    await appendAudit(store.db, []);
    expect(await listAudit(store.db, { limit: 10 })).toHaveLength(3);
  });

  // Error messages are checked by property: better-sqlite3 errors come from outside jest's realm and fail toThrow.
  it('rejects UPDATE in the database itself', async () => {
    await expect(store.db.updateTable('audit_log').set({ actor: 'mallory' }).execute()).rejects.toHaveProperty(
      'message',
      expect.stringContaining('audit_log is append-only'),
    );
    await expect(sql`update audit_log set detail = '{}'`.execute(store.db)).rejects.toHaveProperty(
      'message',
      expect.stringContaining('audit_log is append-only'),
    );
  });

  it('rejects DELETE in the database itself', async () => {
    await expect(store.db.deleteFrom('audit_log').where('action', '=', 'host.failed').execute()).rejects.toHaveProperty(
      'message',
      expect.stringContaining('audit_log is append-only'),
    );
    expect(await listAudit(store.db, { limit: 10 })).toHaveLength(3);
  });

  it('rejects emptying the table (TRUNCATE on PostgreSQL, DELETE of every row on SQLite)', async () => {
    // SQLite has no TRUNCATE; its DELETE without WHERE is covered by the delete trigger.
    const statement = dialect === 'postgres' ? sql`truncate audit_log` : sql`delete from audit_log`;
    await expect(statement.execute(store.db)).rejects.toHaveProperty(
      'message',
      expect.stringContaining('audit_log is append-only'),
    );
  });
});

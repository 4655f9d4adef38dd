/**
 * audit_log stays append-only in the database after migration 0011, retention excepted: a DELETE passes only for rows
 * older than the cutoff of a gate row, which retention inserts and removes inside its own transaction.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { defaultRetentionSettings } from '../../../src/config/retention-settings.js';
import { appendAudit, listAudit } from '../../../src/store/audit-repo.js';
import { runRetention } from '../../../src/store/retention.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

const NOW = new Date('2026-06-15T12:00:00.000Z');
const DAY_MS = 86_400_000;
// Checked by message, not toThrow: better-sqlite3's errors come from outside jest's realm (test/unit/store/audit-repo.test.ts).
const REFUSED = /audit_log is append-only/;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY_MS).toISOString();

describe.each(await testDialects())('audit_log guard on %s', (dialect) => {
  let store: TestStore;
  let dir: string;
  beforeEach(async () => {
    store = await openTestStore(dialect);
    dir = await mkdtemp(path.join(tmpdir(), 'dthm-audit-'));
    await appendAudit(store.db, [100, 91, 89, 1].map((days) => ({ at: ago(days), actor: 'run', action: 'pass.started', detail: { days } })));
  });
  afterEach(async () => {
    await store.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const ages = async () => (await listAudit(store.db, { limit: 100 })).map((e) => (e.detail as { days: number }).days);

  it('refuses a plain UPDATE and DELETE with the trigger message, of old rows too, while no gate exists', async () => {
    await expect(store.db.updateTable('audit_log').set({ actor: 'mallory' }).execute()).rejects.toHaveProperty('message', expect.stringMatching(REFUSED));
    await expect(store.db.deleteFrom('audit_log').where('at', '<', ago(90)).execute()).rejects.toHaveProperty('message', expect.stringMatching(REFUSED));
    await expect(store.db.deleteFrom('audit_log').execute()).rejects.toHaveProperty('message', expect.stringMatching(REFUSED));
    expect(await ages()).toEqual([1, 89, 91, 100]);
  });

  it('lets a gated DELETE remove only rows older than the cutoff, and still refuses UPDATE under a gate', async () => {
    const tooMuch = store.db.transaction().execute(async (trx) => {
      await trx.insertInto('retention_gate').values({ cutoff: ago(90) }).execute();
      await trx.deleteFrom('audit_log').execute();
    });
    await expect(tooMuch).rejects.toHaveProperty('message', expect.stringMatching(REFUSED));
    const update = store.db.transaction().execute(async (trx) => {
      await trx.insertInto('retention_gate').values({ cutoff: ago(90) }).execute();
      await trx.updateTable('audit_log').set({ actor: 'mallory' }).where('at', '<', ago(90)).execute();
    });
    await expect(update).rejects.toHaveProperty('message', expect.stringMatching(REFUSED));
    expect(await ages()).toEqual([1, 89, 91, 100]);
    expect(await store.db.selectFrom('retention_gate').selectAll().execute()).toEqual([]);
  });

  it('retention deletes exactly the audit rows older than the window, archived, and leaves no gate row', async () => {
    const settings = { ...defaultRetentionSettings(dir), archiveDir: path.join(dir, 'archive') };
    const summary = await runRetention(store, { retention: settings }, { now: NOW });
    expect(summary.deletedRows).toEqual({ audit_log: 2 });
    expect(summary.archivedRows).toEqual({ audit_log: 2 });
    expect(await ages()).toEqual([1, 89]);
    expect(await store.db.selectFrom('retention_gate').selectAll().execute()).toEqual([]);
    // The gate is gone with its transaction: a manual DELETE of what is left is refused again.
    await expect(store.db.deleteFrom('audit_log').execute()).rejects.toHaveProperty('message', expect.stringMatching(REFUSED));
    if (dialect === 'postgres') await expect(sql`truncate audit_log`.execute(store.db)).rejects.toHaveProperty('message', expect.stringMatching(REFUSED));
  });
});

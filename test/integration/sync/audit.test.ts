/**
 * A written sync in the audit trail: one `config.changed` row by the OS user in the store the config names, when that
 * store exists; none (and no store file created) before the first pass; a warning when the store cannot be known.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { osUserActor } from '../../../src/cli/os-user.js';
import { listAudit } from '../../../src/store/audit-repo.js';
import { migrateToLatest } from '../../../src/store/migrate.js';
import { openStore } from '../../../src/store/open-store.js';
import { runSync, stage, type Staged } from './stage.js';

describe('sync-config and the audit trail', () => {
  let staged: Staged;
  beforeEach(() => {
    staged = stage('divtools', 'commented.yaml');
  });
  afterEach(() => staged.cleanup());

  const store = () => openStore({ dialect: 'sqlite', path: join(staged.dir, 'dthostmon.db') });

  it('records the hosts and sites it changed, by name, as the OS user', async () => {
    const created = await store();
    await migrateToLatest(created.db);
    await created.close();

    const res = await runSync(staged, { json: true });
    expect([res.code, res.stderr]).toEqual([0, '']);
    const summary = JSON.parse(res.stdout) as { hosts: { added: Array<{ name: string }>; updated: Array<{ name: string }> } };

    const reopened = await store();
    try {
      const rows = await listAudit(reopened.db, { limit: 10 });
      expect(rows).toEqual([
        {
          id: expect.any(Number),
          at: expect.any(String),
          actor: osUserActor(),
          action: 'config.changed',
          hostId: null,
          host: null,
          runId: null,
          detail: {
            file: staged.configPath,
            by: 'sync-config',
            hosts: { added: summary.hosts.added.map((h) => h.name), updated: summary.hosts.updated.map((h) => h.name), removed: [] },
            sites: { added: expect.any(Array), updated: expect.any(Array) },
          },
        },
      ]);
      expect(summary.hosts.added.length).toBeGreaterThan(0);
      // Names only: no value of the config (the SMTP host variable, users, paths of keys) is in the row.
      expect(JSON.stringify(rows[0]?.detail)).not.toMatch(/SMTP_HOST|smtp/);
    } finally {
      await reopened.close();
    }
  });

  it('creates no store to record into before the first pass', async () => {
    expect((await runSync(staged)).code).toBe(0);
    expect(staged.files()).toEqual(['dthostmon.yaml', 'dthostmon.yaml.bak', 'sites']);
  });

  it('warns when the store settings use a variable that is not set', async () => {
    appendFileSync(staged.configPath, '\ndatabase:\n  url: ${DTHM_T_UNSET_DB_URL}\n');
    const res = await runSync(staged, { quiet: true });
    expect(res.code).toBe(0);
    expect(res.stderr.split('\n').filter((l) => l.includes('audit'))).toEqual(['warning: not recorded in the audit trail: database.url uses ${DTHM_T_UNSET_DB_URL}, unset here']);
  });
});

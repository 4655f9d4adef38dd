/**
 * The whole sync on the divtools layout (test/fixtures/sites/divtools, reference section 13) into a hand-written
 * dthostmon.yaml with comments (configs/commented.yaml): every merge rule, the exact dry-run diff, the write
 * (backup, atomic, validated), idempotence and comment preservation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfigText } from '../../../src/config/load.js';
import { planSync } from '../../../src/sync/plan.js';
import { runSync, sitesFixture, stage, type Staged } from './stage.js';

type Host = Record<string, unknown> & { name: string };

describe('sync-config on the divtools layout', () => {
  let staged: Staged;
  beforeEach(() => {
    staged = stage('divtools', 'commented.yaml');
  });
  afterEach(() => staged.cleanup());

  const plan = (extra: Partial<Parameters<typeof planSync>[0]> = {}) =>
    planSync({ configPath: staged.configPath, sitesDir: staged.sitesDir, env: {}, scope: {}, prune: false, ...extra });
  const hostsOf = (text: string) => (parse(text) as { hosts: Host[] }).hosts;
  const host = (text: string, name: string) => hostsOf(text).find((h) => h.name === name);

  it('--dry-run prints exactly the expected unified diff and writes nothing', async () => {
    const before = staged.read();
    const res = await runSync(staged, { dryRun: true });
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(readFileSync(sitesFixture('expected', 'divtools-commented.diff'), 'utf8'));
    expect(res.stderr).toContain(`dry run: ${staged.configPath} would be updated (nothing written)`);
    expect(staged.read()).toBe(before);
    expect(staged.files()).toEqual(['dthostmon.yaml', 'sites']);
  });

  it('applies every rule of the issue', () => {
    const p = plan();
    const text = p.newText;
    expect(p.log.errors).toEqual([]);

    // Hosts get their site; the original's entry without a site is adopted; hidden folders and s00-* are no sites.
    expect(hostsOf(text).map((h) => [h.name, h.site ?? null])).toEqual([
      ['ads1-98', 's01-7692nh'],
      ['manual-box', null],
      ['old-box', 's01-7692nh'],
      ['retired', 's09-gone'],
      ['gpu1-75', 's01-7692nh'],
      ['tnapp01', 's01-7692nh'],
      ['ads1-98.s04-avc', 's04-avc'],
      ['nas01', 's04-avc'],
    ]);
    // Folders without dthostmon configuration are listed, never written.
    expect(p.skipped.map((s) => `${s.site}/${s.folder}: ${s.reason}`)).toEqual([
      's01-7692nh/frigate2: no dthostmon configuration (add dthm-frigate2.yaml or DTHM_HOST_* lines to .env.frigate2)',
      's01-7692nh/media: no dthostmon configuration (add dthm-media.yaml or DTHM_HOST_* lines to .env.media)',
      's01-7692nh/opn01: no dthostmon configuration (add dthm-opn01.yaml or DTHM_HOST_* lines to .env.opn01)',
    ]);

    // export lines, inline comments, one-item and messy lists, ${VAR} from s00-shared, site host defaults.
    expect(host(text, 'ads1-98')).toEqual({
      name: 'ads1-98',
      site: 's01-7692nh',
      hostname: '10.1.1.98',
      port: 22,
      tags: ['ads', 'samba'],
      logs: ['/var/log/samba/log.samba', '/var/log/syslog'],
      user: 'divix',
      check_docker: true,
    });
    // The scaffold's name: host01 is not used; log_paths -> logs; monitoring.check_* -> host keys; ${{VAR}} for run
    // time; ${VAR} from the host's env file; an unset one kept; nested DTHM keys; the env file beats the YAML.
    expect(host(text, 'gpu1-75')).toEqual({
      name: 'gpu1-75',
      site: 's01-7692nh',
      hostname: '10.1.1.75',
      port: 2222,
      user: 'divix',
      enabled: true,
      tags: ['gpu', 'ollama'],
      check_docker: true,
      monitoring: { check_disk: true, check_services: ['ollama', 'docker'] },
      key_path: '${GPU_SSH_KEY}',
      logs: ['/var/log/syslog', '/opt/gpu1/logs/ollama.log', '${RUNTIME_LOG_DIR}/error.log', '${GPU_LOG_DIR}/nvidia.log'],
      check_apt: true,
      thresholds: { disk_percent: 95 },
    });
    // The legacy dthm-host.yaml; `enabled: no` is false; a one-word tag is a list.
    expect(host(text, 'tnapp01')).toMatchObject({ hostname: 'tnapp01.lan', enabled: false, tags: ['truenas'] });
    // DTHM_HOST_PORT=1 is port 1; 0 is false; nested keys; dthm-nas01.yaml wins over dthm-host.yaml.
    expect(host(text, 'nas01')).toEqual({
      name: 'nas01',
      site: 's04-avc',
      hostname: 'nas01.avc.lan',
      port: 1,
      user: '${NAS_USER:-admin}',
      enabled: false,
      logs: ['/var/log/messages'],
      watch_files: ['/etc/exports'],
      monitoring: { check_services: ['nfs'] },
      disk_growth: { step: '5%' },
      check_docker: false,
    });
    // The same folder name in another site does not collide.
    expect(host(text, 'ads1-98.s04-avc')).toEqual({ name: 'ads1-98.s04-avc', site: 's04-avc', hostname: '10.4.1.98', user: 'avc' });
    expect(p.hosts.find((h) => h.name === 'ads1-98.s04-avc')?.notes).toEqual(['named ads1-98.s04-avc: "ads1-98" is already used by site s01-7692nh']);

    // Sites are deep-merged: keys set by hand stay; a site without settings gets no entry.
    const sites = (parse(text) as { sites: Record<string, unknown> }).sites;
    expect(sites['s01-7692nh']).toEqual({
      report_frequency: 'weekly',
      send_site_reports: false,
      enabled: true,
      resource_thresholds: { health: '0-25', critical: '85-100' },
      alert_recipients: ['home-ops@example.org'],
      tags: ['home'],
    });
    // s04-avc has no settings of its own but synced hosts: an empty entry, so their `site:` names a defined site.
    expect(Object.keys(sites)).toEqual(['s01-7692nh', 's02-austin', 's04-avc']);
    expect(p.sites).toEqual([
      { id: 's01-7692nh', status: 'updated' },
      { id: 's04-avc', status: 'added' },
    ]);

    // Unresolved variables and warnings are reported with file and key.
    expect(p.log.unresolved).toEqual([
      { file: join(staged.sitesDir, 's01-7692nh/gpu1-75/dthm-gpu1-75.yaml'), line: 18, key: 'log_paths[3]', name: 'GPU_LOG_DIR' },
    ]);
    expect(p.log.warnings).toEqual([
      `${join(staged.sitesDir, 's00-shared/.env.s00-shared')}:5 DTHM_HOST_USER: ignored: s00-shared is not a site (its variables only feed \${VAR})`,
      `${join(staged.sitesDir, 's01-7692nh/gpu1-75/dthm-gpu1-75.yaml')}:2:1 name: "host01" is not used: the host is named after its folder ("gpu1-75")`,
      `${join(staged.sitesDir, 's04-avc/nas01/dthm-host.yaml')}: ignored: dthm-nas01.yaml is used (remove one of the two)`,
    ]);
  });

  it('the folder variables beat the environment of the sync; the environment fills the rest', () => {
    const p = plan({ env: { APP_DIR: '/from/process', GPU_LOG_DIR: '/gpu', LOG_ROOT: '/process/log' } });
    const gpu = host(p.newText, 'gpu1-75');
    expect(gpu?.logs).toEqual(['/var/log/syslog', '/opt/gpu1/logs/ollama.log', '${RUNTIME_LOG_DIR}/error.log', '/gpu/nvidia.log']);
    // LOG_ROOT of .env.s00-shared beats the process environment.
    expect(host(p.newText, 'ads1-98')?.logs).toEqual(['/var/log/samba/log.samba', '/var/log/syslog']);
    expect(p.log.unresolved).toEqual([]);
  });

  it('writes a valid config with one backup and no temporary file; a second run changes nothing', async () => {
    const original = staged.read();
    const first = await runSync(staged);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('');
    expect(first.stderr).toContain(`${staged.configPath} updated (backup: ${staged.configPath}.bak)`);
    expect(staged.files()).toEqual(['dthostmon.yaml', 'dthostmon.yaml.bak', 'sites']);
    expect(readFileSync(`${staged.configPath}.bak`, 'utf8')).toBe(original);
    const written = staged.read();

    // `run` loads it (run-time variables set).
    const loaded = loadConfigText(written, staged.configPath, {
      env: { SMTP_HOST: 'smtp.example.org', GPU_SSH_KEY: '/k', RUNTIME_LOG_DIR: '/r', GPU_LOG_DIR: '/g' },
      homeDir: '/home/t',
    });
    expect(loaded.hosts.find((h) => h.name === 'gpu1-75')).toMatchObject({ site: 's01-7692nh', port: 2222, user: 'divix', docker: true });
    expect(loaded.hosts.find((h) => h.name === 'nas01')).toMatchObject({ user: 'admin', port: 1, enabled: false });

    // Every comment line of the original is still there, hand-written formatting included.
    for (const line of original.split('\n').filter((l) => l.includes('#'))) expect(written).toContain(line.slice(line.indexOf('#')));
    expect(written).toContain('    health: "0-30"     # quoted on purpose');
    expect(written).toContain("    info:   '31-60'");
    expect(written).toContain('  log_level: INFO      # quiet');

    const second = await runSync(staged);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`${staged.configPath} is up to date`);
    expect(staged.read()).toBe(written);
    expect(readFileSync(`${staged.configPath}.bak`, 'utf8')).toBe(original);
    expect(plan().isChanged).toBe(false);
  });

  it('--prune removes hosts whose folders are gone; without it they are only listed', async () => {
    const listed = await runSync(staged, { dryRun: true });
    expect(listed.stderr).toContain('would be pruned with --prune: old-box (s01-7692nh): host folder s01-7692nh/old-box is gone');
    // A site without a folder may be one written by hand: its hosts are never pruned.
    expect(listed.stderr).not.toContain('retired (s09-gone)');

    const pruned = await runSync(staged, { dryRun: true, prune: true });
    expect(pruned.stdout).toContain('-  # Folder removed from s01-7692nh\n-  - name: old-box\n');
    expect(pruned.stdout).not.toContain('-  - name: retired\n');
    expect(pruned.stdout).not.toContain('-  - name: manual-box');
    expect(pruned.stderr).toContain('  - old-box (s01-7692nh): pruned, host folder s01-7692nh/old-box is gone');

    expect((await runSync(staged, { prune: true })).code).toBe(0);
    expect(hostsOf(staged.read()).map((h) => h.name)).toEqual(['ads1-98', 'manual-box', 'retired', 'gpu1-75', 'tnapp01', 'ads1-98.s04-avc', 'nas01']);
  });

  it('--site and --host scope the sync, the names stay those of a full sync', () => {
    const site = plan({ scope: { site: 's04-avc' } });
    expect(site.hosts.map((h) => h.name)).toEqual(['ads1-98.s04-avc', 'nas01']);
    expect(site.sites).toEqual([{ id: 's04-avc', status: 'added' }]);
    expect(site.skipped).toEqual([]);
    expect(site.prunable).toEqual([]);
    const one = plan({ scope: { host: 'ads1-98' } });
    expect(one.hosts.map((h) => `${h.site}/${h.folder} ${h.name}`)).toEqual(['s01-7692nh/ads1-98 ads1-98', 's04-avc/ads1-98 ads1-98.s04-avc']);
    const both = plan({ scope: { site: 's01-7692nh', host: 'gpu1-75' } });
    expect(both.hosts.map((h) => h.name)).toEqual(['gpu1-75']);
    expect(hostsOf(both.newText).map((h) => h.name)).toEqual(['ads1-98', 'manual-box', 'old-box', 'retired', 'gpu1-75']);
    expect(() => plan({ scope: { site: 's07-nope' } })).toThrow('site s07-nope not found in');
    expect(() => plan({ scope: { site: 's04-avc', host: 'gpu1-75' } })).toThrow(`host folder gpu1-75 not found in ${join(staged.sitesDir, 's04-avc')}`);
  });

  it('--json prints the summary as one JSON object', async () => {
    const res = await runSync(staged, { json: true, dryRun: true });
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
    const summary = JSON.parse(res.stdout) as Record<string, unknown> & { hosts: Record<string, { name: string }[]> };
    expect(summary).toMatchObject({
      config: staged.configPath,
      sitesDir: staged.sitesDir,
      dryRun: true,
      changed: true,
      written: false,
      backup: null,
      sites: [
        { id: 's01-7692nh', status: 'updated' },
        { id: 's04-avc', status: 'added' },
      ],
      errors: [],
      unresolved: [{ key: 'log_paths[3]', name: 'GPU_LOG_DIR' }],
    });
    expect(summary.hosts.added?.map((h) => h.name)).toEqual(['gpu1-75', 'tnapp01', 'ads1-98.s04-avc', 'nas01']);
    expect(summary.hosts.updated?.map((h) => h.name)).toEqual(['ads1-98']);
    expect(summary.hosts.wouldPrune?.map((h) => h.name)).toEqual(['old-box']);
    expect((summary.skipped as unknown[]).length).toBe(3);
    expect(summary.diff).toBe(readFileSync(sitesFixture('expected', 'divtools-commented.diff'), 'utf8'));

    const written = JSON.parse((await runSync(staged, { json: true })).stdout) as Record<string, unknown>;
    expect(written).toMatchObject({ dryRun: false, changed: true, written: true, created: false, backup: `${staged.configPath}.bak` });
    expect(written.diff).toBeUndefined();
  });

  it('--debug lists the files read and what each contributed', async () => {
    const res = await runSync(staged, { dryRun: true, debug: true });
    expect(res.stderr).toContain(`debug: ${join(staged.sitesDir, 's01-7692nh/gpu1-75/.env.gpu1-75')}:4 DTHM_HOST_PORT -> port`);
    expect(res.stderr).toContain(`debug: ${join(staged.sitesDir, 's01-7692nh/dthm-site.yaml')}: enabled, resource_thresholds, alert_recipients`);
    expect(res.stderr).toContain('debug: s01-7692nh/ads1-98: existing entry hosts[0] + site defaults + s01-7692nh/ads1-98/.env.ads1-98 -> ads1-98 (updated)');
    expect(existsSync(`${staged.configPath}.bak`)).toBe(false);
  });
});

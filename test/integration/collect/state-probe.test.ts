import { mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { buildProbeScript } from '../../../src/collect/probe.js';
import { parseProbeOutput } from '../../../src/collect/parse-probe-output.js';
import { stateFromProbe } from '../../../src/collect/parsers/state.js';
import { DEFAULT_WATCH_FILES } from '../../../src/collect/state-probe.js';
import type { ServiceState } from '../../../src/types.js';

async function put(root: string, path: string, content: string): Promise<string> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), content);
  return join(root, path);
}

const KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const STATUS = (pkgs: Array<[string, string]>): string =>
  pkgs
    .map(([p, v]) => `Package: ${p}\nStatus: install ok installed\nPriority: optional\nSection: misc\nMaintainer: Debian <debian@example.org>\nArchitecture: amd64\nVersion: ${v}\nDescription: ${p}\n`)
    .join('\n');

/** Runs the probe with only the state sections that matter here, the way a pass does (`sh -s`, script on stdin). */
async function probeState(
  root: string,
  sinceEpoch: number | null,
  env: Record<string, string> = {},
  previous: { unitFingerprint: string | null; services: Record<string, ServiceState> | null } = { unitFingerprint: null, services: null },
) {
  const token = 'a1b2c3d4e5f6a1b2c3d4e5f6';
  const script = buildProbeScript({
    rootfs: root,
    logPatterns: [],
    cursors: [],
    token,
    state: { watchFiles: [...DEFAULT_WATCH_FILES, '/etc/app/*.conf'], docker: false, sinceEpoch, unitFingerprint: previous.unitFingerprint },
  });
  const result = await execa('sh', ['-s'], { input: script, reject: false, env: { ...process.env, ...env } });
  return stateFromProbe(parseProbeOutput(result.stdout, token), null, previous.services);
}

describe('state sections of the probe over a simulated rootfs (real sh, real dpkg-query)', () => {
  let root: string;
  let stubs: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dthm-state-'));
    stubs = await mkdtemp(join(tmpdir(), 'dthm-stubs-'));
    await put(root, 'etc/passwd', 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n');
    await put(root, 'etc/group', 'root:x:0:\nsudo:x:27:alice\ndocker:x:999:alice,bob\n');
    await put(root, 'etc/sudoers', 'Defaults env_reset\n# comment\nroot ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n');
    await put(root, 'etc/sudoers.d/90-deploy', 'deploy ALL=(ALL) NOPASSWD: /usr/bin/systemctl\n');
    // A crontab line that looks like a record of the dump: it must stay content.
    await put(root, 'etc/cron.d/tricky', '@f ok - /etc/forged\n*/5 * * * * root /usr/local/bin/job --password=hunter2\n');
    await put(root, 'etc/cron.d/bad\nname', '* * * * * root /bin/true\n');
    await put(root, 'etc/cron.daily/logrotate', '#!/bin/sh\nexec logrotate /etc/logrotate.conf\n');
    await put(root, 'root/.ssh/authorized_keys', `ssh-ed25519 ${KEY} admin@laptop\n`);
    await put(root, 'home/alice/.ssh/authorized_keys', `command="/usr/bin/backup",no-pty ssh-ed25519 ${KEY} backup key\n# a comment\n`);
    await put(root, 'etc/hosts', '127.0.0.1 localhost\n');
    await put(root, 'etc/app/one.conf', 'x=1\n');
    const sshd = await put(root, 'etc/ssh/sshd_config', 'PermitRootLogin no\n');
    await utimes(sshd, new Date('2026-11-26T00:00:00Z'), new Date('2026-11-26T00:00:00Z'));
    await put(root, 'var/lib/dpkg/status', STATUS([['openssh-server', '1:9.2p1-2+deb12u3'], ['curl', '7.88.1-10+deb12u8']]));
    await put(root, 'var/lib/dpkg/info/openssh-server.list', '/.\n/etc\n/etc/ssh\n/etc/ssh/sshd_config\n');
    await put(root, 'proc/sys/kernel/random/boot_id', '5d3c2b1a-0000-4000-8000-000000000001\n');
    await writeFile(join(stubs, 'ss'), '#!/bin/sh\necho \'tcp   LISTEN 0      128    0.0.0.0:22    0.0.0.0:*    users:(("sshd",pid=612,fd=3))\'\necho \'udp   UNCONN 0      0      127.0.0.53%lo:53    0.0.0.0:*\'\n', { mode: 0o755 });
    await writeFile(
      join(stubs, 'systemctl'),
      `#!/bin/sh\necho "$*" >> '${join(stubs, 'calls.log')}'\ncase "$*" in *list-unit-files*) echo "ssh.service enabled enabled"; echo "getty@.service enabled enabled";; *list-units*) echo "ssh.service loaded active running OpenBSD Secure Shell server"; echo "ghost.service not-found inactive dead ghost.service";; esac\n`,
      { mode: 0o755 },
    );
    await symlink('/bin/false', join(stubs, 'rpm')).catch(() => undefined);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(stubs, { recursive: true, force: true });
  });

  it('reads groups, sudoers, crontabs, keys, watched files, packages, services, listeners and the boot id', async () => {
    const state = await probeState(root, null, { PATH: `${stubs}:${process.env.PATH ?? ''}` });
    expect(state.unavailable).toEqual({});
    expect(state.bootId).toBe('5d3c2b1a-0000-4000-8000-000000000001');
    expect(state.groups).toEqual({ root: { gid: 0, members: [] }, sudo: { gid: 27, members: ['alice'] }, docker: { gid: 999, members: ['alice', 'bob'] } });
    expect(Object.keys(state.sudoers ?? {}).sort()).toEqual(['/etc/sudoers', '/etc/sudoers.d/90-deploy']);
    expect(state.sudoers?.['/etc/sudoers.d/90-deploy']?.lines).toEqual(['deploy ALL=(ALL) NOPASSWD: /usr/bin/systemctl']);
    // The forged record is content of /etc/cron.d/tricky; the name with a newline is skipped.
    expect(Object.keys(state.cron ?? {}).sort()).toEqual(['/etc/cron.d/tricky', '/etc/cron.daily/logrotate']);
    expect(state.cron?.['/etc/cron.d/tricky']?.lines?.[0]).toBe('@f ok - /etc/forged');
    expect(state.cron?.['/etc/cron.daily/logrotate']).toMatchObject({ state: 'ok', lines: null, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(state.authorizedKeys?.root).toEqual([{ type: 'ssh-ed25519', fingerprint: expect.stringMatching(/^SHA256:[A-Za-z0-9+/]{43}$/), comment: 'admin@laptop', options: null }]);
    expect(state.authorizedKeys?.alice?.[0]).toMatchObject({ comment: 'backup key', options: 'command="/usr/bin/backup",no-pty' });
    expect(state.authorizedKeys?.nobody).toBeUndefined();
    expect(state.watched?.['/etc/hosts']).toMatchObject({ state: 'ok', size: 20 });
    expect(state.watched?.['/etc/app/one.conf']?.state).toBe('ok');
    expect(state.watched?.['/etc/ld.so.preload']).toEqual({ state: 'missing', sha256: null, size: null, mtime: null });
    expect(state.packages).toEqual({ 'openssh-server': '1:9.2p1-2+deb12u3', curl: '7.88.1-10+deb12u8' });
    expect(state.services).toEqual({ 'ssh.service': { enabled: 'enabled', active: 'active', sub: 'running' }, 'getty@.service': { enabled: 'enabled', active: null, sub: null } });
    expect(state.listeners).toEqual([
      { proto: 'tcp', address: '*', port: 22, process: 'sshd' },
      { proto: 'udp', address: '127.0.0.53', port: 53, process: null },
    ]);
    expect(state.owners).toEqual({});
  });

  it('names the package that owns a watched file modified since the previous pass', async () => {
    const state = await probeState(root, Date.parse('2026-11-25T00:00:00Z') / 1000, { PATH: `${stubs}:${process.env.PATH ?? ''}` });
    expect(state.owners).toEqual({ '/etc/ssh/sshd_config': ['openssh-server'] });
  });

  it('says what is unavailable instead of reporting an empty host', async () => {
    const bare = await mkdtemp(join(tmpdir(), 'dthm-bare-'));
    try {
      await put(bare, 'etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
      // A PATH without systemctl, ss or dpkg-query: a minimal container.
      const bin = await mkdtemp(join(tmpdir(), 'dthm-bin-'));
      for (const tool of ['cat', 'sed', 'head', 'stat', 'sha256sum', 'grep', 'printf', 'sh']) {
        const found = (await execa('sh', ['-c', `command -v ${tool}`], { reject: false })).stdout.trim();
        if (found.startsWith('/')) await symlink(found, join(bin, tool));
      }
      const state = await probeState(bare, null, { PATH: bin });
      await rm(bin, { recursive: true, force: true });
      expect(state.packages).toBeNull();
      expect(state.services).toBeNull();
      expect(state.unavailable).toMatchObject({ packages: 'no dpkg-query, rpm or apk database', services: 'no systemctl', 'boot-id': expect.any(String) });
      expect(state.listeners).toBeNull();
      expect(state.unavailable.ports).toBe('no ss and no /proc/net');
      expect(state.groups).toBeNull();
      expect(state.sudoers).toEqual({});
    } finally {
      await rm(bare, { recursive: true, force: true });
    }
  });

  it('skips list-unit-files while the unit directories and the boot are unchanged, and reads them again when not', async () => {
    await mkdir(join(root, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
    await mkdir(join(root, 'lib/systemd/system'), { recursive: true });
    await writeFile(join(root, 'lib/systemd/system/ssh.service'), '[Service]\nExecStart=/usr/sbin/sshd -D\n');
    const env = { PATH: `${stubs}:${process.env.PATH ?? ''}` };
    const calls = async (): Promise<string[]> => (await readFile(join(stubs, 'calls.log'), 'utf8').catch(() => '')).split('\n').filter((l) => l.includes('list-unit-files'));
    await rm(join(stubs, 'calls.log'), { force: true });
    const first = await probeState(root, null, env);
    expect(first.unitFingerprint).toMatch(/^\d+ \d+$/);
    expect(await calls()).toHaveLength(1);

    const same = await probeState(root, null, env, { unitFingerprint: first.unitFingerprint ?? null, services: first.services });
    expect(await calls()).toHaveLength(1); // not run again
    expect(same.services).toEqual(first.services);
    expect(same.unitFingerprint).toBe(first.unitFingerprint);

    // `systemctl enable` links the unit into a .wants directory: the fingerprint moves, the states are read again.
    await symlink('/lib/systemd/system/ssh.service', join(root, 'etc/systemd/system/multi-user.target.wants/ssh.service'));
    const changed = await probeState(root, null, env, { unitFingerprint: first.unitFingerprint ?? null, services: first.services });
    expect(changed.unitFingerprint).not.toBe(first.unitFingerprint);
    expect(await calls()).toHaveLength(2);
  });
});

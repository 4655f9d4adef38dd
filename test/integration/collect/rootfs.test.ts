import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { collectHost } from '../../../src/collect/collect-host.js';
import { createLocalTransport } from '../../../src/collect/local-transport.js';
import { noPreviousState, testHost } from './host-fixture.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');
const AUTH = [
  '2026-11-25T18:42:51.123456+00:00 sim-01 sshd[812]: Failed password for invalid user admin from 198.51.100.7 port 52144 ssh2',
  '2026-11-25T18:42:55.000000+00:00 sim-01 sshd[812]: Accepted publickey for dtmon from 10.0.0.2 port 40000 ssh2',
  '2026-11-25T18:43:00.000000+00:00 sim-01 kernel: [ 12.345678] Out of memory: Killed process 4242 (java)',
];

async function put(root: string, path: string, content: string): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), content);
}

describe('collectHost with rootfs pointing at a simulated host', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dthm-rootfs-'));
    const fixture = async (parser: string, name: string) => readFile(join(FIXTURES, parser, `${name}.txt`), 'utf8');
    await put(root, 'etc/os-release', await fixture('os-release', 'debian-12'));
    await put(root, 'etc/hostname', 'sim-01\n');
    await put(root, 'etc/passwd', await fixture('passwd', 'debian'));
    await put(root, 'proc/sys/kernel/osrelease', '6.1.0-28-amd64\n');
    await put(root, 'proc/uptime', '86400.25 170000.00\n');
    await put(root, 'proc/loadavg', '0.50 0.40 0.30 1/200 999\n');
    await put(root, 'proc/stat', await fixture('proc-stat', 'before'));
    await put(root, 'proc/meminfo', await fixture('meminfo', 'debian-12'));
    await put(root, 'var/log/auth.log', `${AUTH.join('\n')}\n`);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads facts and logs under rootfs and reports paths without it', async () => {
    const host = testHost({ rootfs: root, logs: ['/var/log/auth.log', '/var/log/syslog'] });
    const transport = createLocalTransport();
    const deps = { clock: () => new Date('2026-11-26T00:00:00Z'), signal: new AbortController().signal, cpuSampleSeconds: 0 };
    try {
      const first = await collectHost(host, transport, noPreviousState(), deps);
      expect(first.failures).toEqual([]);
      expect(first.facts).toMatchObject({
        hostname: 'sim-01',
        os: { id: 'debian', version: '12 (bookworm)' },
        kernel: '6.1.0-28-amd64',
        uptimeSeconds: 86400.25,
        load: { one: 0.5, five: 0.4, fifteen: 0.3 },
        cpu: { cores: 2, usedPercent: null },
        memory: { totalBytes: 24683620 * 1024 },
        disks: [],
      });
      expect(first.facts?.users?.find((u) => u.name === 'dtmon')).toEqual({ name: 'dtmon', uid: 1001, gid: 1001, home: '/home/dtmon', shell: '/bin/bash' });
      expect(first.logs.map((r) => [r.source, r.program, r.message])).toEqual([
        ['/var/log/auth.log', 'sshd', 'Failed password for invalid user admin from 198.51.100.7 port 52144 ssh2'],
        ['/var/log/auth.log', 'sshd', 'Accepted publickey for dtmon from 10.0.0.2 port 40000 ssh2'],
        ['/var/log/auth.log', 'kernel', 'Out of memory: Killed process 4242 (java)'],
      ]);
      expect(first.logSources.map((s) => [s.path, s.status])).toEqual([
        ['/var/log/auth.log', 'read'],
        ['/var/log/syslog', 'missing'],
      ]);
      expect(first.cursors).toEqual([expect.objectContaining({ path: '/var/log/auth.log', offset: AUTH.join('\n').length + 1 })]);

      await appendFile(join(root, 'var/log/auth.log'), '2026-11-25T19:00:00.000000+00:00 sim-01 sudo: dtmon : COMMAND=/bin/true\n');
      const second = await collectHost(host, transport, { ...noPreviousState(), cursors: first.cursors }, deps);
      expect(second.logs.map((r) => r.program)).toEqual(['sudo']);
    } finally {
      await transport.close();
    }
  });

  it('caps the first read of a big log at the per-pass byte limit, starting on a line boundary', async () => {
    const big = Array.from({ length: 2000 }, (_, i) => `2026-11-25T18:00:00Z sim-01 app[1]: event ${i}`).join('\n') + '\n';
    await put(root, 'var/log/big.log', big);
    const host = testHost({ rootfs: `${root}/`, logs: ['/var/log/big.log'], logMaxBytesPerPass: 4096 });
    const transport = createLocalTransport();
    try {
      const snap = await collectHost(host, transport, noPreviousState(), { clock: () => new Date(), signal: new AbortController().signal, cpuSampleSeconds: 0 });
      const messages = snap.logs.map((r) => r.message);
      expect(messages.at(-1)).toBe('event 1999');
      expect(messages.every((m) => /^event \d+$/.test(m))).toBe(true);
      // The window of the last 4096 bytes starts mid-line: that partial line is dropped, every kept line is whole.
      expect(messages.length).toBe(big.slice(-4096).split('\n').length - 2);
      expect(snap.logSources[0]?.bytesRead).toBe(4097);
      expect(snap.logSources[0]).toMatchObject({ status: 'read', skippedBytes: big.length - 4096, note: expect.stringMatching(/^first pass: read last 4 KiB of /) });
      expect(snap.cursors[0]?.offset).toBe(big.length);
    } finally {
      await transport.close();
    }
  });

  it('skips the default logs this host does not have, but reports a configured log that is missing', async () => {
    const logs = ['/var/log/syslog', '/var/log/auth.log', '/var/log/messages', '/var/log/secure'];
    const transport = createLocalTransport();
    const deps = { clock: () => new Date('2026-11-26T00:00:00Z'), signal: new AbortController().signal, cpuSampleSeconds: 0 };
    try {
      const byDefault = await collectHost(testHost({ rootfs: root, logs, origin: { logs: 'default' }, trackChanges: false }), transport, noPreviousState(), deps);
      expect(byDefault.logSources.map((s) => [s.path, s.status])).toEqual([['/var/log/auth.log', 'read']]);
      const configured = await collectHost(testHost({ rootfs: root, logs, origin: { logs: 'host' }, trackChanges: false }), transport, noPreviousState(), deps);
      expect(configured.logSources.map((s) => [s.path, s.status])).toEqual([
        ['/var/log/syslog', 'missing'],
        ['/var/log/auth.log', 'read'],
        ['/var/log/messages', 'missing'],
        ['/var/log/secure', 'missing'],
      ]);
    } finally {
      await transport.close();
    }
  });
});

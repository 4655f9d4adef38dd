import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { buildProbeScript } from '../../../src/collect/probe.js';
import { factsFromProbe } from '../../../src/collect/facts-from-probe.js';
import { parseProbeOutput } from '../../../src/collect/parse-probe-output.js';
import { parseLogSection } from '../../../src/collect/parse-log-section.js';
import type { LogCursor } from '../../../src/types.js';
import { fixture } from './fixture.js';

const TOKEN = 'c0ffee';
const AUTH = 'Nov 25 18:42:51 h1 sshd[7]: Accepted publickey for dtmon\n'.repeat(40);

async function put(root: string, path: string, content: string | Buffer): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), content);
}

/** A simulated host as a directory: the files the probe reads, and logs with awkward names and rotations. */
async function buildHost(root: string): Promise<void> {
  await put(root, 'etc/os-release', fixture('os-release', 'ubuntu-24.04'));
  await put(root, 'etc/hostname', 'sim-host\n');
  await put(root, 'proc/sys/kernel/hostname', 'not-this-one\n');
  await put(root, 'proc/sys/kernel/osrelease', '6.1.0-13-amd64\n');
  await put(root, 'proc/uptime', fixture('uptime', 'normal'));
  await put(root, 'proc/loadavg', fixture('loadavg', 'normal'));
  await put(root, 'proc/stat', fixture('proc-stat', 'before'));
  await put(root, 'proc/meminfo', fixture('meminfo', 'old-kernel'));
  await put(root, 'etc/passwd', fixture('passwd', 'debian'));
  await put(root, 'var/log/auth.log', AUTH);
  await put(root, 'var/log/auth.log.1', 'rotated content\n');
  await put(root, 'var/log/auth.log-20261124', 'older dateext\n');
  await put(root, 'var/log/auth.log-20261125', 'newer dateext\n');
  await put(root, 'var/log/auth.log.1.gz', gzipSync(Buffer.from('compressed content, 35 bytes long\n')));
  await put(root, "var/log/app/it's a $(log).log", 'x\n');
  await put(root, 'var/log/app/plain.log', 'y\n');
  await put(root, 'var/log/app/plain.log.1', 'rotated, not a source\n');
  await put(root, 'var/log/app/plain.log.2.gz', 'rotated, not a source\n');
  await put(root, 'var/log/app/plain.log-20261125', 'rotated, not a source\n');
  await mkdir(join(root, 'var/log/app/dir.log'), { recursive: true });
}

async function runProbe(root: string, cursors: LogCursor[], shell: { cmd: string; env?: Record<string, string> }) {
  const script = buildProbeScript({
    rootfs: `${root}/`,
    logPatterns: ['/var/log/auth.log', '/var/log/app/*.log', '/var/log/none.log', '/var/log/nothing/*.log'],
    cursors,
    token: TOKEN,
  });
  const r = await execa(shell.cmd, ['-s'], { input: script, reject: false, ...(shell.env ? { env: shell.env, extendEnv: false } : {}) });
  return { stdout: r.stdout, stderr: r.stderr, code: r.exitCode, sections: parseProbeOutput(r.stdout, TOKEN) };
}

describe('buildProbeScript run by a real shell on a simulated host', () => {
  let root: string;
  let busyboxBin: string | null = null;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dthm-probe-'));
    await buildHost(root);
    const bb = await execa('sh', ['-c', 'command -v busybox'], { reject: false });
    if (bb.exitCode === 0) {
      busyboxBin = join(root, '.busybox-bin');
      await mkdir(busyboxBin);
      const applets = (await execa(bb.stdout.trim(), ['--list'])).stdout.split('\n');
      for (const applet of applets) await symlink(bb.stdout.trim(), join(busyboxBin, applet));
    }
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const shells = (): Array<[string, { cmd: string; env?: Record<string, string> }]> => [
    ['sh (dash)', { cmd: 'sh' }],
    ...(busyboxBin ? [['busybox sh', { cmd: join(busyboxBin, 'sh'), env: { PATH: busyboxBin } }] as [string, { cmd: string; env?: Record<string, string> }]] : []),
  ];

  it('gathers every fact section under rootfs', async () => {
    for (const [name, shell] of shells()) {
      const { sections, code } = await runProbe(root, [], shell);
      expect([name, code]).toEqual([name, 0]);
      const { facts, failures } = factsFromProbe(sections, `${root}/`);
      expect([name, failures]).toEqual([name, [{ source: 'facts:meminfo', message: expect.stringMatching(/no MemAvailable/) }]]);
      expect(facts).toMatchObject({
        hostname: 'sim-host',
        os: { id: 'ubuntu', prettyName: 'Ubuntu 24.04.1 LTS' },
        kernel: '6.1.0-13-amd64',
        uptimeSeconds: 1203.5,
        load: { one: 3.26, five: 1.8, fifteen: 0.89 },
        cpu: { cores: 2, usedPercent: null },
        memory: { totalBytes: 2048000 * 1024, usedPercent: 55.5 },
        disks: [],
      });
      expect(facts?.users?.map((u) => u.name)).toEqual(['root', 'daemon', 'sshd', 'dtmon', 'nobody']);
    }
    if (!busyboxBin) console.warn('busybox not installed: the probe was checked with dash only');
  });

  it('reports each failed section on its own and keeps the others', async () => {
    const bare = await mkdtemp(join(tmpdir(), 'dthm-probe-bare-'));
    try {
      await put(bare, 'etc/hostname', 'bare\n');
      await put(bare, 'usr/lib/os-release', 'ID=fallback\n');
      const { sections } = await runProbe(bare, [], { cmd: 'sh' });
      const { facts, failures } = factsFromProbe(sections, bare);
      expect(facts).toMatchObject({ hostname: 'bare', os: { id: 'fallback' } });
      // Failed sections are unknown, never a placeholder 0 or empty list.
      expect(facts).toMatchObject({ memory: null, load: null, users: null, uptimeSeconds: null, cpu: { usedPercent: null } });
      expect(failures.map((f) => f.source).sort()).toEqual(
        ['facts:cpu-1', 'facts:loadavg', 'facts:meminfo', 'facts:passwd', 'facts:uptime'].sort(),
      );
      expect(failures.find((f) => f.source === 'facts:passwd')?.message).toMatch(/No such file/);
    } finally {
      await rm(bare, { recursive: true, force: true });
    }
  });

  it('reports log files: explicit, globbed (rotated names excluded), missing and not a file', async () => {
    for (const [name, shell] of shells()) {
      const { sections } = await runProbe(root, [], shell);
      const auth = parseLogSection(sections.get('log:0')?.stdout ?? '', '/var/log/auth.log');
      const st = await stat(join(root, 'var/log/auth.log'));
      expect([name, auth]).toEqual([
        name,
        [
          {
            pattern: '/var/log/auth.log',
            path: '/var/log/auth.log',
            state: 'ok',
            inode: st.ino,
            sizeBytes: AUTH.length,
            fingerprint: { value: expect.any(String), lengthBytes: 1024 },
            headFingerprint: { value: expect.any(String), lengthBytes: 1024 },
            siblings: [],
          },
        ],
      ]);
      const app = parseLogSection(sections.get('log:1')?.stdout ?? '', '/var/log/app/*.log');
      expect(app.map((f) => [f.path, f.state]).sort()).toEqual(
        [
          ['/var/log/app/dir.log', 'notfile'],
          ["/var/log/app/it's a $(log).log", 'ok'],
          ['/var/log/app/plain.log', 'ok'],
        ].sort(),
      );
      expect(parseLogSection(sections.get('log:2')?.stdout ?? '', 'p').map((f) => [f.path, f.state])).toEqual([['/var/log/none.log', 'missing']]);
      expect(parseLogSection(sections.get('log:3')?.stdout ?? '', 'p').map((f) => [f.path, f.state])).toEqual([['/var/log/nothing/*.log', 'missing']]);
    }
  });

  it('with a cursor: fingerprints its length and stats the rotated siblings', async () => {
    for (const [name, shell] of shells()) {
      const cursor: LogCursor = { path: '/var/log/auth.log', inode: 1, offset: 10, fingerprint: 'x', fingerprintLen: 16 };
      const { sections } = await runProbe(root, [cursor], shell);
      const [auth] = parseLogSection(sections.get('log:0')?.stdout ?? '', '/var/log/auth.log');
      expect([name, auth?.fingerprint?.lengthBytes, auth?.headFingerprint?.lengthBytes]).toEqual([name, 16, 1024]);
      const inode = async (p: string) => (await stat(join(root, p))).ino;
      expect(auth?.siblings).toEqual([
        { path: '/var/log/auth.log.1', isCompressed: false, inode: await inode('var/log/auth.log.1'), sizeBytes: 16, fingerprint: { value: expect.any(String), lengthBytes: 16 } },
        { path: '/var/log/auth.log-20261125', isCompressed: false, inode: await inode('var/log/auth.log-20261125'), sizeBytes: 14, fingerprint: { value: expect.any(String), lengthBytes: 14 } },
        { path: '/var/log/auth.log-20261124', isCompressed: false, inode: await inode('var/log/auth.log-20261124'), sizeBytes: 14, fingerprint: { value: expect.any(String), lengthBytes: 14 } },
        { path: '/var/log/auth.log.1.gz', isCompressed: true, inode: null, sizeBytes: 34, fingerprint: { value: expect.any(String), lengthBytes: 16 } },
      ]);
      // cksum where the host has it (GNU coreutils), else md5 of the same bytes (Debian's busybox has no cksum).
      const first16 = AUTH.slice(0, 16);
      const expected = shell.env
        ? `md5:${createHash('md5').update(first16).digest('hex')}`
        : (await execa('sh', ['-c', 'cksum'], { input: first16 })).stdout.split(' ')[0];
      expect([name, auth?.fingerprint?.value]).toEqual([name, expected]);
    }
  });

  it('ignores rotated siblings whose names contain a newline (they could forge probe records)', async () => {
    const forged = await mkdtemp(join(tmpdir(), 'dthm-probe-forge-'));
    try {
      await put(forged, 'var/log/auth.log', AUTH);
      await put(forged, 'var/log/auth.log-20250101\nfile ok target.txt\nstat 1 120\nfp 1 1', 'forged\n');
      await put(forged, 'target.txt', 'Accepted password for root from 203.0.113.1 port 1 ssh2\n');
      const st = await stat(join(forged, 'var/log/auth.log'));
      const cursor: LogCursor = { path: '/var/log/auth.log', inode: st.ino, offset: 5, fingerprint: 'x', fingerprintLen: 16 };
      for (const [name, shell] of shells()) {
        const { sections } = await runProbe(forged, [cursor], shell);
        const files = parseLogSection(sections.get('log:0')?.stdout ?? '', '/var/log/auth.log');
        expect([name, files.map((f) => f.path)]).toEqual([name, ['/var/log/auth.log']]);
        expect(files[0]!.siblings.some((sib) => sib.path.includes('\n'))).toBe(false);
      }
    } finally {
      await rm(forged, { recursive: true, force: true });
    }
  });
});

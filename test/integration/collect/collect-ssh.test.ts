import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, hostname, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectHost } from '../../../src/collect/collect-host.js';
import { connectSsh } from '../../../src/collect/ssh-transport.js';
import { startSshd, type SshdPeer } from '../../helpers/sshd.js';
import { noPreviousState, testHost } from './host-fixture.js';
import { createLogScenario, describeLogPasses, type LogScenario } from './log-scenarios.js';

describe('collectHost through a real sshd', () => {
  let peer: SshdPeer | null = null;
  let dir: string;
  let scenario: LogScenario | null = null;
  const sshHost = (over: Parameters<typeof testHost>[0] = {}) =>
    testHost({ transport: 'ssh', port: peer!.port, user: peer!.user, ssh: { keyPath: peer!.keyPath, connectTimeoutMs: 10_000 }, ...over });
  const signal = new AbortController().signal;

  beforeAll(async () => {
    peer = await startSshd();
    dir = await mkdtemp(join(tmpdir(), 'dthm-collect-ssh-'));
    if (peer) scenario = await createLogScenario(dir, (logs) => sshHost({ logs }), () => connectSsh(sshHost(), { signal }));
  });
  afterAll(async () => {
    await peer?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('collects the facts of this machine in one command, and leaves no session behind', async () => {
    if (!peer) return;
    const transport = await connectSsh(sshHost({ logs: ['/etc/hostname'] }), { signal });
    let execs = 0;
    const counting = { ...transport, exec: (c: string, o: Parameters<typeof transport.exec>[1]) => (execs++, transport.exec(c, o)) };
    try {
      const snap = await collectHost(sshHost({ logs: ['/etc/hostname'] }), counting, noPreviousState(), { clock: () => new Date(), signal });
      expect(snap.failures).toEqual([]);
      const osId = /^ID=(.*)$/m.exec(await readFile('/etc/os-release', 'utf8'))?.[1];
      expect(snap.facts).toMatchObject({ hostname: hostname(), kernel: release(), os: { id: osId }, cpu: { cores: cpus().length } });
      expect(snap.facts?.memory?.totalBytes).toBeGreaterThan(0);
      expect(snap.facts?.disks?.map((d) => d.mount)).toContain('/');
      expect(snap.logSources).toEqual([expect.objectContaining({ path: '/etc/hostname', status: 'read', linesRead: 1 })]);
      expect(execs).toBe(1);
    } finally {
      await transport.close();
    }
    const deadline = Date.now() + 5000;
    while ((await peer.sessionCount()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await peer.sessionCount()).toBe(0);
  });

  it('turns a command timeout into a failure, keeping what arrived', async () => {
    if (!peer) return;
    // Without the state sections (dpkg-query over a full package list can itself take a while on a busy machine), and
    // with 1.5 s for the probe: a loaded CI machine once took longer than 0.4 s for it. The CPU sample sleeps 3 s.
    const host = sshHost({ commandTimeoutMs: 1500, trackChanges: false });
    const transport = await connectSsh(host, { signal });
    try {
      // The probe sleeps between its CPU samples longer than the timeout allows.
      const snap = await collectHost(host, transport, noPreviousState(), { clock: () => new Date(), signal, cpuSampleSeconds: 3 });
      expect(snap.reachable).toBe(true);
      // The second CPU sample sleeps 3 s: that step times out, what the probe gave is kept.
      expect(snap.failures).toContainEqual({ source: 'facts:cpu-2', message: 'timed out after 1.5 s' });
      expect(snap.facts?.hostname).toBeTruthy();
    } finally {
      await transport.close();
    }
  });

  describeLogPasses(() => scenario);
});

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, release } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectHost } from '../../../src/collect/collect-host.js';
import { createLocalTransport } from '../../../src/collect/local-transport.js';
import { noPreviousState, testHost } from './host-fixture.js';
import { createLogScenario, describeLogPasses, type LogScenario } from './log-scenarios.js';

describe('collectHost through the local transport', () => {
  let dir: string;
  let scenario: LogScenario | null = null;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dthm-collect-local-'));
    scenario = await createLogScenario(dir, (logs) => testHost({ logs }), async () => createLocalTransport());
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('collects the facts of this machine', async () => {
    const transport = createLocalTransport();
    try {
      const snap = await collectHost(testHost(), transport, noPreviousState(), { clock: () => new Date(), signal: new AbortController().signal });
      expect(snap.failures).toEqual([]);
      expect(snap.reachable).toBe(true);
      expect(snap.facts).toMatchObject({ hostname: hostname(), kernel: release() });
      expect(snap.facts?.cpu.usedPercent).toEqual(expect.any(Number));
      expect(snap.facts?.disks?.map((d) => d.mount)).toContain('/');
      expect(snap.facts?.users?.map((u) => u.name)).toContain('root');
    } finally {
      await transport.close();
    }
  });

  describeLogPasses(() => scenario);
});

describe('collectHost when a step times out', () => {
  it('returns a snapshot with the failure and the sections that arrived', async () => {
    const transport = createLocalTransport();
    try {
      const host = testHost({ commandTimeoutMs: 1500 });
      const snap = await collectHost(host, transport, noPreviousState(), { clock: () => new Date(), signal: new AbortController().signal, cpuSampleSeconds: 5 });
      // The second CPU sample sleeps 5 s: that step times out, everything the probe gave is kept.
      expect(snap.failures).toEqual([{ source: 'facts:cpu-2', message: 'timed out after 1.5 s' }]);
      expect(snap.facts).toMatchObject({ hostname: hostname(), cpu: { usedPercent: null } });
    } finally {
      await transport.close();
    }
  });

  it('reports an abort of the pass as a failure, not a throw', async () => {
    const transport = createLocalTransport();
    const controller = new AbortController();
    try {
      setTimeout(() => controller.abort(), 300);
      const snap = await collectHost(testHost(), transport, noPreviousState(), { clock: () => new Date(), signal: controller.signal, cpuSampleSeconds: 5 });
      // The probe or the second CPU sample (5 s) is cut off, whichever runs at 300 ms.
      expect(snap.failures).toEqual([{ source: expect.stringMatching(/^(?:probe|facts:cpu-2)$/), message: 'aborted (pass deadline)' }]);
    } finally {
      await transport.close();
    }
  });
});

describe('collectHost with log paths it cannot follow', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dthm-collect-odd-'));
    await writeFile(join(dir, 'old.log.gz'), 'not really gzip');
    await mkdir(join(dir, 'names'));
    await writeFile(join(dir, 'names', 'new\nline.log'), 'x\n');
    await writeFile(join(dir, 'names', 'fine.log'), 'Nov 25 10:00:00 h1 app[1]: fine\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports each as a source error or failure and reads the rest', async () => {
    const transport = createLocalTransport();
    try {
      const host = testHost({ logs: ['var/log/relative.log', join(dir, 'old.log.gz'), join(dir, 'names', '*.log')] });
      const snap = await collectHost(host, transport, noPreviousState(), { clock: () => new Date(), signal: new AbortController().signal, cpuSampleSeconds: 0 });
      expect(snap.logSources.map((s) => [s.path.replace(dir, '<dir>'), s.status, s.note])).toEqual([
        ['var/log/relative.log', 'error', 'log path must be absolute'],
        ['<dir>/old.log.gz', 'error', 'compressed files are not read'],
        ['<dir>/names/fine.log', 'read', 'first pass: read all 32 B'],
        ['(name with a newline)', 'error', 'a matched file name contains a newline; skipped'],
      ]);
      expect(snap.logs.map((r) => r.message)).toEqual(['fine']);
      expect(snap.failures.map((f) => f.message)).toEqual([
        'log path must be absolute',
        'compressed files are not read',
        'a matched file name contains a newline; skipped',
      ]);
    } finally {
      await transport.close();
    }
  });
});

describe('collectHost when the log read times out', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dthm-collect-slow-'));
    await writeFile(join(dir, 'a.log'), 'Nov 25 10:00:00 h1 app[1]: a\n');
    await writeFile(join(dir, 'b.log'), 'Nov 25 10:00:00 h1 app[1]: b\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The session's scripts, with the read command made to stall between its two ranges. */
  async function* stalled(scripts: AsyncIterable<string>): AsyncIterable<string> {
    for await (const script of scripts) yield script.replace('\nrd 1 ', '\nsleep 10\nrd 1 ');
  }

  it('keeps the files read before the timeout and leaves the cut one for next pass', async () => {
    const real = createLocalTransport();
    // The real read command, made to stall between its two ranges.
    const stalling = {
      ...real,
      exec: (command: string, options: Parameters<typeof real.exec>[1]) => {
        const { stdin } = options;
        if (stdin === undefined || typeof stdin === 'string') return real.exec(command, options);
        return real.exec(command, { ...options, stdin: stalled(stdin) });
      },
    };
    try {
      const host = testHost({ logs: [join(dir, 'a.log'), join(dir, 'b.log')], commandTimeoutMs: 3000 });
      const snap = await collectHost(host, stalling, noPreviousState(), { clock: () => new Date(), signal: new AbortController().signal, cpuSampleSeconds: 0 });
      expect(snap.logs.map((r) => r.message)).toEqual(['a']);
      expect(snap.logSources.map((s) => [s.path.replace(dir, ''), s.status])).toEqual([
        ['/a.log', 'read'],
        ['/b.log', 'error'],
      ]);
      expect(snap.logSources[1]?.note).toMatch(/^first pass: read all 29 B; read interrupted \(timed out after [\d.]+ s\); will be read again next pass$/);
      expect(snap.cursors.map((c) => c.path)).toEqual([join(dir, 'a.log')]);
      expect(snap.failures.map((f) => f.source)).toEqual(['logs', join(dir, 'b.log')]);
    } finally {
      await real.close();
    }
  });
});

import { access, appendFile, chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { collectHost } from '../../../src/collect/collect-host.js';
import { createLocalTransport } from '../../../src/collect/local-transport.js';
import type { HostSnapshot, PreviousHostState, ResolvedHost } from '../../../src/types.js';
import { noPreviousState, testHost } from './host-fixture.js';

/** systemd-journal-remote turns journal export text into a journal file that `journalctl -D` reads. */
const JOURNAL_REMOTE = '/lib/systemd/systemd-journal-remote';
const FAKE_DOCKER = resolve('test/fixtures/log-sources/fake-docker.mjs');
const ID_WEB = 'a'.repeat(64);
const ID_DB = 'b'.repeat(64);
const ID_OLD = 'c'.repeat(64);

/** One journal entry in export format (`__REALTIME_TIMESTAMP` in microseconds). */
function exportEntry(seconds: number, fields: Record<string, string>): string {
  const lines = [`__REALTIME_TIMESTAMP=${seconds * 1_000_000}`, `__MONOTONIC_TIMESTAMP=${seconds}`, '_BOOT_ID=3a7e4f1c2b9d4e8fa1b2c3d4e5f60718', '_HOSTNAME=h1'];
  return `${[...lines, ...Object.entries(fields).map(([k, v]) => `${k}=${v}`)].join('\n')}\n\n`;
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('collectHost log sources: journald, docker, shell histories, apt logs (local transport)', () => {
  let dir: string;
  let root: string;
  let dockerDir: string;
  let hasJournalRemote = false;
  let journalFiles = 0;
  let previous: PreviousHostState = noPreviousState();
  const savedPath = process.env.PATH;
  const savedDockerDir = process.env.FAKE_DOCKER_DIR;

  const host = (over: Partial<ResolvedHost> = {}): ResolvedHost =>
    testHost({ rootfs: root, logs: ['/var/log/apt/history.log'], journal: true, docker: true, shellHistory: true, ...over });

  async function addJournal(entries: string): Promise<void> {
    const input = join(dir, `export-${++journalFiles}.txt`);
    await writeFile(input, entries);
    await execa(JOURNAL_REMOTE, ['-o', join(root, 'var/log/journal', `remote-${journalFiles}.journal`), input]);
  }

  async function pass(over: Partial<ResolvedHost> = {}, state = previous): Promise<HostSnapshot> {
    const transport = createLocalTransport();
    try {
      const snapshot = await collectHost(host(over), transport, state, {
        clock: () => new Date('2026-11-26T12:00:00Z'),
        signal: new AbortController().signal,
        cpuSampleSeconds: 0,
      });
      // As the store does: positions are upserted, a source without a new one keeps its stored one.
      previous = { ...state, cursors: snapshot.cursors, sourceCursors: mergeSources(state, snapshot) };
      return snapshot;
    } finally {
      await transport.close();
    }
  }

  const messages = (snap: HostSnapshot, source: string) => snap.logs.filter((r) => r.source === source).map((r) => r.message);
  const sourceOf = (snap: HostSnapshot, path: string) => snap.logSources.find((s) => s.path === path);

  beforeAll(async () => {
    hasJournalRemote = await isExecutable(JOURNAL_REMOTE);
    if (!hasJournalRemote && process.env.CI === 'true') throw new Error(`${JOURNAL_REMOTE} missing: install systemd-journal-remote`);
    dir = await mkdtemp(join(tmpdir(), 'dthm-sources-'));
    root = join(dir, 'root fs');
    dockerDir = join(dir, 'docker');
    for (const d of ['var/log/journal', 'var/log/apt', 'root', 'home/alice', 'home/bob', 'etc']) await mkdir(join(root, d), { recursive: true });
    // A whole simulated host: its facts come from this machine's /proc, its identity from etc/.
    await symlink('/proc', join(root, 'proc'));
    await writeFile(join(root, 'etc/os-release'), 'ID=debian\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n');
    await writeFile(join(root, 'etc/hostname'), 'h1\n');
    await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/usr/bin/zsh\n');
    await mkdir(join(dir, 'bin'));
    await mkdir(dockerDir);
    const fake = join(dir, 'bin', 'docker');
    await writeFile(fake, `#!/bin/sh\nexec '${process.execPath}' '${FAKE_DOCKER}' "$@"\n`);
    await chmod(fake, 0o755);
    process.env.PATH = `${join(dir, 'bin')}:${savedPath ?? ''}`;
    process.env.FAKE_DOCKER_DIR = dockerDir;

    const ps = (id: string, name: string, state: string, status: string) => JSON.stringify({ ID: id, Names: name, Image: `${name}:1`, State: state, Status: status });
    await writeFile(
      join(dockerDir, 'ps.jsonl'),
      [ps(ID_WEB, 'web', 'running', 'Up 2 hours (unhealthy)'), ps(ID_DB, 'db', 'running', 'Up 2 hours'), ps(ID_OLD, 'old', 'exited', 'Exited (1) 3 days ago')].join('\n') + '\n',
    );
    const inspect = (id: string, name: string, restarts: number, state: Record<string, unknown>) => JSON.stringify({ Id: id, Name: `/${name}`, RestartCount: restarts, State: state });
    await writeFile(
      join(dockerDir, 'inspect.jsonl'),
      [
        inspect(ID_WEB, 'web', 4, { Status: 'running', Running: true, ExitCode: 0, StartedAt: '2026-11-26T10:00:00.1Z', Health: { Status: 'unhealthy' } }),
        inspect(ID_DB, 'db', 0, { Status: 'running', Running: true, ExitCode: 0, StartedAt: '2026-11-26T10:00:00Z' }),
        inspect(ID_OLD, 'old', 0, { Status: 'exited', Running: false, ExitCode: 1, StartedAt: '0001-01-01T00:00:00Z' }),
      ].join('\n') + '\n',
    );
    // Bytes as a container wrote them: ANSI colour, invalid UTF-8, a stamp shared by two lines.
    await writeFile(
      join(dockerDir, `logs-${ID_WEB}.txt`),
      Buffer.concat([
        Buffer.from('2026-11-26T10:00:01.000000001Z GET / 200\n'),
        Buffer.from('2026-11-26T10:00:02.500000000Z \x1b[31merror\x1b[0m bad byte '),
        Buffer.from([0xff, 0x0a]),
      ]),
    );
    await writeFile(join(dockerDir, `logs-${ID_DB}.txt`), '2026-11-26T10:00:03.000000000Z ready to accept connections\n');
    await writeFile(join(dockerDir, `logs-${ID_OLD}.txt`), '2026-11-20T10:00:00.000000000Z never read: exited before we first looked\n');

    await writeFile(join(root, 'root/.bash_history'), '#1764000000\nls -la /etc\nmysql -p hunter2\n');
    await writeFile(join(root, 'home/alice/.zsh_history'), ': 1764000100:0;sudo systemctl restart nginx\n');
    await writeFile(
      join(root, 'var/log/apt/history.log'),
      '\nStart-Date: 2026-11-25  10:00:00\nCommandline: apt-get install -y nginx\nInstall: nginx:amd64 (1.22.1-9), nginx-common:amd64 (1.22.1-9, automatic)\nEnd-Date: 2026-11-25  10:00:05\n',
    );
    if (hasJournalRemote) {
      await addJournal(
        exportEntry(1764067371, { SYSLOG_IDENTIFIER: 'sshd', _PID: '77', PRIORITY: '6', _SYSTEMD_UNIT: 'ssh.service', MESSAGE: 'Failed password for root from 10.0.0.9 port 22 ssh2' }) +
          exportEntry(1764067372, { SYSLOG_IDENTIFIER: 'kernel', PRIORITY: '3', MESSAGE: 'Out of memory: Killed process 1234 (java)' }),
      );
    }
  });
  afterAll(async () => {
    process.env.PATH = savedPath;
    if (savedDockerDir === undefined) delete process.env.FAKE_DOCKER_DIR;
    else process.env.FAKE_DOCKER_DIR = savedDockerDir;
    await rm(dir, { recursive: true, force: true });
  });

  it('first pass: journal entries with unit, program and priority; containers with health and restarts; histories by user', async () => {
    if (!hasJournalRemote) return;
    const snap = await pass();
    expect(snap.failures).toEqual([]);

    expect(snap.logs.filter((r) => r.source === 'journal').map(({ program, pid, priority, unit, message, time }) => ({ program, pid, priority, unit, message, time }))).toEqual([
      { program: 'sshd', pid: 77, priority: 6, unit: 'ssh.service', message: 'Failed password for root from 10.0.0.9 port 22 ssh2', time: '2025-11-25T10:42:51.000Z' },
      { program: 'kernel', pid: null, priority: 3, unit: undefined, message: 'Out of memory: Killed process 1234 (java)', time: '2025-11-25T10:42:52.000Z' },
    ]);
    expect(sourceOf(snap, 'journal')).toMatchObject({ status: 'read', linesRead: 2, note: 'first pass: read the newest 10000 entries at most' });
    expect(snap.sourceCursors?.find((c) => c.source === 'journal')?.state.cursor).toMatch(/^s=[0-9a-f]+;i=2;/);

    expect(snap.facts?.containers).toEqual([
      { id: ID_WEB, name: 'web', image: 'web:1', state: 'running', health: 'unhealthy', restartCount: 4, exitCode: 0, startedAt: '2026-11-26T10:00:00.1Z' },
      { id: ID_DB, name: 'db', image: 'db:1', state: 'running', health: null, restartCount: 0, exitCode: 0, startedAt: '2026-11-26T10:00:00Z' },
      { id: ID_OLD, name: 'old', image: 'old:1', state: 'exited', health: null, restartCount: 0, exitCode: 1, startedAt: null },
    ]);
    expect(snap.logs.filter((r) => r.source === 'docker:web').map((r) => [r.program, r.time, r.message])).toEqual([
      ['web', '2026-11-26T10:00:01.000000001Z', 'GET / 200'],
      ['web', '2026-11-26T10:00:02.500000000Z', 'error bad byte \ufffd'],
    ]);
    expect(messages(snap, 'docker:db')).toEqual(['ready to accept connections']);
    expect(sourceOf(snap, 'docker:old')).toBeUndefined();
    expect(snap.sourceCursors).toContainEqual({ source: 'docker:web', state: { id: ID_WEB, lastTimestamp: '2026-11-26T10:00:02.500000000Z' } });

    expect(snap.logs.filter((r) => r.source === '/root/.bash_history').map((r) => [r.user, r.program, r.time, r.message])).toEqual([
      ['root', 'bash', '2025-11-24T16:00:00.000Z', 'ls -la /etc'],
      ['root', 'bash', null, 'mysql -p hunter2'],
    ]);
    expect(snap.logs.filter((r) => r.source === '/home/alice/.zsh_history').map((r) => [r.user, r.program, r.time, r.message])).toEqual([
      ['alice', 'zsh', '2025-11-24T16:01:40.000Z', 'sudo systemctl restart nginx'],
    ]);
    expect(sourceOf(snap, '/home/*/.bash_history')).toMatchObject({ status: 'missing' });
    expect(messages(snap, '/var/log/apt/history.log')).toEqual([
      '',
      'Start-Date: 2026-11-25  10:00:00',
      'Commandline: apt-get install -y nginx',
      'Install: nginx:amd64 (1.22.1-9), nginx-common:amd64 (1.22.1-9, automatic)',
      'End-Date: 2026-11-25  10:00:05',
    ]);
  });

  it('second pass: only what was added since, in one command, nothing read twice', async () => {
    if (!hasJournalRemote) return;
    await addJournal(exportEntry(1764067381, { SYSLOG_IDENTIFIER: 'CRON', _PID: '9', PRIORITY: '6', MESSAGE: 'second batch' }));
    await appendFile(join(dockerDir, `logs-${ID_WEB}.txt`), '2026-11-26T10:00:02.500000000Z same stamp as the last line read\n2026-11-26T11:00:00.000000000Z later\n');
    await appendFile(join(root, 'root/.bash_history'), '#1764000200\nuptime\n');
    await writeFile(join(dockerDir, 'calls.log'), '');

    const transport = createLocalTransport();
    let execs = 0;
    const counting = { ...transport, exec: (c: string, o: Parameters<typeof transport.exec>[1]) => (execs++, transport.exec(c, o)) };
    let snap: HostSnapshot;
    try {
      snap = await collectHost(host(), counting, previous, { clock: () => new Date('2026-11-26T12:00:00Z'), signal: new AbortController().signal, cpuSampleSeconds: 0 });
    } finally {
      await transport.close();
    }
    expect(execs).toBe(1);
    expect(snap.failures).toEqual([]);
    expect(messages(snap, 'journal')).toEqual(['second batch']);
    // The stamp equal to the last one read is dropped too: docker's --since is inclusive and stamps can repeat.
    expect(messages(snap, 'docker:web')).toEqual(['later']);
    expect(messages(snap, 'docker:db')).toEqual([]);
    expect(sourceOf(snap, 'docker:db')).toMatchObject({ status: 'unchanged' });
    expect(snap.logs.filter((r) => r.source === '/root/.bash_history').map((r) => [r.time, r.message])).toEqual([['2025-11-24T16:03:20.000Z', 'uptime']]);
    expect(messages(snap, '/var/log/apt/history.log')).toEqual([]);
    const calls = (await readFile(join(dockerDir, 'calls.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as string[]);
    expect(calls.filter((c) => c[0] === 'logs')).toContainEqual(['logs', '--timestamps', '--since', '1795687202.500000001', ID_WEB]);
    previous = { ...previous, cursors: snap.cursors, sourceCursors: mergeSources(previous, snap) };

    const quiet = await pass();
    expect(quiet.logs).toEqual([]);
    expect(sourceOf(quiet, 'journal')).toMatchObject({ status: 'unchanged', linesRead: 0 });
  });

  it('keeps only the newest bytes of a flooding container, with a visible note', async () => {
    const flood = Array.from({ length: 200 }, (_, i) => `2026-11-26T11:30:${String(Math.floor(i / 10)).padStart(2, '0')}.${String(i).padStart(9, '0')}Z flood line ${i}`);
    await writeFile(join(dockerDir, `logs-${ID_DB}.txt`), `${flood.join('\n')}\n`);
    const snap = await pass({ journal: false, shellHistory: false, logs: [], logMaxBytesPerPass: 1000 }, noPreviousState());
    const lines = messages(snap, 'docker:db');
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.length).toBeLessThan(30);
    expect(lines[lines.length - 1]).toBe('flood line 199');
    expect(sourceOf(snap, 'docker:db')?.note).toContain('more than the cap of 1000 B: older lines skipped, read the newest');
    expect(snap.sourceCursors).toContainEqual({ source: 'docker:db', state: { id: ID_DB, lastTimestamp: '2026-11-26T11:30:19.000000199Z' } });
  });

  it('reports a docker daemon that does not answer as a failure, and reads everything else', async () => {
    await writeFile(join(dockerDir, 'daemon-down'), '');
    try {
      const snap = await pass({ journal: false, shellHistory: false }, noPreviousState());
      expect(snap.failures).toEqual([{ source: 'docker', message: expect.stringContaining('Cannot connect to the Docker daemon') }]);
      expect(snap.facts?.containers).toBeUndefined();
      expect(sourceOf(snap, '/var/log/apt/history.log')).toMatchObject({ status: 'read' });
    } finally {
      await rm(join(dockerDir, 'daemon-down'));
    }
  });

  it('starts the journal over when its stored cursor cannot be used, without failing the other sources', async () => {
    if (!hasJournalRemote) return;
    const state: PreviousHostState = { ...noPreviousState(), sourceCursors: [{ source: 'journal', state: { cursor: 'not-a-cursor' } }] };
    const snap = await pass({ docker: false, shellHistory: false }, state);
    expect(sourceOf(snap, 'journal')).toMatchObject({ status: 'error', note: expect.stringContaining('the stored cursor is dropped') });
    expect(snap.sourceCursors).toEqual([{ source: 'journal', state: { cursor: null } }]);
    expect(snap.failures.map((f) => f.source)).toEqual(['journal']);
    const again = await pass({ docker: false, shellHistory: false }, { ...state, sourceCursors: snap.sourceCursors ?? [] });
    expect(messages(again, 'journal')).toHaveLength(3);
  });

  it('says the journal is missing when the rootfs has none, which is not a failure', async () => {
    const empty = join(dir, 'empty root');
    await mkdir(empty);
    const snap = await pass({ rootfs: empty, docker: false, shellHistory: false, logs: [] }, noPreviousState());
    expect(sourceOf(snap, 'journal')).toMatchObject({ status: 'missing', note: 'no journal in var/log/journal under rootfs' });
    // That root has no /proc or /etc either: only fact sections fail.
    expect(snap.failures.filter((f) => !f.source.startsWith('facts:'))).toEqual([]);
  });
});

function mergeSources(previous: PreviousHostState, snap: HostSnapshot) {
  const bySource = new Map((previous.sourceCursors ?? []).map((c) => [c.source, c]));
  for (const c of snap.sourceCursors ?? []) bySource.set(c.source, c);
  return [...bySource.values()];
}

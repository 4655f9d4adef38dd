import { access, chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectHost } from '../../../src/collect/collect-host.js';
import { createLocalTransport } from '../../../src/collect/local-transport.js';
import { runScript } from '../../../src/collect/run-script.js';
import type { Transport } from '../../../src/types.js';
import { canTestSudo } from '../../helpers/sudo.js';
import { noPreviousState, testHost } from './host-fixture.js';

/** The local transport with the real sudo: this process is root, which sudo lets run sh without a password. */
describe('sudo through the local transport', () => {
  let isReady = false;
  let dir = '';
  const signal = new AbortController().signal;

  beforeAll(async () => {
    isReady = await canTestSudo();
    dir = await mkdtemp(join(tmpdir(), 'dthm-sudo-local-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the probe and the read as sudo -n sh -s and reads a root-only log', async () => {
    if (!isReady) return;
    const log = join(dir, 'secure.log');
    const line = 'Nov 25 10:00:00 h1 sshd[7]: Failed password for root from 198.51.100.7 port 4000 ssh2\n';
    await writeFile(log, line, { mode: 0o600 });
    const inner = createLocalTransport();
    const commands: string[] = [];
    const recording: Transport = { description: inner.description, exec: (command, options) => (commands.push(command), inner.exec(command, options)), close: () => inner.close() };
    try {
      const snap = await collectHost(testHost({ logs: [log], sudo: true, commandTimeoutMs: 30_000 }), recording, noPreviousState(), { clock: () => new Date(), signal, cpuSampleSeconds: 0 });
      expect(commands).toEqual(['sudo -n sh -s']);
      expect(snap.failures).toEqual([]);
      expect(snap.logSources).toEqual([expect.objectContaining({ path: log, status: 'read', linesRead: 1 })]);
      expect(snap.logs.map((r) => r.message)).toEqual(['Failed password for root from 198.51.100.7 port 4000 ssh2']);
      expect(snap.cursors).toEqual([expect.objectContaining({ path: log, offset: line.length })]);
    } finally {
      await inner.close();
    }
  });

  it('kills sudo and the script it runs on a timeout (sudo without a terminal keeps the process group)', async () => {
    if (!isReady) return;
    const marker = join(dir, 'survived');
    const transport = createLocalTransport();
    try {
      const run = await runScript(transport, `sleep 1; touch '${marker}'\n`, { timeoutMs: 300, signal, sudo: true });
      expect(run.failure).toBe('timed out after 0.3 s');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await expect(access(marker)).rejects.toThrow(/ENOENT/);
    } finally {
      await transport.close();
    }
  });

  it('says sudo is not installed when the shell cannot find it', async () => {
    // A PATH holding only sh: the shell starts, `sudo` is not found (exit status 127).
    const bin = join(dir, 'bin');
    await mkdir(bin);
    await symlink('/bin/sh', join(bin, 'sh'));
    await chmod(bin, 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = bin;
    const transport = createLocalTransport();
    try {
      const run = await runScript(transport, 'echo never\n', { timeoutMs: 30_000, signal, sudo: true });
      expect(run).toEqual({ stdout: '', failure: 'sudo is not installed on the host (set sudo: false)' });
      // Without sudo the same failure keeps the generic wording.
      const plain = await runScript(transport, 'nosuchcommand\n', { timeoutMs: 30_000, signal });
      expect(plain.failure).toMatch(/^exit status 127: .*nosuchcommand: (?:command )?not found$/);
    } finally {
      process.env.PATH = savedPath;
      await transport.close();
    }
  });
});

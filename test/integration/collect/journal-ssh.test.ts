import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { collectHost } from '../../../src/collect/collect-host.js';
import { connectSsh } from '../../../src/collect/ssh-transport.js';
import type { PreviousHostState } from '../../../src/types.js';
import { startSshd, type SshdPeer } from '../../helpers/sshd.js';
import { noPreviousState, testHost } from './host-fixture.js';

const JOURNAL_REMOTE = '/lib/systemd/systemd-journal-remote';

/** The journal of a simulated host (a rootfs directory) read through a real sshd with the real journalctl. */
describe('journald through a real sshd', () => {
  let peer: SshdPeer | null = null;
  let dir: string;
  let files = 0;
  const signal = new AbortController().signal;
  const host = () =>
    testHost({ transport: 'ssh', port: peer!.port, user: peer!.user, rootfs: join(dir, 'root'), logs: [], journal: true, ssh: { keyPath: peer!.keyPath, connectTimeoutMs: 10_000 } });

  async function addEntries(...messages: string[]): Promise<void> {
    const input = join(dir, `export-${++files}.txt`);
    const at = 1764067371 + files * 100;
    await writeFile(input, messages.map((m, i) => `__REALTIME_TIMESTAMP=${(at + i) * 1_000_000}\n__MONOTONIC_TIMESTAMP=${at + i}\n_BOOT_ID=3a7e4f1c2b9d4e8fa1b2c3d4e5f60718\nSYSLOG_IDENTIFIER=app\nMESSAGE=${m}\n\n`).join(''));
    await execa(JOURNAL_REMOTE, ['-o', join(dir, 'root/var/log/journal', `remote-${files}.journal`), input]);
  }

  async function pass(previous: PreviousHostState) {
    const transport = await connectSsh(host(), { signal });
    try {
      return await collectHost(host(), transport, previous, { clock: () => new Date(), signal, cpuSampleSeconds: 0 });
    } finally {
      await transport.close();
    }
  }

  beforeAll(async () => {
    const hasRemote = await access(JOURNAL_REMOTE).then(() => true, () => false);
    if (!hasRemote) {
      if (process.env.CI === 'true') throw new Error(`${JOURNAL_REMOTE} missing: install systemd-journal-remote`);
      return;
    }
    peer = await startSshd();
    dir = await mkdtemp(join(tmpdir(), 'dthm-journal-ssh-'));
    await mkdir(join(dir, 'root/var/log/journal'), { recursive: true });
  });
  afterAll(async () => {
    await peer?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads new entries each pass after the stored cursor', async () => {
    if (!peer) return;
    await addEntries('one', 'two');
    const first = await pass(noPreviousState());
    expect(first.logs.filter((r) => r.source === 'journal').map((r) => r.message)).toEqual(['one', 'two']);
    await addEntries('three');
    const second = await pass({ ...noPreviousState(), sourceCursors: first.sourceCursors ?? [] });
    expect(second.logs.filter((r) => r.source === 'journal').map((r) => r.message)).toEqual(['three']);
    expect(second.failures.filter((f) => !f.source.startsWith('facts:'))).toEqual([]);
  });
});

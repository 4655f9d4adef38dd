import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectHost } from '../../../src/collect/collect-host.js';
import { connectSsh } from '../../../src/collect/ssh-transport.js';
import type { PreviousHostState, Transport } from '../../../src/types.js';
import { startSshd, type SshdPeer } from '../../helpers/sshd.js';
import { noPreviousState, testHost } from './host-fixture.js';

/** A transport that flips one bit of the first `~` the read command's output carries: corruption in transit. */
function corrupting(inner: Transport): Transport {
  let isDone = false;
  return {
    description: inner.description,
    exec: (command, options) => {
      const { onStdout } = options;
      if (!onStdout) return inner.exec(command, options);
      return inner.exec(command, {
        ...options,
        onStdout: (chunk) => {
          const at = isDone ? -1 : chunk.indexOf('~');
          if (at < 0) return onStdout(chunk);
          isDone = true;
          const copy = Buffer.from(chunk);
          copy[at] = (copy[at] ?? 0) ^ 0x01;
          onStdout(copy);
        },
      });
    },
    close: () => inner.close(),
  };
}

describe('collectHost read integrity through a real sshd', () => {
  let peer: SshdPeer | null = null;
  let dir: string;
  const signal = new AbortController().signal;
  const host = () =>
    testHost({
      transport: 'ssh',
      port: peer!.port,
      user: peer!.user,
      ssh: { keyPath: peer!.keyPath, connectTimeoutMs: 10_000 },
      logs: [join(dir, 'good.log'), join(dir, 'bad.log')],
      // The state sections print package versions with `~` (1.2~deb12u1): the corruption must hit the log read.
      trackChanges: false,
    });

  beforeAll(async () => {
    peer = await startSshd();
    dir = await mkdtemp(join(tmpdir(), 'dthm-integrity-'));
    await writeFile(join(dir, 'good.log'), 'Nov 25 10:00:00 h1 app[1]: good line\n');
    await writeFile(join(dir, 'bad.log'), 'Nov 25 10:00:00 h1 app[2]: line with a ~ in it\n');
  });
  afterAll(async () => {
    await peer?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function pass(previous: PreviousHostState, wrap: (t: Transport) => Transport) {
    const transport = await connectSsh(host(), { signal });
    try {
      return await collectHost(host(), wrap(transport), previous, { clock: () => new Date(), signal });
    } finally {
      await transport.close();
    }
  }

  it('drops a chunk corrupted in transit without moving its cursor, keeps the others, and reads it on the next pass', async () => {
    if (!peer) return;
    const first = await pass(noPreviousState(), corrupting);
    const bad = join(dir, 'bad.log');
    const good = join(dir, 'good.log');
    expect(first.logSources.find((s) => s.path === bad)).toMatchObject({
      status: 'error',
      note: 'first pass: read all 47 B; integrity check failed (sha256 of the received bytes differs from the one the host sent); nothing kept, will be read again next pass',
    });
    expect(first.logSources.find((s) => s.path === good)).toMatchObject({ status: 'read', linesRead: 1 });
    expect(first.cursors.map((c) => c.path)).toEqual([good]);
    expect(first.logs.map((r) => r.message)).toEqual(['good line']);
    expect(first.failures).toEqual([{ source: bad, message: expect.stringContaining('integrity check failed') }]);

    const second = await pass({ ...noPreviousState(), cursors: first.cursors }, (t) => t);
    expect(second.failures).toEqual([]);
    expect(second.logs.map((r) => r.message)).toEqual(['line with a ~ in it']);
    expect(second.logSources.map((s) => [s.path, s.status])).toEqual([
      [good, 'unchanged'],
      [bad, 'read'],
    ]);
  });
});

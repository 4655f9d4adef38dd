import { readFile } from 'node:fs/promises';
import { connectSsh } from '../../../src/collect/ssh-transport.js';
import { createTransport } from '../../../src/collect/create-transport.js';
import { startSshd, type SshdPeer } from '../../helpers/sshd.js';
import { testHost } from './host-fixture.js';

/** Polls until the server has no session process left (sshd children exit shortly after the client closes). */
async function sessionsDrained(peer: SshdPeer): Promise<number> {
  const deadline = Date.now() + 5000;
  let count = await peer.sessionCount();
  while (count > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    count = await peer.sessionCount();
  }
  return count;
}

describe('connectSsh through a real sshd', () => {
  let peer: SshdPeer | null = null;
  const signal = new AbortController().signal;
  const host = (over: Parameters<typeof testHost>[0] = {}) =>
    testHost({ transport: 'ssh', port: peer!.port, user: peer!.user, ssh: { keyPath: peer!.keyPath, connectTimeoutMs: 5000 }, ...over });

  beforeAll(async () => {
    peer = await startSshd();
  });
  afterAll(async () => {
    await peer?.stop();
  });

  it('multiplexes several commands over one connection and closes it idempotently', async () => {
    if (!peer) return;
    const t = await createTransport(host(), signal);
    try {
      expect(t.description).toBe(`ssh ${peer.user}@127.0.0.1:${peer.port}`);
      const [a, b] = await Promise.all([
        t.exec('echo one; echo err >&2; exit 4', { timeoutMs: 30_000 }),
        t.exec('cat', { timeoutMs: 30_000, stdin: 'from stdin' }),
      ]);
      expect(a).toEqual({ code: 4, stdout: 'one\n', stderr: 'err\n', timedOut: false });
      expect(b).toEqual({ code: 0, stdout: 'from stdin', stderr: '', timedOut: false });
      expect(await peer.sessionCount()).toBe(1);
    } finally {
      await t.close();
      await t.close();
    }
    expect(await sessionsDrained(peer)).toBe(0);
    await expect(t.exec('true', { timeoutMs: 1000 })).rejects.toThrow(/connection is closed/);
  });

  it('streams stdout to onStdout', async () => {
    if (!peer) return;
    const t = await connectSsh(host(), { signal });
    const chunks: Buffer[] = [];
    try {
      const r = await t.exec('head -c 500000 /dev/zero | tr "\\0" y', { timeoutMs: 30_000, onStdout: (c) => chunks.push(c) });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('');
      expect(Buffer.concat(chunks).length).toBe(500000);
      expect(chunks.length).toBeGreaterThan(1);
    } finally {
      await t.close();
    }
  });

  it('times out a command by closing its channel, and the connection stays usable', async () => {
    if (!peer) return;
    const t = await connectSsh(host(), { signal });
    try {
      const started = Date.now();
      const r = await t.exec('sleep 10', { timeoutMs: 300 });
      expect(r).toMatchObject({ code: null, timedOut: true });
      expect(Date.now() - started).toBeLessThan(3000);
      expect((await t.exec('echo still here', { timeoutMs: 30_000 })).stdout).toBe('still here\n');
    } finally {
      await t.close();
    }
    expect(await sessionsDrained(peer)).toBe(0);
  });

  it('ends the connection when the pass signal aborts', async () => {
    if (!peer) return;
    const controller = new AbortController();
    const t = await connectSsh(host(), { signal: controller.signal });
    try {
      const pending = t.exec('sleep 10', { timeoutMs: 20000 });
      setTimeout(() => controller.abort(), 200);
      const r = await pending;
      expect(r.code).toBeNull();
      await expect(t.exec('true', { timeoutMs: 1000 })).rejects.toThrow(/connection is closed/);
    } finally {
      await t.close();
    }
    expect(await sessionsDrained(peer)).toBe(0);
  });

  it('exposes the verified host key (for pinning) and refuses a host whose pinned key differs', async () => {
    if (!peer) return;
    const expected = peer.hostKeyPub.split(' ')[1];
    const t = await connectSsh(host(), { signal });
    await t.close();
    expect(t.hostKey).toMatchObject({ algorithm: 'ssh-ed25519', key: expected });
    expect(t.hostKey?.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    const otherPin = { algorithm: 'ssh-ed25519', key: Buffer.alloc(51, 1).toString('base64'), fingerprint: 'SHA256:other', firstSeen: 'x', lastSeen: 'x' };
    await expect(connectSsh(host(), { signal, pinnedHostKeys: [otherPin] })).rejects.toThrow(
      `ssh ${peer.user}@127.0.0.1:${peer.port}: host key changed: expected SHA256:other`,
    );
  });

  it('fails with one clear line on a wrong key', async () => {
    if (!peer) return;
    const { execa } = await import('execa');
    const other = `${peer.dir}/other_key`;
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const keyText = await readFile(other, 'utf8');
    const err = await connectSsh(host({ ssh: { keyPath: other, connectTimeoutMs: 5000 } }), { signal }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(`ssh ${peer.user}@127.0.0.1:${peer.port}: authentication failed (publickey)`);
    const body = keyText.split('\n').filter((l) => l && !l.startsWith('-----'));
    for (const line of body) expect((err as Error).message).not.toContain(line);
    expect(await sessionsDrained(peer)).toBe(0);
  });

  it('fails with one clear line when the port refuses the connection', async () => {
    if (!peer) return;
    const { createServer } = await import('node:net');
    const server = createServer();
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
    await new Promise((resolve) => server.close(resolve));
    await expect(connectSsh(host({ port }), { signal })).rejects.toThrow(`ssh ${peer.user}@127.0.0.1:${port}: connection refused`);
  });

  it('times out the handshake against a server that never answers', async () => {
    if (!peer) return;
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const server = createServer((s) => sockets.push(s));
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
    try {
      await expect(connectSsh(host({ port, ssh: { keyPath: peer.keyPath, connectTimeoutMs: 500 } }), { signal })).rejects.toThrow(
        `ssh ${peer.user}@127.0.0.1:${port}: timed out after 0.5 s`,
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('names the key path when the key file is missing', async () => {
    if (!peer) return;
    await expect(connectSsh(host({ ssh: { keyPath: '/nonexistent/id_ed25519', connectTimeoutMs: 5000 } }), { signal })).rejects.toThrow(
      `ssh ${peer.user}@127.0.0.1:${peer.port}: cannot read private key /nonexistent/id_ed25519: no such file`,
    );
  });
});

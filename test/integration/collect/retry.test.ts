import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { connectWithRetry, sleepUnlessAborted, type RetryEvent } from '../../../src/collect/connect-with-retry.js';
import { createTransport } from '../../../src/collect/create-transport.js';
import type { ResolvedHost, TransportFactory } from '../../../src/types.js';
import { startSshd, type SshdPeer } from '../../helpers/sshd.js';
import { testHost } from './host-fixture.js';

/** A loopback listener that does `onSocket` with every connection; counts them. */
async function listen(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const close = server.close.bind(server);
  // Silent peers keep their sockets open; closing the server must not wait for them.
  server.close = ((cb?: (err?: Error) => void) => {
    for (const socket of sockets) socket.destroy();
    return close(cb);
  }) as Server['close'];
  return { server, port, connections: () => connections };
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const { server, port } = await listen(() => undefined);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function counting(factory: TransportFactory): TransportFactory & { calls: number } {
  const wrapped = Object.assign((...args: Parameters<TransportFactory>) => {
    wrapped.calls += 1;
    return factory(...args);
  }, { calls: 0 });
  return wrapped;
}

const BACKOFF_MS = [100, 200];

describe('connectWithRetry against real peers (loopback)', () => {
  const signal = new AbortController().signal;
  // The client key of the harness; tests that are about the key pass another one.
  const sshHost = (port: number, over: { user?: string; ssh?: Partial<ResolvedHost['ssh']> } = {}) =>
    testHost({ transport: 'ssh', port, user: over.user ?? 'dtmon', ssh: { keyPath: peer?.keyPath ?? null, connectTimeoutMs: 5000, ...over.ssh } });

  let peer: SshdPeer | null = null;
  let otherKey: string | null = null;
  beforeAll(async () => {
    peer = await startSshd();
    if (peer) {
      // A valid Ed25519 key that the server does not authorize.
      otherKey = join(peer.dir, 'id_other');
      await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    }
  });
  afterAll(async () => {
    await peer?.stop();
  });

  it('retries a refused connection with the configured waits, then fails naming the attempts', async () => {
    if (!peer) return;
    const port = await closedPort();
    const factory = counting(createTransport);
    const events: RetryEvent[] = [];
    const started = Date.now();
    const connect = connectWithRetry(factory, { attempts: 3, backoffMs: BACKOFF_MS, sleep: sleepUnlessAborted, onRetry: (e) => events.push(e) });
    await expect(connect(sshHost(port), signal)).rejects.toThrow(
      `ssh dtmon@127.0.0.1:${port}: connection refused (after 3 attempts)`,
    );
    const elapsedMs = Date.now() - started;
    expect(factory.calls).toBe(3);
    expect(events.map((e) => e.delayMs)).toEqual([100, 200]);
    // Loose: the waits happened (300 ms) and nothing else took long on loopback.
    expect(elapsedMs).toBeGreaterThanOrEqual(290);
    expect(elapsedMs).toBeLessThan(5000);
  });

  it('retries a peer that accepts and closes at once (reset before the key exchange)', async () => {
    if (!peer) return;
    const listener = await listen((socket) => socket.destroy());
    try {
      const connect = connectWithRetry(createTransport, { attempts: 3, backoffMs: [20], sleep: sleepUnlessAborted });
      const failure = connect(sshHost(listener.port), signal);
      await expect(failure).rejects.toThrow(/(connection closed before the SSH handshake|connection reset by peer|connection closed during the handshake) \(after 3 attempts\)$/);
      expect(listener.connections()).toBe(3);
    } finally {
      await new Promise((resolve) => listener.server.close(resolve));
    }
  });

  it('retries a listener that never answers, each attempt bounded by the connect timeout', async () => {
    if (!peer) return;
    const listener = await listen(() => undefined);
    try {
      const started = Date.now();
      const connect = connectWithRetry(createTransport, { attempts: 2, backoffMs: [50], sleep: sleepUnlessAborted });
      const host = sshHost(listener.port, { ssh: { connectTimeoutMs: 300 } });
      await expect(connect(host, signal)).rejects.toThrow(`ssh dtmon@127.0.0.1:${listener.port}: timed out after 0.3 s (after 2 attempts)`);
      expect(listener.connections()).toBe(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(600);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await new Promise((resolve) => listener.server.close(resolve));
    }
  });

  it('makes one attempt only when the real sshd refuses the key', async () => {
    if (!peer || !otherKey) return;
    const factory = counting(createTransport);
    const events: RetryEvent[] = [];
    const connect = connectWithRetry(factory, { attempts: 4, backoffMs: BACKOFF_MS, sleep: sleepUnlessAborted, onRetry: (e) => events.push(e) });
    const host = sshHost(peer.port, { user: peer.user, ssh: { keyPath: otherKey } });
    await expect(connect(host, signal)).rejects.toThrow(`ssh ${peer.user}@127.0.0.1:${peer.port}: authentication failed (publickey)`);
    expect(factory.calls).toBe(1);
    expect(events).toEqual([]);
  });

  it('connects through the wrapper when the peer is fine', async () => {
    if (!peer) return;
    const connect = connectWithRetry(createTransport, { attempts: 3, backoffMs: BACKOFF_MS, sleep: sleepUnlessAborted });
    const t = await connect(sshHost(peer.port, { user: peer.user }), signal);
    try {
      expect((await t.exec('echo up', { timeoutMs: 30_000 })).stdout).toBe('up\n');
    } finally {
      await t.close();
    }
  });

  it('gives up during a backoff wait when the pass deadline aborts', async () => {
    if (!peer) return;
    const port = await closedPort();
    const deadline = new AbortController();
    const factory = counting(createTransport);
    const connect = connectWithRetry(factory, {
      attempts: 4,
      backoffMs: [30_000],
      sleep: sleepUnlessAborted,
      onRetry: () => setTimeout(() => deadline.abort(), 100),
    });
    const started = Date.now();
    await expect(connect(sshHost(port), deadline.signal)).rejects.toThrow(
      `ssh dtmon@127.0.0.1:${port}: connection refused (after 1 attempt; the pass deadline stopped the retries)`,
    );
    expect(factory.calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

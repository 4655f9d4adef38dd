import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEd25519KeyPair } from '../../../src/setup/generate-key.js';
import { connectSsh } from '../../../src/collect/ssh-transport.js';
import { createLocalTransport } from '../../../src/collect/local-transport.js';
import { readKnownHosts } from '../../../src/collect/known-hosts.js';
import { checkHost, type CheckDeps } from '../../../src/setup/check-host.js';
import { makeHost } from '../../helpers/host.js';

const deps: CheckDeps = {
  connectSsh,
  createLocalTransport: async () => createLocalTransport(),
  readKnownHosts,
  pinnedHostKeys: () => [],
  env: {},
};

/** A loopback listener that does `onSocket` with every connection: stay silent, or hang up at once. */
async function listener(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0, sockets };
}

async function close(peer: { server: Server; sockets: Socket[] }): Promise<void> {
  for (const socket of peer.sockets) socket.destroy();
  await new Promise((resolve) => peer.server.close(resolve));
}

/** Connection problems that stop before authentication, each told apart: no listener, no SSH, no name. */
describe('setup connection failures', () => {
  let dir = '';
  let keyPath = '';
  const host = (port: number, hostname = '127.0.0.1', key = '/nonexistent/id_ed25519') =>
    makeHost({ name: 'h', hostname, port, user: 'dtmon', ssh: { keyPath: key, connectTimeoutMs: 1000 } });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dthm-setup-conn-'));
    keyPath = join(dir, 'id_ed25519');
    await writeFile(keyPath, newEd25519KeyPair('dthostmon@test').private, { mode: 0o600 });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // With a usable key this goes through the transport itself; without one (below), through the handshake-only session.
  it('a port that accepts but never speaks SSH: connected, then no handshake', async () => {
    const silent = await listener(() => undefined);
    try {
      const result = await checkHost(host(silent.port, '127.0.0.1', keyPath), deps);
      expect(result.connect).toEqual({ status: 'ok', summary: 'ok' });
      expect(result.hostKey).toMatchObject({ status: 'fail', summary: 'no handshake', fingerprint: null });
      expect(result.hostKey.hint).toContain(`127.0.0.1:${silent.port} accepted the connection but the SSH handshake failed (timed out after 1 s)`);
      expect(result.status).toBe('fail');
    } finally {
      await close(silent);
    }
  });

  it('a port that hangs up at once', async () => {
    const rude = await listener((socket) => socket.destroy());
    try {
      const result = await checkHost(host(rude.port), deps);
      expect(result.connect.status).toBe('ok');
      expect(result.hostKey).toMatchObject({ status: 'fail', summary: 'no handshake' });
      expect(result.auth).toMatchObject({ status: 'skipped' });
    } finally {
      await close(rude);
    }
  });

  it('a name that does not resolve', async () => {
    const result = await checkHost(host(22, 'no-such-host.invalid'), deps);
    expect(result.connect).toEqual({ status: 'fail', summary: 'DNS', hint: 'no-such-host.invalid does not resolve: check hostname in the config (or use its IP address)' });
    expect([result.hostKey.status, result.auth.status, result.logs.status]).toEqual(['skipped', 'skipped', 'skipped']);
  });
});

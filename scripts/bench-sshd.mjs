// A throwaway OpenSSH sshd on a free 127.0.0.1 port for the benchmarks (recipe: shared/test-peers.md section 1,
// limits raised for hundreds of connections): its own host key and client key under `dir`, the current user allowed.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, cpSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

const SSHD = '/usr/sbin/sshd';

/** A free loopback port. */
export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

function run(cmd, args) {
  const res = spawnSync(cmd, args, { encoding: 'utf8' });
  if (res.error) throw res.error;
  return res;
}

/**
 * Starts sshd and waits until a key login works. `options.log`: where sshd's log goes (default `<dir>/sshd.log`).
 * @returns {Promise<{ port: number, user: string, keyPath: string, hostKeyPub: string, log: string, pid: number, stop: () => void }>}
 */
export async function startBenchSshd(dir, options = {}) {
  mkdirSync(join(dir, 'authorized_keys'), { recursive: true });
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  const keyPath = join(dir, 'id_ed25519');
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dthostmon-bench-host', '-f', hostKey]);
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dthostmon-bench-client', '-f', keyPath]);
  const user = process.env.USER && process.env.USER !== '' ? process.env.USER : 'root';
  cpSync(`${keyPath}.pub`, join(dir, 'authorized_keys', user));
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(config, [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}/%u`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    `AllowUsers ${user}`,
    'StrictModes no',
    'MaxStartups 1000:30:2000',
    'MaxSessions 100',
    'LogLevel VERBOSE',
    '',
  ].join('\n'));
  const check = run(SSHD, ['-t', '-f', config]);
  if (check.status !== 0) throw new Error(`sshd -t: ${check.stderr}`);
  const log = options.log ?? join(dir, 'sshd.log');
  const logFd = openSync(log, 'a');
  const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', logFd] });
  closeSync(logFd);
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
  };
  const sshArgs = ['-F', '/dev/null', '-p', String(port), '-i', keyPath, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${join(dir, 'probe_known_hosts')}`, '-o', 'LogLevel=ERROR', `${user}@127.0.0.1`, 'true'];
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (run('ssh', sshArgs).status === 0) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      stop();
      throw new Error(`sshd did not come up: ${readFileSync(log, 'utf8')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, user, keyPath, hostKeyPub: `${hostKey}.pub`, log, pid: child.pid, stop };
}

/**
 * A loopback TCP proxy to `targetPort` that holds every chunk `oneWayMs` in each direction (no kernel netem here):
 * the round-trip time of a WAN link, so that a host's pass waits for the network as it does across sites.
 * Order is kept (equal delays, timers fire in order); the bytes are untouched.
 * @returns {Promise<{ port: number, close: () => Promise<void> }>}
 */
export function startDelayProxy(targetPort, oneWayMs) {
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const [from, to] of [[client, upstream], [upstream, client]]) {
      sockets.add(from);
      from.on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), oneWayMs));
      from.on('end', () => setTimeout(() => to.end(), oneWayMs));
      from.on('error', () => to.destroy());
      from.on('close', () => sockets.delete(from));
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () =>
      ok({
        port: server.address().port,
        close: () => new Promise((done) => {
          for (const s of sockets) s.destroy();
          server.close(() => done());
        }),
      }),
    );
  });
}

import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './ports.js';
import { access, chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

const SSHD = '/usr/sbin/sshd';

/** A throwaway OpenSSH server on 127.0.0.1 that accepts one generated Ed25519 key for the current user (and `extraUsers`). */
export interface SshdPeer {
  port: number;
  /** The listener's pid: every per-connection sshd process is a child of it. */
  pid: number;
  user: string;
  /** The client's Ed25519 private key (its `.pub` is authorized). */
  keyPath: string;
  /** `[127.0.0.1]:port ssh-ed25519 AAAA...`, for a known_hosts file. */
  knownHostsLine: string;
  /** The server's public host key (`ssh-ed25519 AAAA... comment`). */
  hostKeyPub: string;
  /** Scratch directory of this server (config, keys, authorized_keys). */
  dir: string;
  /** Per-connection sshd processes still alive (children of the listener): 0 when every client has closed. */
  sessionCount(): Promise<number>;
  /** What sshd printed (with `-e`), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** What a test may choose about the server; everything else is the fixed recipe. */
export interface SshdOptions {
  /** Listen on this port (e.g. a second server with another host key where the first one was); default a free one. */
  port?: number;
  /** Host key type: ed25519 (default), rsa (3072 bits) or ecdsa (256 bits). */
  hostKeyType?: 'ed25519' | 'rsa' | 'ecdsa';
  /**
   * Other existing local accounts that may log in with the same client key (e.g. throwaway users of a sudo test).
   * sshd reads authorized_keys as the user, so the scratch directory becomes traversable (0711; its files keep 0600).
   */
  extraUsers?: string[];
  /**
   * Accounts that may log in with their password and with their own `~/.ssh/authorized_keys` (which is added to
   * AuthorizedKeysFile), but not with the generated client key: what `dthostmon setup --push-keys` meets on a new host.
   * Password authentication is allowed for these accounts only (a `Match User` block).
   */
  passwordUsers?: string[];
}

/**
 * Starts `/usr/sbin/sshd -D -e -f <tmp config>` on a free loopback port (recipe: shared/test-peers.md section 1)
 * and waits until it answers with an SSH banner. Returns null (after saying why) when sshd is not installed, unless
 * CI=true, where a missing peer must fail the test instead of skipping it.
 */
export async function startSshd(options: SshdOptions = {}): Promise<SshdPeer | null> {
  if (!(await exists(SSHD))) {
    const why = `${SSHD} not found: install openssh-server to run the SSH tests`;
    if (process.env.CI === 'true') throw new Error(why);
    console.warn(`skipping SSH tests: ${why}`);
    return null;
  }
  const user = userInfo().username;
  await assertLoginAllowed(user);
  const dir = await mkdtemp(join(tmpdir(), 'dthm-sshd-'));
  const keyPath = join(dir, 'id_ed25519');
  const hostKeyType = options.hostKeyType ?? 'ed25519';
  const hostKey = join(dir, `ssh_host_${hostKeyType}_key`);
  await execa('ssh-keygen', ['-q', '-t', hostKeyType, '-N', '', '-C', 'dthostmon-test-host', '-f', hostKey]);
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dthostmon-test-client', '-f', keyPath]);
  await mkdir(join(dir, 'authorized_keys'));
  await writeFile(join(dir, 'authorized_keys', user), await readFile(`${keyPath}.pub`));
  const extraUsers = options.extraUsers ?? [];
  for (const extra of extraUsers) {
    await assertLoginAllowed(extra);
    await writeFile(join(dir, 'authorized_keys', extra), await readFile(`${keyPath}.pub`), { mode: 0o644 });
  }
  if (extraUsers.length > 0) {
    await chmod(dir, 0o711);
    await chmod(join(dir, 'authorized_keys'), 0o711);
  }
  const passwordUsers = options.passwordUsers ?? [];
  for (const extra of passwordUsers) await assertLoginAllowed(extra);
  // Privilege separation directory: sshd started as root refuses to run without it.
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true });

  const port = options.port ?? (await freePort());
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}/%u${passwordUsers.length > 0 ? ' .ssh/authorized_keys' : ''}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    `AllowUsers ${[user, ...extraUsers, ...passwordUsers].join(' ')}`,
    // Keys and authorized_keys live under the world-writable tmp directory.
    'StrictModes no',
    'MaxStartups 100:30:200',
    'MaxSessions 20',
    'LogLevel VERBOSE',
    // Match blocks come last: everything after one belongs to it.
    ...(passwordUsers.length > 0 ? [`Match User ${passwordUsers.join(',')}`, '  PasswordAuthentication yes'] : []),
  ].join('\n');
  const configPath = join(dir, 'sshd_config');
  await writeFile(configPath, `${config}\n`);

  const logLines: string[] = [];
  const child = spawn(SSHD, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (chunk: Buffer) => logLines.push(chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = (): string => logLines.join('');
  try {
    await waitForBanner(port, child, log);
  } catch (err) {
    await stopChild(child, exited);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  const hostKeyPub = (await readFile(`${hostKey}.pub`, 'utf8')).trim();
  const [keyType = '', keyBase64 = ''] = hostKeyPub.split(' ');
  return {
    port,
    pid: child.pid ?? -1,
    user,
    keyPath,
    knownHostsLine: `[127.0.0.1]:${port} ${keyType} ${keyBase64}`,
    hostKeyPub,
    dir,
    sessionCount: () => countChildren(child.pid ?? -1),
    log,
    async stop(): Promise<void> {
      await stopChild(child, exited);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** With `UsePAM no`, sshd refuses an account whose password field is locked (`!`), even for key logins. */
async function assertLoginAllowed(user: string): Promise<void> {
  let shadow: string;
  try {
    shadow = await readFile('/etc/shadow', 'utf8');
  } catch {
    return; // Not root: sshd runs as this user and can only log in this user, which works.
  }
  const field = shadow.split('\n').find((line) => line.startsWith(`${user}:`))?.split(':')[1] ?? '';
  if (field.startsWith('!')) {
    throw new Error(
      `sshd will refuse ${user}: its password field is locked ("!") and the test server runs with UsePAM no; ` +
        `unlock it without a password (usermod -p '*' ${user}) or run the tests as another user`,
    );
  }
}


/** Ready means: a TCP connect gets the `SSH-2.0-` banner. Polls instead of sleeping a guessed time. */
async function waitForBanner(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`sshd exited during start-up: ${log().trim()}`);
    }
    if (await hasBanner(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`sshd did not answer on 127.0.0.1:${port} within 10 s: ${log().trim()}`);
}

function hasBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data: Buffer) => done(data.toString('latin1').startsWith('SSH-2.0-')));
  });
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), 3000);
    }),
  ]);
  clearTimeout(timer);
  if (late) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Direct children of a process, from /proc/<pid>/stat (field 4 is the parent pid). */
async function countChildren(parentPid: number): Promise<number> {
  let count = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === parentPid) count++;
    } catch {
      // The process ended while we looked.
    }
  }
  return count;
}

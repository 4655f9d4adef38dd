/**
 * The real Glances 3 of Debian (`glances -w --disable-webui`, shared/test-peers.md section 4) for the Glances source
 * tests, run hermetically: its own HOME, config, cache (its log goes there) and TMPDIR in a temp dir, bound to
 * 127.0.0.1 on a free port, without the plugins that reach out (public IP lookup, cloud metadata, gateway ping) or
 * cost CPU (process list).
 *
 * A password without the interactive prompt: `glances -u <user>` reads `<user>.pwd` from its config dir when the file
 * exists (glances/password.py, GlancesPassword.get_password); the file holds `salt$sha256(salt + sha256(password))`,
 * which is what Glances itself writes after "Do you want to save the password?".
 *
 * Under CI=true a missing binary fails the tests; elsewhere they are skipped with a note.
 */
import { freePort } from './ports.js';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { waitUntil } from './wait.js';

const IS_CI = process.env.CI === 'true';

function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** `GLANCES_BIN` (a path) wins over PATH; a path that does not exist counts as missing. */
export const GLANCES_BIN = process.env.GLANCES_BIN ? (existsSync(process.env.GLANCES_BIN) ? process.env.GLANCES_BIN : null) : findOnPath('glances');
export const hasGlances = GLANCES_BIN !== null;
if (!hasGlances && !IS_CI) {
  console.warn('SKIPPED: glances not found (PATH or GLANCES_BIN): the real Glances 3 tests are skipped (apt-get install glances; CI=true fails instead)');
}
/** `it` for tests of the real server: skipped without the binary, except under CI, where they then fail. */
export const glancesIt = hasGlances || IS_CI ? it : it.skip;

/** Plugins left off: they reach the network (ip, cloud, ports) or cost CPU and add nothing here. */
const DISABLED_PLUGINS = ['ip', 'cloud', 'ports', 'folders', 'amps', 'sensors', 'smart', 'wifi', 'raid', 'irq', 'gpu', 'processlist'];

export interface GlancesServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The basic auth user when started with a password (`dthostmon`), else null. */
  username: string | null;
  pid: number;
  /** What Glances printed and logged, for failure messages. */
  log(): string;
  /** SIGTERM, then SIGKILL after 5 s; removes the temp dir. */
  stop(): Promise<void>;
  /** SIGKILL now (the port then refuses connections); the temp dir stays until stop(). */
  kill(): Promise<void>;
}

export { freePort } from './ports.js';

/** The `.pwd` file content Glances 3 checks a password against. */
export function glancesPasswordFile(password: string): string {
  const salt = randomBytes(16).toString('hex');
  const inner = createHash('sha256').update(password).digest('hex');
  return `${salt}$${createHash('sha256').update(salt + inner).digest('hex')}`;
}

function statusOf(url: string): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Starts Glances 3 and waits (up to 20 s) until `/api/3/status` answers (200, or 401 with a password).
 * `disablePlugins` turns more plugins off (Glances then answers 400 "Unknown plugin" for them).
 */
export async function startGlances(options: { password?: string; disablePlugins?: string[] } = {}): Promise<GlancesServer> {
  if (!GLANCES_BIN) throw new Error(`glances not found (PATH or GLANCES_BIN)${IS_CI ? ' (CI=true: a missing peer is a failure)' : ''}`);
  const dir = mkdtempSync(join(tmpdir(), 'dthostmon-glances-'));
  const home = join(dir, 'home');
  const configDir = join(home, '.config');
  const cacheDir = join(home, '.cache');
  mkdirSync(join(configDir, 'glances'), { recursive: true });
  mkdirSync(cacheDir, { recursive: true });
  const configFile = join(dir, 'glances.conf');
  writeFileSync(configFile, ['[global]', 'check_update=false', '[ip]', 'disable=True', 'public_ip_disabled=True', '[cloud]', 'disable=True', '[ports]', 'disable=True', ''].join('\n'));
  const username = options.password !== undefined ? 'dthostmon' : null;
  if (username !== null) writeFileSync(join(configDir, 'glances', `${username}.pwd`), glancesPasswordFile(options.password ?? ''));

  const port = await freePort();
  const args = ['-C', configFile, '-w', '--disable-webui', '-B', '127.0.0.1', '-p', String(port), '--disable-check-update', '--disable-autodiscover'];
  args.push('--disable-plugin', [...DISABLED_PLUGINS, ...(options.disablePlugins ?? [])].join(','));
  if (username !== null) args.push('-u', username);
  const logPath = join(dir, 'glances.out');
  const logFd = openSync(logPath, 'a');
  // XDG_CACHE_HOME must exist: Glances puts its log there only then (glances/logger.py), else in $HOME or /tmp.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LANG: 'C.UTF-8', HOME: home, XDG_CONFIG_HOME: configDir, XDG_CACHE_HOME: cacheDir, TMPDIR: dir };
  const child = spawn(GLANCES_BIN, args, { cwd: dir, env, detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${GLANCES_BIN}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const log = (): string => {
    const read = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');
    return `${read(logPath)}${read(join(cacheDir, 'glances', 'glances.log'))}`.trim();
  };
  const signal = async (sig: NodeJS.Signals, waitMs: number): Promise<void> => {
    try {
      process.kill(-pid, sig);
    } catch {
      return;
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, waitMs).unref())]);
  };
  const kill = (): Promise<void> => signal('SIGKILL', 5000);
  const stop = async (): Promise<void> => {
    await signal('SIGTERM', 5000);
    if (isAlive(pid)) await kill();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      `glances answers on ${url}/api/3/status`,
      async () => {
        if (!isAlive(pid)) throw new Error(`glances exited: ${log()}`);
        const status = await statusOf(`${url}/api/3/status`);
        return status === 200 || (username !== null && status === 401);
      },
      20_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, username, pid, log, stop, kill };
}

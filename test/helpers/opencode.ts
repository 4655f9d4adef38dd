/**
 * The real OpenCode server (npm opencode-ai, installed by scripts/install-peers.sh outside node_modules) for the
 * opencode provider tests, run hermetically (recipe: shared/test-peers.md section 7): its own HOME and XDG dirs, no
 * models.dev fetch, no auto update, no plugin install (the npm registry points at a closed port), and a config whose
 * only provider is the loopback fake LLM. Under CI=true a missing binary fails the tests; elsewhere they are skipped.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from './wait.js';

export const OPENCODE_VERSION = '1.18.33';
const PEERS_DIR = process.env.DTHOSTMON_PEERS_DIR ?? join(homedir(), '.cache', 'dthostmon-peers');
/** The platform binary: the package's own bin is a stub until its postinstall has run. */
export const OPENCODE_BIN = process.env.OPENCODE_BIN ?? join(PEERS_DIR, 'opencode', 'node_modules', `opencode-linux-${process.arch === 'arm64' ? 'arm64' : 'x64'}`, 'bin', 'opencode');
const IS_CI = process.env.CI === 'true';
export const hasOpencode = existsSync(OPENCODE_BIN);
if (!hasOpencode && !IS_CI) {
  console.warn(`SKIPPED: ${OPENCODE_BIN} not found: the real OpenCode server tests are skipped (bash scripts/install-peers.sh installs it; CI=true fails instead)`);
}
/** `it` for tests of the real server: skipped without the binary, except under CI, where they then fail. */
export const opencodeIt = hasOpencode || IS_CI ? it : it.skip;

/** The model id the fake LLM serves, and how OpenCode's config names it. */
export const FAKE_MODEL = 'fake/fake-model';

/** Environment of a hermetic server: everything it writes lands under `dir`, and it reaches nothing but loopback. */
export function hermeticEnv(dir: string): NodeJS.ProcessEnv {
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  return {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
    OPENCODE_PURE: '1',
    // The first start in a fresh HOME npm-installs @opencode-ai/plugin; nothing turns that off, a dead registry does.
    npm_config_registry: 'http://127.0.0.1:9/',
  };
}

/**
 * An OpenCode config whose one provider `fake` is the fake LLM (OpenAI-compatible, streaming). The model has a price,
 * so the server reports `info.cost`, and a 5 s upstream timeout instead of the default minutes.
 */
export function fakeProviderConfig(fakeUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    autoupdate: false,
    share: 'disabled',
    enabled_providers: ['fake'],
    model: FAKE_MODEL,
    small_model: FAKE_MODEL,
    provider: {
      fake: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Fake LLM',
        options: { baseURL: `${fakeUrl}/v1`, apiKey: 'fake-upstream-key', timeout: 5000 },
        // `temperature: true`: a model defined in the config is otherwise sent no temperature at all.
        models: { 'fake-model': { name: 'Fake Model', temperature: true, limit: { context: 32000, output: 4096 }, cost: { input: 3, output: 15 } } },
      },
    },
    ...extra,
  };
}

export interface OpencodeServer {
  url: string;
  pid: number;
  /** What the server printed (stdout and stderr), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

/** Whether the process still exists (a zombie counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Starts `opencode serve` ourselves (not through the provider: a server someone else runs) in `dir` with `config`, and
 * waits up to 30 s for its health endpoint.
 */
export async function startOpencode(options: { dir: string; port: number; config: Record<string, unknown>; password?: string }): Promise<OpencodeServer> {
  const logPath = join(options.dir, 'serve.log');
  const logFd = openSync(logPath, 'a');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...hermeticEnv(options.dir), OPENCODE_CONFIG_CONTENT: JSON.stringify(options.config) };
  if (options.password) env.OPENCODE_SERVER_PASSWORD = options.password;
  const child = spawn(OPENCODE_BIN, ['serve', '--hostname', '127.0.0.1', '--port', String(options.port)], { cwd: options.dir, env, detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${OPENCODE_BIN}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${options.port}`;
  const log = (): string => readFileSync(logPath, 'utf8');
  const stop = async (): Promise<void> => {
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      return;
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
    if (isAlive(pid)) process.kill(-pid, 'SIGKILL');
  };
  try {
    await waitUntil(
      `opencode serve answers on ${url}`,
      async () => {
        if (!isAlive(pid)) throw new Error(`opencode serve exited: ${log()}`);
        // 401 (a password is set) is an answer too.
        return fetch(`${url}/global/health`, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.status === 200 || r.status === 401,
          () => false,
        );
      },
      30_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, pid, log, stop };
}

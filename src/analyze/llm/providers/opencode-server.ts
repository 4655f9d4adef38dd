/**
 * `opencode serve` started by the opencode provider (auto_start) and stopped again. The server gets a config of ours
 * merged over the user's OPENCODE_CONFIG_CONTENT: the agent `dthostmon` with our system prompt, every tool off and
 * every permission denied, so a model reply can never make the server run a command on the monitoring host
 * (docs/ai.md, "OpenCode"). Measured with opencode 1.18.33: health answers after 5-8 s; SIGTERM ends it in ~1.3 s.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { maskSecrets } from '../http.js';
import { LlmError } from '../types.js';
import { isRecord } from './shared.js';

/** The agent of a server we start; its prompt replaces OpenCode's default one (a custom agent's `prompt` does). */
export const AGENT_NAME = 'dthostmon';

const POLL_MS = 200;
/** SIGTERM first; a server that has not exited this long after it gets SIGKILL. */
const STOP_GRACE_MS = 3000;
const KILLED_WAIT_MS = 2000;
const STDERR_LINES = 2;

export interface ServerStart {
  /** Provider label for messages. */
  label: string;
  command: string;
  host: string;
  port: number;
  /** The system prompt our agent gets. */
  systemPrompt: string;
  /** Caps the answer length the server asks for (it would send the model's whole output limit). */
  maxOutputTokens: number;
  /** HTTP Basic password the server requires (OPENCODE_SERVER_PASSWORD); null = open, loopback only by config. */
  password: string | null;
  /** Environment of the server: ours is laid over it. */
  env: NodeJS.ProcessEnv;
  startTimeoutMs: number;
  /** True once the server answers (any HTTP answer); must give up by itself quickly. */
  isUp: () => Promise<boolean>;
  /** Masked out of every message (the password, API keys). */
  secrets: readonly string[];
}

export interface StartedServer {
  pid: number;
  /** The server's working directory (holds its log), removed by stop(). */
  dir: string;
  /** Milliseconds from spawn until the server answered. */
  startupMs: number;
  /** Stops the process group: SIGTERM, SIGKILL after 3 s; removes `dir`. Never throws. */
  stop(): Promise<void>;
  /** Lets the server outlive us (keep_running): our event loop no longer waits for it. */
  detach(): void;
}

/**
 * Our config over the user's: their providers and settings stay, the agent `dthostmon` is ours, sharing is off (a
 * shared session would publish the digest on opencode.ai) and so are auto updates.
 */
export function serverConfigContent(userContent: string | undefined, systemPrompt: string): string {
  let base: Record<string, unknown> = {};
  if (userContent !== undefined && userContent.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(userContent);
    } catch {
      throw new Error('OPENCODE_CONFIG_CONTENT is not JSON, so the dthostmon agent cannot be added to it');
    }
    if (!isRecord(parsed)) throw new Error('OPENCODE_CONFIG_CONTENT is not a JSON object, so the dthostmon agent cannot be added to it');
    base = parsed;
  }
  const agents = isRecord(base.agent) ? base.agent : {};
  const ours = { mode: 'primary', prompt: systemPrompt, temperature: 0, tools: { '*': false }, permission: { '*': 'deny' } };
  return JSON.stringify({ ...base, autoupdate: false, share: 'disabled', agent: { ...agents, [AGENT_NAME]: ours } });
}

/** The server's environment: the caller's, then what makes it ours (config, password, answer cap, no update). */
export function serverEnv(start: Pick<ServerStart, 'env' | 'systemPrompt' | 'maxOutputTokens' | 'password'>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...start.env,
    OPENCODE_CONFIG_CONTENT: serverConfigContent(start.env.OPENCODE_CONFIG_CONTENT, start.systemPrompt),
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    // Caps max_tokens of every model call (measured: opencode 1.18.33 sends min(model limit, this)).
    OPENCODE_EXPERIMENTAL_OUTPUT_TOKEN_MAX: String(start.maxOutputTokens),
  };
  if (start.password) env.OPENCODE_SERVER_PASSWORD = start.password;
  else delete env.OPENCODE_SERVER_PASSWORD;
  return env;
}

/** The last lines a process wrote, on one line, without terminal colours: what a failed start says about itself. */
export function lastLines(text: string, count: number = STDERR_LINES): string {
  const plain = text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  const lines = plain.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const tail = lines.slice(-count).join(' | ');
  return tail.length > 200 ? `${tail.slice(0, 197)}...` : tail;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The server's scratch directory; a leftover in /tmp is not worth failing over. */
function removeDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // Left for the OS's tmp cleaning.
  }
}

/** Sends `signal` to the process group (the server and anything it started); false when it is gone. */
function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Spawns `<command> serve --hostname <host> --port <port>` in a fresh directory of its own (no project config of
 * wherever dthostmon runs is picked up) as a process group leader, and waits until it answers. Throws LlmError
 * ('network') with one line saying what happened: not found, exited early (its last output), or no answer in time
 * (then it is stopped).
 */
export async function startServer(start: ServerStart): Promise<StartedServer> {
  const fail = (what: string): LlmError => new LlmError('network', maskSecrets(`${start.label}: ${what}`, start.secrets));
  let env: NodeJS.ProcessEnv;
  try {
    env = serverEnv(start);
  } catch (err) {
    throw new LlmError('protocol', `${start.label}: cannot start opencode serve: ${(err as Error).message}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'dthostmon-opencode-'));
  const logPath = join(dir, 'serve.log');
  // A file, not a pipe: a kept-running server must be able to write after we exit.
  const logFd = openSync(logPath, 'a');
  const startedAt = performance.now();
  let child;
  try {
    child = spawn(start.command, ['serve', '--hostname', start.host, '--port', String(start.port)], {
      cwd: dir,
      env,
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    closeSync(logFd);
  }

  // An object, not a `let`: the listeners set it, and the loop below must not see it narrowed to null.
  const state: { ended: string | null } = { ended: null };
  const exited = new Promise<void>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      state.ended = err.code === 'ENOENT' ? `command not found: ${start.command}` : `cannot run ${start.command}: ${err.code ?? err.message}`;
      resolve();
    });
    child.once('exit', (code, signal) => {
      const how = code !== null ? `exited with code ${code}` : `was killed by ${signal ?? 'a signal'}`;
      const said = lastLines(readLog(logPath));
      state.ended = `opencode serve ${how} before it answered${said ? `: ${said}` : ''}`;
      resolve();
    });
  });
  const hasExited = async (ms: number): Promise<boolean> =>
    Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);

  const pid = child.pid;
  const stop = async (): Promise<void> => {
    if (pid !== undefined && state.ended === null) {
      if (signalGroup(pid, 'SIGTERM') && !(await hasExited(STOP_GRACE_MS))) {
        signalGroup(pid, 'SIGKILL');
        await hasExited(KILLED_WAIT_MS);
      }
    }
    removeDir(dir);
  };

  const deadline = startedAt + start.startTimeoutMs;
  for (;;) {
    if (state.ended !== null || pid === undefined) {
      await exited;
      removeDir(dir);
      throw fail(state.ended ?? `cannot start ${start.command}`);
    }
    if (await start.isUp()) break;
    if (performance.now() > deadline) {
      const said = lastLines(readLog(logPath));
      await stop();
      throw fail(`opencode serve did not answer on ${start.host}:${start.port} within ${seconds(start.startTimeoutMs)}${said ? ` (it said: ${said})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  // The exit listener stays: stop() waits on it. Reading the log on a later exit is harmless.
  return {
    pid,
    dir,
    startupMs: Math.round(performance.now() - startedAt),
    stop,
    detach: () => child.unref(),
  };
}

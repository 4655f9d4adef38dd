/**
 * A real terminal for tests of interactive programs (setup.sh, the test menu, password prompts): a command runs in a
 * detached tmux session of a fixed size on a private server socket, the test types into it (`send-keys`) and reads the
 * screen (`capture-pane -p`). Each session has its own server, so `kill()` ends exactly what the test started.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

const TMUX = 'tmux';

/**
 * Whether tmux is installed. Without it a test skips with a console.warn saying why; under CI=true it fails instead
 * (scripts/install-peers.sh installs tmux).
 */
export async function canUseTmux(): Promise<boolean> {
  const found = await execa(TMUX, ['-V'], { reject: false });
  if (found.exitCode === 0) return true;
  const why = 'tmux is not installed (apt-get install tmux, or bash scripts/install-peers.sh as root)';
  if (process.env.CI === 'true') throw new Error(`${why}; CI=true: a test that cannot run is a failure, not a skip`);
  console.warn(`skipping the terminal tests: ${why}`);
  return false;
}

export interface TmuxOptions {
  /** Terminal size in columns and rows (default 120 x 40). */
  width?: number;
  height?: number;
  cwd?: string;
  /** The environment of the command (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

export interface TmuxSession {
  /**
   * Keys as tmux names them, each sent as one key: `Enter`, `Space`, `Tab`, `Down`, `Escape`, `C-c`, `BSpace`.
   * A plain word is typed as text, but use `type()` for text: it is never taken for a key name.
   */
  keys(...keys: string[]): Promise<void>;
  /** Types `text` literally (no key names), without Enter. */
  type(text: string): Promise<void>;
  /** The screen now (`capture-pane -p`), or with `history` everything printed so far; wrapped lines joined. */
  screen(options?: { history?: boolean }): Promise<string>;
  /** Waits until the screen (with history) shows `what`; returns that text. Throws with the screen on timeout. */
  waitFor(what: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Waits until the command has ended; its exit status, or 128 + the signal number when a signal ended it. */
  waitForExit(timeoutMs?: number): Promise<number>;
  /** Ends the tmux server of this session and everything running in it. Safe to call twice. */
  kill(): Promise<void>;
}

/** The exit status the wrapper wrote, or null while the command runs. */
function readExitStatus(file: string): number | null {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch {
    return null;
  }
}

/** Starts `command` (a shell command line) in a new detached session. Call `kill()` in `finally`/`afterEach`. */
export async function startTmux(command: string, options: TmuxOptions = {}): Promise<TmuxSession> {
  const dir = mkdtempSync(join(tmpdir(), 'dthm-tmux-'));
  const socket = join(dir, 'socket');
  const conf = join(dir, 'tmux.conf');
  const statusFile = join(dir, 'exit-status');
  // remain-on-exit keeps the pane and its last screen after the command ends; set before it starts.
  writeFileSync(conf, 'set -g remain-on-exit on\nset -g history-limit 20000\nset -g status off\nset -g default-shell /bin/sh\n');
  // tmux 3.3a leaves #{pane_dead_status} empty for about half of the panes that end, so the wrapping shell writes the
  // status (written whole, then renamed). Its Ctrl-C trap is a no-op that lets it outlive the command it waits for;
  // a caught (not ignored) signal is reset for the command, so Ctrl-C still reaches it.
  const wrapped = `trap : INT; ${command}\necho $? >'${statusFile}.tmp' && mv '${statusFile}.tmp' '${statusFile}'`;
  const env = { ...(options.env ?? process.env) };
  delete env.TMUX;
  const name = `t${randomBytes(3).toString('hex')}`;
  const tmux = async (args: string[]): Promise<string> =>
    (await execa(TMUX, ['-S', socket, ...args], { env, extendEnv: false })).stdout;

  await execa(
    TMUX,
    ['-S', socket, '-f', conf, 'new-session', '-d', '-s', name, '-x', String(options.width ?? 120), '-y', String(options.height ?? 40), ...(options.cwd ? ['-c', options.cwd] : []), wrapped],
    { env, extendEnv: false },
  );
  let isKilled = false;

  const screen: TmuxSession['screen'] = async ({ history = false } = {}) =>
    tmux(['capture-pane', '-p', '-J', '-t', name, ...(history ? ['-S', '-'] : [])]);

  const poll = async <T>(what: string, probe: () => Promise<T | null>, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await probe();
      if (found !== null) return found;
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the terminal shows:\n${await screen({ history: true })}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  return {
    async keys(...keys) {
      for (const key of keys) await tmux(['send-keys', '-t', name, key]);
    },
    async type(text) {
      await tmux(['send-keys', '-t', name, '-l', text]);
    },
    screen,
    waitFor(what, timeoutMs = 15_000) {
      return poll(
        String(what),
        async () => {
          const text = await screen({ history: true });
          if (typeof what === 'string') return text.includes(what) ? what : null;
          return what.exec(text)?.[0] ?? null;
        },
        timeoutMs,
      );
    },
    waitForExit(timeoutMs = 15_000) {
      return poll('the command to end', async () => readExitStatus(statusFile), timeoutMs);
    },
    async kill() {
      if (isKilled) return;
      isKilled = true;
      await execa(TMUX, ['-S', socket, 'kill-server'], { env, extendEnv: false, reject: false });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

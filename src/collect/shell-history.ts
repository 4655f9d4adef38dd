import type { LineParser } from './log-reader.js';

/**
 * The shell histories followed with `shell_history: true`: root's and every /home user's bash and zsh history.
 * They are plain files, so they go through the file cursor machinery (append, truncation, replacement) like logs.
 */
export const SHELL_HISTORY_PATTERNS = [
  '/root/.bash_history',
  '/root/.zsh_history',
  '/home/*/.bash_history',
  '/home/*/.zsh_history',
];

const HISTORY_PATH = /^(?:\/root|\/home\/([^/]+))\/\.(bash|zsh)_history$/;

/** The account and shell of a history file path (`/home/alice/.zsh_history` -> alice, zsh), or null. */
export function historyOwner(path: string): { user: string; shell: 'bash' | 'zsh' } | null {
  const match = HISTORY_PATH.exec(path);
  if (!match) return null;
  return { user: match[1] ?? 'root', shell: match[2] === 'zsh' ? 'zsh' : 'bash' };
}

/**
 * A parser for one history file's lines: each command becomes a record with the shell as program and the account
 * as user. bash's `#<epoch>` lines (HISTTIMEFORMAT) date the command after them; zsh's extended format
 * `: <epoch>:<duration>;<command>` is split. Commands are kept raw: secrets in them are redacted by the analysis,
 * like any log line, and never printed by the collector.
 */
export function historyParser(user: string, shell: 'bash' | 'zsh'): LineParser {
  let pendingTime: string | null = null;
  return (line) => {
    let command = line;
    let time: string | null = null;
    if (shell === 'bash') {
      const stamp = /^#(\d{9,11})$/.exec(line);
      if (stamp) {
        pendingTime = epochToIso(stamp[1]);
        return 'skip';
      }
      time = pendingTime;
      pendingTime = null;
    } else {
      const extended = /^: (\d{9,11}):\d+;(.*)$/.exec(line);
      if (extended) {
        time = epochToIso(extended[1]);
        command = extended[2] ?? '';
      }
    }
    if (command.trim() === '') return 'skip';
    return { line: command, time, hostname: null, program: shell, pid: null, message: command, user };
  };
}

function epochToIso(seconds: string | undefined): string | null {
  const ms = Number(seconds) * 1000;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

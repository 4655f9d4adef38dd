/**
 * `sudo: true` on a host: the probe and the read run as root through `sudo -n sh -s`, so root-only logs (auth.log on
 * some distributions, shell histories, the whole journal) can be read by an unprivileged SSH user. `-n` never
 * prompts: when sudo wants a password it fails at once, before running sh, and that refusal becomes one clear line
 * instead of `exit status 1: sudo: a password is required`.
 */
import type { ResolvedHost } from '../types.js';
import { sanitizeText } from './sanitize-line.js';

/** The command line that runs a script sent on stdin, as root or not. */
export function scriptCommand(sudo: boolean): string {
  return sudo ? 'sudo -n sh -s' : 'sh -s';
}

/** The `runScript` options that carry a host's `sudo` setting and the account a refusal should name. */
export function sudoOptions(host: Pick<ResolvedHost, 'sudo' | 'transport' | 'user'>): { sudo: boolean; user?: string } {
  // The local transport runs as whoever runs dthostmon; the configured user (maybe inherited) is not that account.
  return host.transport === 'ssh' && host.user !== '' ? { sudo: host.sudo === true, user: host.user } : { sudo: host.sudo === true };
}

/** What a failed `sudo -n sh -s` left behind: its exit status, its stderr, and whether the script printed anything. */
export interface SudoExit {
  code: number;
  stderr: string;
  /** The script wrote to stdout, so sh ran: the failure is the script's, not sudo's. */
  sawStdout: boolean;
}

const NOT_INSTALLED = /\bsudo: (?:command )?not found|not found: sudo\b|\bsudo: No such file/;
// sudo's own diagnostics: `sudo: a password is required`, `sudo: sorry, you must have a tty to run sudo`,
// `Sorry, user X is not allowed to execute '/usr/bin/sh -s' as root on h.`, `X is not in the sudoers file.`
const SUDO_LINE = /^(?:sudo: |Sorry, (?=user )|\S+ is not in the sudoers file)/;
const MAX_REASON_CHARS = 160;

/**
 * One line saying why sudo did not run the script, or null when the failure is not sudo's (sh ran, or the exit is not
 * sudo's refusal status). A refusal is exit status 1 with nothing on stdout and a sudo diagnostic on stderr; the last
 * such line is the reason (`sudo: unable to resolve host x` is a warning that comes before it). A missing sudo is
 * exit status 127 from the login shell. The text is sudo's own wording (no secret can be in it), cleaned to one line.
 */
export function describeSudoFailure(exit: SudoExit, user?: string): string | null {
  if (exit.sawStdout) return null;
  if (exit.code === 127 && NOT_INSTALLED.test(exit.stderr)) return 'sudo is not installed on the host (set sudo: false)';
  if (exit.code !== 1) return null;
  const lines = exit.stderr.split('\n').map((l) => l.trim()).filter((l) => SUDO_LINE.test(l));
  const last = lines.at(-1);
  if (last === undefined) return null;
  const reason = oneLine(last.replace(/^(?:sudo: |Sorry, )/, ''));
  const who = user ? `user ${user}` : 'the user dthostmon runs as';
  return `sudo -n refused: ${reason} (allow NOPASSWD for "sh" for ${who}, or set sudo: false)`;
}

/** The first sentence, escape sequences and control characters removed, capped: a diagnostic, never a paragraph. */
function oneLine(text: string): string {
  const clean = sanitizeText(text).replace(/\s+/g, ' ');
  const sentence = (clean.split(/\.\s/)[0] ?? clean).replace(/\.$/, '').trim();
  return sentence.length > MAX_REASON_CHARS ? `${sentence.slice(0, MAX_REASON_CHARS - 1)}…` : sentence;
}

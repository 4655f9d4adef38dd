/**
 * Installs the monitor's public key on one host with a password login: the key line goes on stdin (never into the
 * command line, so no quoting of it and nothing of it in the host's process list), and a small sh script appends it
 * to `~/.ssh/authorized_keys` unless that file already has the key (same type and base64, whatever the comment or
 * options), creating `~/.ssh` (0700) and the file (0600) when missing. Running it twice adds nothing.
 */
import { shQuote } from '../collect/shell.js';
import type { HostKeyCheck } from '../collect/host-key-policy.js';
import type { ResolvedHost } from '../types.js';
import { openSession } from './password-session.js';
import type { PushResult } from './types.js';

const ADDED = 'dthostmon-key-added';
const PRESENT = 'dthostmon-key-present';
/** The exit statuses the script uses for its own failures. */
const NO_SSH_DIR = 3;
const BAD_KEY_LINE = 4;

/**
 * One line in one quoted word, so the login shell (bash, zsh, dash, ...) passes it to sh unchanged. `$(tail -c 1 f)` is empty when
 * the file ends in a newline (command substitution strips it), so a file without a final newline gets one first.
 */
export const INSTALL_KEY_SCRIPT = [
  'umask 077',
  `{ mkdir -p ~/.ssh && chmod 700 ~/.ssh && touch ~/.ssh/authorized_keys && chmod 600 ~/.ssh/authorized_keys; } || exit ${NO_SSH_DIR}`,
  `{ IFS= read -r line || [ -n "$line" ]; } || exit ${BAD_KEY_LINE}`,
  'set -f',
  'set -- $line',
  `[ $# -ge 2 ] || exit ${BAD_KEY_LINE}`,
  `if grep -qF -- "$1 $2" ~/.ssh/authorized_keys; then echo ${PRESENT}`,
  `else { [ ! -s ~/.ssh/authorized_keys ] || [ -z "$(tail -c 1 ~/.ssh/authorized_keys)" ] || echo; printf '%s\\n' "$line"; } >> ~/.ssh/authorized_keys && echo ${ADDED}; fi`,
].join('; ');

export interface PushKeyOptions {
  /** The public key line to install (`ssh-ed25519 AAAA... comment`). */
  publicKey: string;
  /** Its fingerprint, for the result. */
  fingerprint: string;
  /** Host key verification, as the transport does it: the password goes only to a host that passes. */
  check: HostKeyCheck;
}

/** Logs in with `password` and installs the key. Never throws; never puts the password in the result. */
export async function pushKey(host: ResolvedHost, password: string, options: PushKeyOptions): Promise<PushResult> {
  const keyFingerprint = options.fingerprint;
  const opened = await openSession(host, { check: options.check, password });
  if ('failure' in opened) {
    const { stage, reason } = opened.failure;
    if (stage === 'auth' && reason === 'password rejected') return { status: 'password-rejected', detail: `password rejected by ${host.user}@${host.hostname}`, keyFingerprint };
    if (stage === 'auth' && reason === 'password login not allowed') {
      return {
        status: 'password-not-allowed',
        detail: `the server does not allow password logins (PasswordAuthentication no): add the key by hand, or run ssh-copy-id from a machine that can log in`,
        keyFingerprint,
      };
    }
    return { status: 'failed', detail: `cannot log in with the password: ${reason}`, keyFingerprint };
  }
  try {
    const r = await opened.session.exec(`sh -c ${shQuote(INSTALL_KEY_SCRIPT)}`, `${options.publicKey}\n`, host.commandTimeoutMs);
    if (r.code === 0 && r.stdout.includes(ADDED)) return { status: 'installed', detail: 'key added to ~/.ssh/authorized_keys', keyFingerprint };
    if (r.code === 0 && r.stdout.includes(PRESENT)) return { status: 'present', detail: 'key already in ~/.ssh/authorized_keys', keyFingerprint };
    const why =
      r.code === NO_SSH_DIR
        ? 'cannot create ~/.ssh/authorized_keys (does the home directory exist and belong to the user?)'
        : `the install script failed (exit status ${r.code ?? 'none'}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n')[0]}` : ''})`;
    return { status: 'failed', detail: why, keyFingerprint };
  } finally {
    opened.session.close();
  }
}

/**
 * What `dthostmon setup` finds out about each host, as plain data: the table, the hints, `--json` and the exit status
 * are all made from these shapes. Nothing here holds a secret (no password, no private key, no passphrase).
 */

/** `ok` passed; `warn` works but deserves a look; `fail` breaks `dthostmon run`; `skipped` not checked (why: summary). */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';

export interface CheckResult {
  status: CheckStatus;
  /** A few words for the table cell: `ok`, `refused`, `new`, `3 readable, 2 absent`. */
  summary: string;
  /** For `warn` and `fail`: what is wrong and what to do about it, one line per problem. */
  hint?: string;
}

/** Where the presented host key is known from. */
export type HostKeySource = 'known_hosts' | 'pinned' | 'new';

export interface HostKeyResult extends CheckResult {
  /** `ssh-ed25519`, ... (null when no key was presented). */
  algorithm: string | null;
  /** OpenSSH's `SHA256:<unpadded base64>`. */
  fingerprint: string | null;
  /** Null when the key was refused or none was presented. */
  source: HostKeySource | null;
}

/** Why key authentication did not work, when it did not; `--push-keys` acts on `refused`. */
export type AuthProblem = 'refused' | 'no-key' | 'key-unusable' | 'other';

export interface AuthResult extends CheckResult {
  problem: AuthProblem | null;
}

/**
 * One matched log file. `absent`: a default log the host does not have (not a problem); `missing`: a configured one
 * that does not exist (or a glob that matches nothing).
 */
export type LogFileState = 'readable' | 'absent' | 'missing' | 'unreadable' | 'notfile';

export interface LogFileResult {
  /** The configured path or glob. */
  pattern: string;
  /** The file (for a glob, each match), without rootfs. */
  path: string;
  state: LogFileState;
  /** Who the check ran as: the monitoring user, or root through `sudo -n sh -s` (what `run` uses with `sudo: true`). */
  via: 'user' | 'sudo';
  /** For an unreadable file: `owner:group:mode` as stat prints it (`root:adm:640`). */
  owner?: string;
}

export interface LogsResult extends CheckResult {
  files: LogFileResult[];
}

/** Which of the commands `run` may use exist on the host. */
export interface ToolsFound {
  journalctl: boolean;
  docker: boolean;
  ss: boolean;
  dpkg: boolean;
  rpm: boolean;
  apk: boolean;
}

export interface ToolsResult extends CheckResult {
  /** Null when the host could not be asked. */
  found: ToolsFound | null;
  /** `docker ps` as the user `run` reads containers as: null when docker is not checked. */
  dockerAccess: 'ok' | 'denied' | 'error' | null;
}

/** What `--push-keys` did for one host. */
export type PushStatus =
  | 'installed'
  | 'present'
  | 'password-rejected'
  | 'password-not-allowed'
  | 'no-key'
  | 'no-tty'
  | 'no-password'
  | 'failed';

export interface PushResult {
  status: PushStatus;
  /** One line: what happened (never the password). */
  detail: string;
  /** The public key line's fingerprint that was (or would have been) installed. */
  keyFingerprint?: string;
}

export interface HostSetupResult {
  name: string;
  /** `dtmon@10.0.0.5:22`, or `local`. */
  target: string;
  transport: 'ssh' | 'local';
  /** The worst check: `fail` makes `setup` exit 1. */
  status: 'ok' | 'warn' | 'fail';
  connect: CheckResult;
  hostKey: HostKeyResult;
  auth: AuthResult;
  sudo: CheckResult;
  logs: LogsResult;
  tools: ToolsResult;
  /** Set when `--push-keys` had something to do for this host. */
  push?: PushResult;
}

/** What `--generate-key` did for one key path. */
export interface KeyGenerationResult {
  path: string;
  status: 'created' | 'exists' | 'failed';
  /** One line (why it failed, or what is there). */
  detail: string;
  /** The public key line (`ssh-ed25519 AAAA... dthostmon@host`), when known. */
  publicKey: string | null;
  fingerprint: string | null;
}

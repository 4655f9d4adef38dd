/**
 * Host key verification as data: given the key a server presented, what known_hosts says about the host and the keys
 * the store pinned on first use, accept (and say what to pin) or refuse. Pure; the transport calls it from ssh2's
 * `hostVerifier`, which runs during key exchange, before any credential is sent.
 *
 * Policies (`ssh.host_key_policy`, per host):
 * - `accept-new` (default, like OpenSSH's StrictHostKeyChecking=accept-new): a host neither known_hosts nor the store
 *   knows is accepted and pinned; a known host presenting another key is refused (HostKeyChangedError).
 * - `strict`: the host must have a known_hosts entry; pins alone are not enough.
 * A key listed `@revoked` is always refused. known_hosts wins over a pin: when it lists the presented key, the key is
 * accepted and re-pinned, which is how an operator confirms an expected key change.
 */
import { createHash } from 'node:crypto';
import type { AcceptedHostKey, PinnedHostKey, ResolvedHost } from '../types.js';
import type { KnownHostKey } from './known-hosts.js';
import { blobKeyType } from './ssh-blob.js';

export type HostKeyPolicy = NonNullable<ResolvedHost['ssh']['hostKeyPolicy']>;

/** OpenSSH's `SHA256:<unpadded base64>` fingerprint of a public key blob. */
export function fingerprintSha256(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A known key different from the one presented: a possible man in the middle. Never retried. */
export class HostKeyChangedError extends Error {
  readonly retryable = false;
  constructor(
    readonly target: string,
    readonly algorithm: string,
    /** Fingerprints the host is known by, and where each is known from. */
    readonly expected: Array<{ fingerprint: string; algorithm: string; knownFrom: string }>,
    readonly presented: string,
  ) {
    const known = expected.map((e) => `${e.fingerprint} (${e.algorithm}, ${e.knownFrom})`).join(', ');
    super(
      `${target}: host key changed: expected ${known}, the server presented ${presented} (${algorithm}); ` +
        'refused before authentication, nothing was collected (if the change is expected, update known_hosts or remove the pin)',
    );
    this.name = 'HostKeyChangedError';
  }
}

/** A host key refused for another reason: unknown under `strict`, or revoked. Never retried. */
export class HostKeyRefusedError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'HostKeyRefusedError';
  }
}

export interface HostKeyCheck {
  /** The connection as messages name it (`ssh dtmon@10.0.0.5:22`). */
  target: string;
  policy: HostKeyPolicy;
  /** The known_hosts file consulted ('' when none), for messages. */
  knownHostsFile: string;
  /** known_hosts entries for this host (findKnownHostKeys). */
  knownHostKeys: readonly KnownHostKey[];
  pinned: readonly PinnedHostKey[];
}

export type HostKeyDecision = { isAccepted: true; key: AcceptedHostKey } | { isAccepted: false; error: Error };

/** Accept or refuse the presented key (SSH wire-format blob). Pure. */
export function decideHostKey(presentedBlob: Buffer, check: HostKeyCheck): HostKeyDecision {
  const algorithm = blobKeyType(presentedBlob);
  const key = presentedBlob.toString('base64');
  const fingerprint = fingerprintSha256(presentedBlob);
  const accepted: HostKeyDecision = { isAccepted: true, key: { algorithm, key, fingerprint } };
  const fingerprintOf = (base64: string): string => fingerprintSha256(Buffer.from(base64, 'base64'));

  if (check.knownHostKeys.some((k) => k.marker === 'revoked' && k.key === key)) {
    return {
      isAccepted: false,
      error: new HostKeyRefusedError(`${check.target}: host key ${fingerprint} (${algorithm}) is marked @revoked in ${check.knownHostsFile}`),
    };
  }
  const known = check.knownHostKeys.filter((k) => k.marker === null);
  if (known.some((k) => k.key === key)) return accepted;
  if (known.length > 0) {
    const expected = known.map((k) => ({ fingerprint: fingerprintOf(k.key), algorithm: k.algorithm, knownFrom: `${k.file}:${k.line}` }));
    return { isAccepted: false, error: new HostKeyChangedError(check.target, algorithm, expected, fingerprint) };
  }
  if (check.policy === 'strict') {
    return {
      isAccepted: false,
      error: new HostKeyRefusedError(
        `${check.target}: host key ${fingerprint} (${algorithm}) is not in known_hosts ${check.knownHostsFile || '(none)'} ` +
          'and ssh.host_key_policy is strict (keys pinned in the store are not enough): add it, e.g. with ssh-keyscan',
      ),
    };
  }
  if (check.pinned.length === 0 || check.pinned.some((p) => p.key === key)) return accepted;
  const expected = check.pinned.map((p) => ({ fingerprint: p.fingerprint, algorithm: p.algorithm, knownFrom: `pinned ${p.firstSeen}` }));
  return { isAccepted: false, error: new HostKeyChangedError(check.target, algorithm, expected, fingerprint) };
}

/** ssh2's host key algorithms for each key type (RSA keys are offered with SHA-2 signatures first). */
const ALGORITHMS_OF_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
const DEFAULT_ORDER = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/**
 * The host key algorithms to offer, those of already known key types first (as OpenSSH orders them), so a server
 * with several host keys presents the one we know instead of looking changed.
 */
export function preferredHostKeyAlgorithms(knownTypes: readonly string[]): string[] {
  const first = knownTypes.flatMap((type) => ALGORITHMS_OF_TYPE[type] ?? []);
  return [...new Set([...first, ...DEFAULT_ORDER])];
}

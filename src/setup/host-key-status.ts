/**
 * The host key check of `dthostmon setup`, as data: the same decision `run` makes (decideHostKey), plus where the key
 * is known from and what to do when it is refused. Setup never pins: a new key is only announced.
 */
import { decideHostKey, HostKeyChangedError, type HostKeyCheck } from '../collect/host-key-policy.js';
import { findKnownHostKeys, type KnownHosts } from '../collect/known-hosts.js';
import type { AcceptedHostKey, PinnedHostKey, ResolvedHost } from '../types.js';
import type { HostKeyResult } from './types.js';

/** The inputs of `decideHostKey` for one host, built exactly as the SSH transport builds them. */
export function hostKeyCheckFor(host: ResolvedHost, known: KnownHosts, pinned: readonly PinnedHostKey[]): HostKeyCheck {
  return {
    target: `ssh ${host.user}@${host.hostname}:${host.port}`,
    policy: host.ssh.hostKeyPolicy ?? 'accept-new',
    knownHostsFile: known.file,
    knownHostKeys: findKnownHostKeys(known, host.hostname, host.port),
    pinned,
  };
}

/** `ssh-keyscan` names a host on another port `[host]:port`; so does this hint. */
function keyscanCommand(host: ResolvedHost, algorithm: string, knownHostsFile: string): string {
  const port = host.port === 22 ? '' : `-p ${host.port} `;
  return `ssh-keyscan ${port}-t ${algorithm} ${host.hostname} >> ${knownHostsFile || '~/.ssh/known_hosts'}`;
}

/** The host's own fingerprint command, so the operator can compare out of band before trusting a key. */
function compareHint(algorithm: string): string {
  const file = algorithm === 'ssh-rsa' ? 'rsa' : algorithm.startsWith('ecdsa') ? 'ecdsa' : 'ed25519';
  return `compare it with \`ssh-keygen -lf /etc/ssh/ssh_host_${file}_key.pub\` run on the host`;
}

/**
 * Classifies the key the server presented. Accepted keys are `ok` when known_hosts or the store knows them, and `warn`
 * when new (run will pin them: say so, and how to verify). Refused keys are `fail` with the reason and the fix.
 */
export function hostKeyStatus(host: ResolvedHost, presented: AcceptedHostKey, check: HostKeyCheck): HostKeyResult {
  const blob = Buffer.from(presented.key, 'base64');
  const decision = decideHostKey(blob, check);
  const base = { algorithm: presented.algorithm, fingerprint: presented.fingerprint };
  if (decision.isAccepted) {
    const inKnownHosts = check.knownHostKeys.some((k) => k.marker === null && k.key === presented.key);
    if (inKnownHosts) return { ...base, status: 'ok', summary: 'known_hosts', source: 'known_hosts' };
    if (check.pinned.some((p) => p.key === presented.key)) return { ...base, status: 'ok', summary: 'pinned', source: 'pinned' };
    return {
      ...base,
      status: 'warn',
      summary: 'new',
      source: 'new',
      hint:
        `new host key ${presented.fingerprint} (${presented.algorithm}): will be pinned on the first run (accept-new); ` +
        `${compareHint(presented.algorithm)}, or add it to known_hosts now: ${keyscanCommand(host, presented.algorithm, check.knownHostsFile)}`,
    };
  }
  const error = decision.error;
  if (error instanceof HostKeyChangedError) {
    const was = error.expected.map((e) => `${e.fingerprint} (${e.knownFrom})`).join(', ');
    return {
      ...base,
      status: 'fail',
      summary: 'CHANGED',
      source: null,
      hint:
        `host key changed: the server presented ${presented.fingerprint}, expected ${was}. Either the host was reinstalled ` +
        'or someone is in the middle: nothing is sent to it. If the change is expected, ' +
        `${compareHint(presented.algorithm)}, then replace the known_hosts line (or delete the host's rows from the store's host_keys table)`,
    };
  }
  const isRevoked = /@revoked/.test(error.message);
  return {
    ...base,
    status: 'fail',
    summary: isRevoked ? 'revoked' : 'unknown (strict)',
    source: null,
    hint: isRevoked
      ? `host key ${presented.fingerprint} is marked @revoked in ${check.knownHostsFile}: nothing is sent to this host`
      : `ssh.host_key_policy is strict and ${check.knownHostsFile || 'known_hosts'} has no key for ${host.hostname}:${host.port}; ` +
        `the server presented ${presented.fingerprint} (${presented.algorithm}): ${compareHint(presented.algorithm)}, then ` +
        keyscanCommand(host, presented.algorithm, check.knownHostsFile),
  };
}

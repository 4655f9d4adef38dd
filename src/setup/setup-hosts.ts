/**
 * `dthostmon setup` as a function: check every host (a few at a time), then, with `pushKeys`, install the monitor's
 * key where the server refused it (one password, asked once, for all of them) and check those hosts again with the
 * key, which proves the key login works. The prompt is a parameter: null means there is no terminal, and then
 * nothing is asked and each host says what to run instead.
 */
import { fingerprintSha256 } from '../collect/host-key-policy.js';
import { loadClientKey } from '../collect/ssh-keys.js';
import { errorMessage } from '../errors.js';
import type { ResolvedHost } from '../types.js';
import { runPool } from '../util/pool.js';
import { checkHost, type CheckDeps } from './check-host.js';
import { hostKeyCheckFor } from './host-key-status.js';
import type { PasswordPrompt } from './password-prompt.js';
import { pushKey } from './push-key.js';
import type { HostSetupResult, PushResult } from './types.js';

export interface SetupHostsOptions {
  hosts: readonly ResolvedHost[];
  /** Hosts checked at once (`global.max_concurrent_hosts`). */
  concurrency: number;
  pushKeys: boolean;
  /** Asks for the password; null when stdin is not a terminal (then nothing is asked). */
  prompt: PasswordPrompt | null;
  /** Progress lines (`--verbose`). */
  onProgress?: (line: string) => void;
  /** Told, just before the password is asked, which hosts it is for. */
  onBeforePrompt?: (targets: string[]) => void;
}

/** The question; the number of hosts tells the user the one password is tried on each. */
function passwordQuestion(hostCount: number): string {
  return `SSH password for the monitoring user (used for ${hostCount} host${hostCount === 1 ? '' : 's'}, not stored): `;
}

const STILL_REFUSED =
  'the key is in ~/.ssh/authorized_keys but the server still refuses it: check AuthorizedKeysFile in its sshd_config, and that the home directory and ~/.ssh are not group- or world-writable (sshd StrictModes)';

/**
 * Checks the hosts and pushes keys where asked. Rejects only with PromptCancelledError (the user cancelled at the
 * prompt); every host problem is in the results, in the order of `hosts`.
 */
export async function setupHosts(options: SetupHostsOptions, deps: CheckDeps): Promise<HostSetupResult[]> {
  const results: HostSetupResult[] = [];
  const check = async (host: ResolvedHost): Promise<HostSetupResult> => {
    options.onProgress?.(`${host.name}: checking ${host.transport === 'local' ? 'this machine' : `${host.user}@${host.hostname}:${host.port}`}`);
    return checkHost(host, deps);
  };
  await runPool(options.hosts, options.concurrency, async (host, i) => {
    results[i] = await check(host);
  });
  if (!options.pushKeys) return results;

  const refused: number[] = [];
  for (const [i, result] of results.entries()) {
    const host = options.hosts[i] as ResolvedHost;
    if (result.auth.problem === 'no-key') {
      result.push = { status: 'no-key', detail: `no private key at ${host.ssh.keyPath}: add --generate-key to create one` };
    } else if (result.auth.problem === 'refused') {
      refused.push(i);
    }
  }
  const publicKeys = new Map<string, Promise<{ line: string; fingerprint: string } | Error>>();
  const candidates: Array<{ index: number; key: { line: string; fingerprint: string } }> = [];
  for (const i of refused) {
    const host = options.hosts[i] as ResolvedHost;
    const result = results[i] as HostSetupResult;
    if (host.ssh.keyPath === null) {
      result.push = { status: 'no-key', detail: 'key_path is null (ssh-agent only): add the agent key to the host by hand' };
      continue;
    }
    let key = publicKeys.get(host.ssh.keyPath);
    if (!key) {
      key = publicKeyOf(host, deps.env);
      publicKeys.set(host.ssh.keyPath, key);
    }
    const loaded = await key;
    if (loaded instanceof Error) result.push = { status: 'failed', detail: loaded.message };
    else candidates.push({ index: i, key: loaded });
  }
  if (candidates.length === 0) return results;

  if (options.prompt === null) {
    for (const { index, key } of candidates) {
      const host = options.hosts[index] as ResolvedHost;
      (results[index] as HostSetupResult).push = {
        status: 'no-tty',
        detail: `stdin is not a terminal, so no password was asked: run \`dthostmon setup --push-keys --host ${host.name}\` in a terminal, or: ssh-copy-id -i ${host.ssh.keyPath}.pub -p ${host.port} ${host.user}@${host.hostname}`,
        keyFingerprint: key.fingerprint,
      };
    }
    return results;
  }
  options.onBeforePrompt?.(candidates.map(({ index }) => (results[index] as HostSetupResult).target));
  const password = await options.prompt(passwordQuestion(candidates.length));
  if (password === '') {
    for (const { index, key } of candidates) {
      (results[index] as HostSetupResult).push = { status: 'no-password', detail: 'no password given: nothing was pushed', keyFingerprint: key.fingerprint };
    }
    return results;
  }
  // Two entries for one account (two names in the config for one machine) get one push: two appends at once could
  // both miss the key and add it twice.
  const groups = new Map<string, typeof candidates>();
  for (const candidate of candidates) {
    const id = `${(results[candidate.index] as HostSetupResult).target}\0${candidate.key.line}`;
    groups.set(id, [...(groups.get(id) ?? []), candidate]);
  }
  await runPool([...groups.values()], options.concurrency, async (group) => {
    const { index, key } = group[0] as (typeof candidates)[number];
    const host = options.hosts[index] as ResolvedHost;
    options.onProgress?.(`${host.name}: installing the key`);
    let pushed: PushResult;
    try {
      const known = host.ssh.knownHostsPath ? await deps.readKnownHosts(host.ssh.knownHostsPath) : { file: '', entries: [] };
      const hostKey = hostKeyCheckFor(host, known, deps.pinnedHostKeys(host.name));
      pushed = await pushKey(host, password, { publicKey: key.line, fingerprint: key.fingerprint, check: hostKey });
    } catch (err) {
      pushed = { status: 'failed', detail: errorMessage(err), keyFingerprint: key.fingerprint };
    }
    for (const member of group) {
      if (pushed.status !== 'installed' && pushed.status !== 'present') {
        (results[member.index] as HostSetupResult).push = pushed;
        continue;
      }
      // Checking again logs in with the key: the proof that the push worked, and the rest of the checks with it.
      const again = await check(options.hosts[member.index] as ResolvedHost);
      const isStillRefused = again.auth.status !== 'ok';
      again.push = isStillRefused ? { ...pushed, detail: `${pushed.detail}, but ${STILL_REFUSED}` } : pushed;
      results[member.index] = again;
    }
  });
  return results;
}

/** The public half of the host's key, from the private key itself: exactly the key `run` will log in with. */
async function publicKeyOf(host: ResolvedHost, env: Readonly<Record<string, string | undefined>>): Promise<{ line: string; fingerprint: string } | Error> {
  const envName = host.ssh.passphraseEnv ?? null;
  const value = envName ? env[envName] : undefined;
  try {
    const key = await loadClientKey(host.ssh.keyPath as string, { envName, ...(value === undefined ? {} : { value }) });
    const blob = key.getPublicSSH();
    return { line: `${key.type} ${blob.toString('base64')} ${key.comment || 'dthostmon'}`, fingerprint: fingerprintSha256(blob) };
  } catch (err) {
    return new Error(errorMessage(err));
  }
}

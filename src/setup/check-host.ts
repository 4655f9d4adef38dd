/**
 * Checks one host the way `run` will reach it: ONE connection through the real transport (connectSsh with the
 * configured key, known_hosts, the store's pins and the connect timeout; or the local transport), then the checks
 * script as the user and, with `sudo: true`, through `sudo -n sh -s`. When the key itself cannot be used (none yet,
 * too open, encrypted), the connection and the host key are still checked by a handshake that offers no credential.
 * Never throws: every problem is a check result with a hint.
 */
import type { SshConnectOptions } from '../collect/ssh-transport.js';
import type { KnownHosts } from '../collect/known-hosts.js';
import { runScript, type ScriptRun } from '../collect/run-script.js';
import { errorMessage } from '../errors.js';
import type { AcceptedHostKey, PinnedHostKey, ResolvedHost, Transport } from '../types.js';
import { evaluateLogs, evaluateSudo, evaluateTools } from './evaluate-checks.js';
import { buildChecksScript } from './host-checks-script.js';
import { hostKeyCheckFor, hostKeyStatus } from './host-key-status.js';
import { openSession } from './password-session.js';
import type { AuthResult, CheckResult, HostKeyResult, HostSetupResult, LogsResult, ToolsResult } from './types.js';

export interface CheckDeps {
  /** The SSH transport of `run` (src/collect/ssh-transport.ts). */
  connectSsh: (host: ResolvedHost, options: SshConnectOptions) => Promise<Transport>;
  createLocalTransport: () => Promise<Transport>;
  /** A known_hosts file, parsed (read once per file by the caller). */
  readKnownHosts: (path: string) => Promise<KnownHosts>;
  /** The keys the store pinned for a host (by name); none before its first run. */
  pinnedHostKeys: (hostName: string) => readonly PinnedHostKey[];
  /** Where SSH_AUTH_SOCK and the key passphrase variable are looked up. */
  env: Readonly<Record<string, string | undefined>>;
}

/** `dtmon@10.0.0.5:22`, or `local`. */
function targetOf(host: ResolvedHost): string {
  return host.transport === 'local' ? 'local' : `${host.user}@${host.hostname}:${host.port}`;
}

const skipped = (summary = '-'): CheckResult => ({ status: 'skipped', summary });
const noHostKey = (summary = '-'): HostKeyResult => ({ status: 'skipped', summary, algorithm: null, fingerprint: null, source: null });
const noAuth = (summary = '-'): AuthResult => ({ status: 'skipped', summary, problem: null });
const noLogs = (summary = '-'): LogsResult => ({ status: 'skipped', summary, files: [] });
const noTools = (summary = '-'): ToolsResult => ({ status: 'skipped', summary, found: null, dockerAccess: null });

/** The worst status of the checks: what the host's row and the exit status go by. */
function overallStatus(checks: readonly CheckResult[]): HostSetupResult['status'] {
  if (checks.some((c) => c.status === 'fail')) return 'fail';
  return checks.some((c) => c.status === 'warn') ? 'warn' : 'ok';
}

function finish(host: ResolvedHost, parts: Omit<HostSetupResult, 'name' | 'target' | 'transport' | 'status'>): HostSetupResult {
  const { connect, hostKey, auth, sudo, logs, tools } = parts;
  return {
    name: host.name,
    target: targetOf(host),
    transport: host.transport,
    status: overallStatus([connect, hostKey, auth, sudo, logs, tools]),
    ...parts,
  };
}

/** The transport's error without its `ssh user@host:port: ` prefix. */
function reasonOf(err: unknown, host: ResolvedHost): string {
  const message = errorMessage(err);
  const prefix = `ssh ${host.user}@${host.hostname}:${host.port}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

function connectFailure(host: ResolvedHost, reason: string): CheckResult {
  const where = `${host.hostname}:${host.port}`;
  if (/^connection refused/.test(reason)) return { status: 'fail', summary: 'refused', hint: `nothing listens on ${where}: is sshd running there, and is port ${host.port} right?` };
  if (/^timed out/.test(reason)) {
    return { status: 'fail', summary: 'timeout', hint: `no answer from ${where} (${reason}): the host is down, the address is wrong, or a firewall drops the packets` };
  }
  if (/^host name not found/.test(reason)) return { status: 'fail', summary: 'DNS', hint: `${host.hostname} does not resolve: check hostname in the config (or use its IP address)` };
  if (/unreachable/.test(reason)) return { status: 'fail', summary: 'unreachable', hint: `${reason} for ${where}: check the address and the route to it` };
  return { status: 'fail', summary: 'failed', hint: `cannot connect to ${where}: ${reason}` };
}

function handshakeFailure(host: ResolvedHost, reason: string): HostKeyResult {
  return {
    ...noHostKey('no handshake'),
    status: 'fail',
    hint: `${host.hostname}:${host.port} accepted the connection but the SSH handshake failed (${reason}): is it an SSH server? (sshd's MaxStartups or TCP wrappers also drop connections)`,
  };
}

function copyIdCommand(host: ResolvedHost): string {
  return `ssh-copy-id -i ${host.ssh.keyPath ?? '<key>'}.pub -p ${host.port} ${host.user}@${host.hostname}`;
}

/** A key that could not even be offered: missing (generate one), or refused by our own rules (the message says why). */
function keyProblem(host: ResolvedHost, reason: string): AuthResult {
  if (/no such file/.test(reason) && host.ssh.keyPath) {
    return {
      status: 'fail',
      summary: 'no key',
      problem: 'no-key',
      hint: `no private key at ${host.ssh.keyPath}: run \`dthostmon setup --generate-key --push-keys\` in a terminal`,
    };
  }
  return { status: 'fail', summary: 'key unusable', problem: 'key-unusable', hint: reason };
}

function authRefused(host: ResolvedHost, reason: string): AuthResult {
  const key = host.ssh.keyPath ?? 'the ssh-agent keys';
  return {
    status: 'fail',
    summary: 'refused',
    problem: 'refused',
    hint: `${host.user}@${host.hostname} does not accept ${key} (${reason}): run \`dthostmon setup --push-keys\` in a terminal (asks the password once), or: ${copyIdCommand(host)}`,
  };
}

/** Checks one host. Never throws. */
export async function checkHost(host: ResolvedHost, deps: CheckDeps): Promise<HostSetupResult> {
  if (host.transport === 'local') {
    const local = { connect: skipped('local'), hostKey: noHostKey('local'), auth: noAuth('local') };
    let transport: Transport;
    try {
      transport = await deps.createLocalTransport();
    } catch (err) {
      const failed: CheckResult = { status: 'fail', summary: 'failed', hint: `cannot run commands here: ${errorMessage(err)}` };
      return finish(host, { ...local, sudo: failed, logs: { ...noLogs(), ...failed }, tools: { ...noTools(), ...failed } });
    }
    return finish(host, { ...local, ...(await runChecks(host, transport)) });
  }

  let known: KnownHosts = { file: '', entries: [] };
  try {
    if (host.ssh.knownHostsPath) known = await deps.readKnownHosts(host.ssh.knownHostsPath);
  } catch (err) {
    const hostKey: HostKeyResult = { ...noHostKey('unreadable'), status: 'fail', hint: `${errorMessage(err)}: fix its permissions (host keys cannot be verified without it)` };
    return finish(host, { connect: skipped('not tried'), hostKey, auth: noAuth(), sudo: skipped(), logs: noLogs(), tools: noTools() });
  }
  const check = hostKeyCheckFor(host, known, deps.pinnedHostKeys(host.name));
  const seen: { isTcpUp: boolean; key: AcceptedHostKey | null } = { isTcpUp: false, key: null };
  const observers = { onTcpConnected: () => (seen.isTcpUp = true), onHostKey: (key: AcceptedHostKey) => (seen.key = key) };
  let transport: Transport | null = null;
  let reason = '';
  let keyAuth: AuthResult | null = null;
  try {
    transport = await deps.connectSsh(host, {
      signal: new AbortController().signal,
      pinnedHostKeys: check.pinned,
      knownHosts: known,
      env: deps.env,
      ...observers,
    });
  } catch (err) {
    reason = reasonOf(err, host);
    if ((err as { name?: unknown }).name === 'ClientKeyError') {
      keyAuth = keyProblem(host, reason);
      const handshake = await openSession(host, { check, password: null, ...observers });
      reason = 'session' in handshake ? '' : handshake.failure.reason;
      if ('session' in handshake) handshake.session.close();
    }
  }
  if (!seen.isTcpUp) {
    return finish(host, { connect: connectFailure(host, reason), hostKey: noHostKey(), auth: noAuth(), sudo: skipped(), logs: noLogs(), tools: noTools() });
  }
  const connect: CheckResult = { status: 'ok', summary: 'ok' };
  const rest = { sudo: skipped(), logs: noLogs(), tools: noTools() };
  if (!seen.key) return finish(host, { connect, hostKey: handshakeFailure(host, reason), auth: noAuth(), ...rest });
  const hostKey = hostKeyStatus(host, seen.key, check);
  if (hostKey.status === 'fail') return finish(host, { connect, hostKey, auth: noAuth('not tried'), ...rest });
  if (!transport) {
    const auth = keyAuth ?? (/^authentication failed/.test(reason) ? authRefused(host, reason) : { status: 'fail' as const, summary: 'failed', problem: 'other' as const, hint: reason });
    return finish(host, { connect, hostKey, auth, ...rest });
  }
  return finish(host, { connect, hostKey, auth: { status: 'ok', summary: 'key', problem: null }, ...(await runChecks(host, transport)) });
}

/** The checks script as the user, then (sudo: true) as root, over the one connection; closes it. */
async function runChecks(host: ResolvedHost, transport: Transport): Promise<Pick<HostSetupResult, 'sudo' | 'logs' | 'tools'>> {
  const script = buildChecksScript({ rootfs: host.rootfs, logPatterns: host.logs, docker: host.docker === true });
  const options = { timeoutMs: host.commandTimeoutMs, signal: new AbortController().signal, ...(host.transport === 'ssh' && host.user ? { user: host.user } : {}) };
  let sudoRun: ScriptRun | null = null;
  let userRun: ScriptRun;
  try {
    userRun = await runScript(transport, script, options);
    if (host.sudo === true) sudoRun = await runScript(transport, script, { ...options, sudo: true });
  } finally {
    await transport.close();
  }
  const runs = { user: userRun, sudo: sudoRun };
  return { sudo: evaluateSudo(host, runs), logs: evaluateLogs(host, runs), tools: evaluateTools(host, runs) };
}

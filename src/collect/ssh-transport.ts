import type { Socket } from 'node:net';
import { access } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, BaseAgent, ClientChannel, ConnectConfig, ParsedKey } from 'ssh2';
import type { AcceptedHostKey, ExecOptions, ExecResult, PinnedHostKey, ResolvedHost, Transport } from '../types.js';
import { CappedBuffer, MAX_BUFFERED_STDOUT_BYTES, MAX_STDERR_BYTES } from './capped-buffer.js';
import { describeSshError } from './describe-ssh-error.js';
import { decideHostKey, fingerprintSha256, HostKeyRefusedError, preferredHostKeyAlgorithms, type HostKeyCheck } from './host-key-policy.js';
import { findKnownHostKeys, readKnownHosts, type KnownHosts } from './known-hosts.js';
import { blobKeyType } from './ssh-blob.js';
import { ClientKeyError, createStrongKeyAgent, loadClientKey, type KeyPassphrase } from './ssh-keys.js';

const { Client } = ssh2;

/** SSH-level keepalive: a dead peer is noticed within about 45 s even when a command prints nothing. */
const KEEPALIVE_INTERVAL_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 3;
/** How long `close()` waits for the server to confirm before dropping the socket. */
const CLOSE_WAIT_MS = 2_000;

export interface SshConnectOptions {
  /** Aborting ends the connection (and every command on it). */
  signal: AbortSignal;
  /** Host keys the store pinned for this host; none means a first connection (pinned on success under accept-new). */
  pinnedHostKeys?: readonly PinnedHostKey[];
  /** The parsed `host.ssh.knownHostsPath`, when the caller already read it (once per pass); read here otherwise. */
  knownHosts?: KnownHosts | Promise<KnownHosts>;
  /** Where `SSH_AUTH_SOCK` and the passphrase variable are looked up. Default: process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Reads and checks a private key (loadClientKey); a per-pass cache avoids decrypting a shared key per host. */
  loadKey?: (keyPath: string, passphrase: KeyPassphrase) => Promise<ParsedKey>;
  /** Told when the TCP connection is up, before the SSH handshake (`dthostmon setup` tells a closed port from a mute one). */
  onTcpConnected?: () => void;
  /** Told the host key the server presented, before it is verified (`dthostmon setup` shows it even when login fails). */
  onHostKey?: (key: AcceptedHostKey) => void;
}

/**
 * Opens ONE SSH connection (ssh2) to a host for the whole pass; every `exec` is a channel on it. The private key must
 * pass NR-SEC-001 (ssh-keys.ts) and the server's host key is verified against known_hosts and the store's pins during
 * key exchange, before authentication (host-key-policy.ts); the accepted key is `Transport.hostKey`, for pinning.
 * Errors are one line naming the target (`ssh dtmon@10.0.0.5:22: authentication failed (publickey)`) and never carry
 * key material or a passphrase; key and host key refusals are typed (`retryable: false`).
 */
export async function connectSsh(host: ResolvedHost, options: SshConnectOptions): Promise<Transport> {
  const description = `ssh ${host.user}@${host.hostname}:${host.port}`;
  const fail = (what: string): Error => new Error(`${description}: ${what}`);
  const auth = await credentials(host, options, description);
  const check = await hostKeyCheck(host, options, description);
  if (options.signal.aborted) throw fail('aborted');

  const client = new Client();
  const state: { isClosed: boolean; lastError: string; hostKey?: AcceptedHostKey; hostKeyError?: Error } = {
    isClosed: false,
    lastError: '',
  };
  // Runs during key exchange: a refused key ends the connection before any credential is sent.
  const hostVerifier = (key: Buffer): boolean => {
    options.onHostKey?.({ algorithm: blobKeyType(key), key: key.toString('base64'), fingerprint: fingerprintSha256(key) });
    const decision = decideHostKey(key, check);
    if (decision.isAccepted) state.hostKey = decision.key;
    else state.hostKeyError = decision.error;
    return decision.isAccepted;
  };
  // ssh2 emits 'error' after 'ready' too (keepalive timeout, reset); without a listener that would crash the process.
  client.on('error', (err) => {
    state.lastError = describeSshError(err, host.ssh.connectTimeoutMs);
  });
  if (options.onTcpConnected) client.once('connect', options.onTcpConnected);
  const closed = new Promise<void>((resolve) =>
    client.once('close', () => {
      state.isClosed = true;
      resolve();
    }),
  );
  const onAbort = (): void => {
    client.end();
  };
  const connectFailure = (err: unknown): Error =>
    state.hostKeyError ?? fail(auth.describeAuthFailure(describeSshError(err, host.ssh.connectTimeoutMs)));

  await new Promise<void>((resolve, reject) => {
    const onConnectAbort = (): void => {
      // destroy, not end: mid-handshake a silent peer would keep the socket (and the process) alive until readyTimeout.
      client.destroy();
      reject(fail('aborted'));
    };
    options.signal.addEventListener('abort', onConnectAbort, { once: true });
    client.once('ready', () => {
      options.signal.removeEventListener('abort', onConnectAbort);
      resolve();
    });
    client.once('error', (err) => {
      options.signal.removeEventListener('abort', onConnectAbort);
      client.end();
      reject(connectFailure(err));
    });
    client.once('close', () => reject(state.hostKeyError ?? fail(state.lastError || 'connection closed during the handshake')));
    try {
      client.connect(connectConfig(host, auth, check, hostVerifier));
    } catch (err) {
      options.signal.removeEventListener('abort', onConnectAbort);
      reject(connectFailure(err));
    }
  });
  options.signal.addEventListener('abort', onAbort, { once: true });

  let closing: Promise<void> | null = null;
  // Our end of the connection, so analysis can recognise our own login in the host's auth log. ssh2 has no public
  // accessor for its socket (checked on ssh2 1.17 against the real sshd).
  const socket = (client as unknown as { _sock?: Socket })._sock;
  const localEndpoint =
    socket?.localAddress && socket.localPort
      ? { address: socket.localAddress.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, ''), port: socket.localPort }
      : null;
  return {
    description,
    ...(state.hostKey ? { hostKey: state.hostKey } : {}),
    ...(localEndpoint ? { localEndpoint } : {}),
    async exec(command: string, execOptions: ExecOptions): Promise<ExecResult> {
      if (state.isClosed) throw fail(state.lastError || 'connection is closed');
      const result = await execChannel(client, command, execOptions, fail);
      if (result.code !== null || result.timedOut || execOptions.signal?.aborted) return result;
      // No exit status: the command was killed, or the connection died under it (its close event may come a moment
      // after the channel's).
      if (!state.isClosed) await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, LOST_CONNECTION_WAIT_MS).unref())]);
      return state.isClosed ? { ...result, connectionLost: state.lastError } : result;
    },
    close(): Promise<void> {
      closing ??= (async () => {
        options.signal.removeEventListener('abort', onAbort);
        if (state.isClosed) return;
        client.end();
        let timer: NodeJS.Timeout | undefined;
        const waited = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), CLOSE_WAIT_MS);
        });
        if ((await Promise.race([closed, waited])) === 'late') client.destroy();
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}

interface Credentials {
  privateKey?: ParsedKey;
  agent?: BaseAgent;
  /** Adds what the agent refused to an authentication failure, so a weak agent key is not a mystery. */
  describeAuthFailure: (what: string) => string;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * The key file (checked by loadClientKey) and/or the agent. The agent is used with `ssh.use_agent` or `key_path: null`;
 * then a default key path that does not exist is skipped instead of failing, as ssh does.
 */
async function credentials(host: ResolvedHost, options: SshConnectOptions, description: string): Promise<Credentials> {
  const env = options.env ?? process.env;
  const keyPath = host.ssh.keyPath;
  const useAgent = host.ssh.useAgent === true || keyPath === null;
  const socket = useAgent ? env.SSH_AUTH_SOCK : undefined;
  const refuse = (what: string): ClientKeyError => new ClientKeyError(`${description}: ${what}`);
  if (useAgent && !socket) {
    throw refuse(
      keyPath === null
        ? 'no private key configured (key_path: null) and SSH_AUTH_SOCK is not set: start ssh-agent or set key_path'
        : 'ssh.use_agent is on but SSH_AUTH_SOCK is not set',
    );
  }
  let privateKey: ParsedKey | undefined;
  const isOptionalKey = socket !== undefined && host.origin['ssh.keyPath'] === 'default';
  if (keyPath !== null && !(isOptionalKey && !(await exists(keyPath)))) {
    const envName = host.ssh.passphraseEnv ?? null;
    const value = envName ? env[envName] : undefined;
    try {
      privateKey = await (options.loadKey ?? loadClientKey)(keyPath, { envName, ...(value === undefined ? {} : { value }) });
    } catch (err) {
      throw refuse(err instanceof Error ? err.message : String(err));
    }
  }
  const refusedAgentKeys = new Set<string>();
  const agent = socket ? createStrongKeyAgent(socket, (label) => refusedAgentKeys.add(label)) : undefined;
  return {
    ...(privateKey ? { privateKey } : {}),
    ...(agent ? { agent } : {}),
    describeAuthFailure: (what) =>
      refusedAgentKeys.size > 0 ? `${what}; agent keys refused as too weak (NR-SEC-001): ${[...refusedAgentKeys].join(', ')}` : what,
  };
}

async function hostKeyCheck(host: ResolvedHost, options: SshConnectOptions, description: string): Promise<HostKeyCheck> {
  let known: KnownHosts = { file: '', entries: [] };
  const path = host.ssh.knownHostsPath;
  if (options.knownHosts || path) {
    try {
      known = await (options.knownHosts ?? readKnownHosts(path as string));
    } catch (err) {
      throw new HostKeyRefusedError(`${description}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return {
    target: description,
    policy: host.ssh.hostKeyPolicy ?? 'accept-new',
    knownHostsFile: known.file,
    knownHostKeys: findKnownHostKeys(known, host.hostname, host.port),
    pinned: options.pinnedHostKeys ?? [],
  };
}

function authMethods(username: string, auth: Credentials): AnyAuthMethod[] {
  const methods: AnyAuthMethod[] = [];
  if (auth.privateKey) methods.push({ type: 'publickey', username, key: auth.privateKey });
  if (auth.agent) methods.push({ type: 'agent', username, agent: auth.agent });
  return methods;
}

function connectConfig(host: ResolvedHost, auth: Credentials, check: HostKeyCheck, hostVerifier: (key: Buffer) => boolean): ConnectConfig {
  const knownTypes = [...check.knownHostKeys.filter((k) => k.marker === null).map((k) => k.algorithm), ...check.pinned.map((p) => p.algorithm)];
  return {
    host: host.hostname,
    port: host.port,
    username: host.user,
    // The already parsed (and decrypted) key goes through authHandler: ssh2's privateKey option would parse it again.
    authHandler: authMethods(host.user, auth),
    readyTimeout: host.ssh.connectTimeoutMs,
    keepaliveInterval: KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: KEEPALIVE_COUNT_MAX,
    tryKeyboard: false,
    hostVerifier,
    ...(knownTypes.length > 0
      ? { algorithms: { serverHostKey: preferredHostKeyAlgorithms(knownTypes) as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] } }
      : {}),
  };
}

/** How long an exec that ended without an exit status waits to learn whether the connection itself closed. */
const LOST_CONNECTION_WAIT_MS = 250;

/** One command on its own channel. A timeout or abort closes the channel and resolves at once (code null). */
function execChannel(
  client: InstanceType<typeof Client>,
  command: string,
  options: ExecOptions,
  fail: (what: string) => Error,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      resolve({ code: null, stdout: '', stderr: 'aborted', timedOut: false });
      return;
    }
    const onChannel = (err: Error | undefined, stream: ClientChannel): void => {
      if (err) {
        reject(fail(`cannot start a command: ${err.message.split('\n')[0]}`));
        return;
      }
      const stdout = new CappedBuffer(MAX_BUFFERED_STDOUT_BYTES);
      const stderr = new CappedBuffer(MAX_STDERR_BYTES);
      let code: number | null = null;
      let timedOut = false;
      let isDone = false;
      const finish = (): void => {
        if (isDone) return;
        isDone = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', stop);
        resolve({ code: timedOut ? null : code, stdout: options.onStdout ? '' : stdout.text(), stderr: stderr.text(), timedOut });
      };
      const stop = (): void => {
        code = null;
        try {
          // OpenSSH >= 7.9 delivers the signal; older servers ignore it and the closed channel ends the command.
          stream.signal('KILL');
        } catch {
          // The channel may already be gone.
        }
        stream.close();
        finish();
      };
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
      }, options.timeoutMs);
      options.signal?.addEventListener('abort', stop, { once: true });
      stream.on('data', (chunk: Buffer) => {
        if (isDone) return;
        if (options.onStdout) options.onStdout(chunk);
        else stdout.push(chunk);
      });
      stream.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      stream.on('exit', (exitCode: number | null) => {
        code = typeof exitCode === 'number' ? exitCode : null;
      });
      stream.on('close', finish);
      const { stdin } = options;
      if (stdin === undefined || typeof stdin === 'string') {
        stream.end(stdin ?? '');
      } else {
        void (async () => {
          try {
            for await (const part of stdin) {
              if (isDone) return;
              stream.write(part);
            }
          } catch {
            // A failing producer ends the conversation: stdin is closed below, and sh exits.
          }
          if (!isDone) stream.end();
        })();
      }
    };
    try {
      client.exec(command, onChannel);
    } catch (err) {
      reject(fail(`cannot start a command: ${err instanceof Error ? err.message : String(err)}`));
    }
  });
}

/**
 * An SSH connection that `run` never makes: logging in with a password (to install the monitor's key), or offering no
 * credential at all (to see the host key when there is no usable key yet). The host key is verified exactly as the
 * transport verifies it (decideHostKey), during key exchange, so a password is never sent to a host whose key is
 * unknown under `strict`, changed, or revoked. The password lives only in this call's closure; no message carries it.
 */
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthenticationType, ConnectConfig, NextAuthHandler } from 'ssh2';
import { describeSshError } from '../collect/describe-ssh-error.js';
import { formatSeconds } from '../collect/format-seconds.js';
import { decideHostKey, fingerprintSha256, preferredHostKeyAlgorithms, type HostKeyCheck } from '../collect/host-key-policy.js';
import { blobKeyType } from '../collect/ssh-blob.js';
import type { AcceptedHostKey, ResolvedHost } from '../types.js';

const { Client } = ssh2;

export interface SessionOptions {
  check: HostKeyCheck;
  /** Null: offer no credential (the login fails; only the connection and the host key are learnt). */
  password: string | null;
  onTcpConnected?: () => void;
  onHostKey?: (key: AcceptedHostKey) => void;
}

/** How a session attempt ended, when it did not log in. `stage` says how far it got. */
export interface SessionFailure {
  stage: 'connect' | 'host-key' | 'auth';
  /** One secret-free phrase (`connection refused`, `password rejected`). */
  reason: string;
  /** The methods the server offered after our attempts (`publickey`), when it said. */
  serverMethods: string[];
}

export interface PasswordSession {
  /** Runs `command` with `stdin` written then closed; never throws for the command's own failure. */
  exec(command: string, stdin: string, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }>;
  close(): void;
}

const PASSWORD_METHODS = ['password', 'keyboard-interactive'];

/** Opens the session or says why not. Never throws. */
export function openSession(host: ResolvedHost, options: SessionOptions): Promise<{ session: PasswordSession } | { failure: SessionFailure }> {
  const client = new Client();
  let isTcpUp = false;
  let isKeyAccepted = false;
  let hostKeyError: Error | null = null;
  let serverMethods: string[] = [];
  const tried = new Set<string>();
  const { password } = options;

  const hostVerifier = (blob: Buffer): boolean => {
    options.onHostKey?.({ algorithm: blobKeyType(blob), key: blob.toString('base64'), fingerprint: fingerprintSha256(blob) });
    const decision = decideHostKey(blob, options.check);
    if (!decision.isAccepted) hostKeyError = decision.error;
    isKeyAccepted = decision.isAccepted;
    return decision.isAccepted;
  };
  const authHandler = (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, _next: NextAuthHandler): AnyAuthMethod | false => {
    if (methodsLeft) serverMethods = [...methodsLeft];
    const username = host.user;
    if (password === null) {
      if (tried.has('none')) return false;
      tried.add('none');
      return { type: 'none', username };
    }
    for (const type of PASSWORD_METHODS) {
      if (tried.has(type) || (methodsLeft && !methodsLeft.includes(type as AuthenticationType))) continue;
      tried.add(type);
      if (type === 'password') return { type: 'password', username, password };
      return {
        type: 'keyboard-interactive',
        username,
        // A password login over keyboard-interactive (PAM) asks one hidden question: answer every prompt with it.
        prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password)),
      };
    }
    return false;
  };

  return new Promise((resolve) => {
    let isSettled = false;
    const settle = (value: { session: PasswordSession } | { failure: SessionFailure }): void => {
      if (isSettled) return;
      isSettled = true;
      resolve(value);
    };
    const fail = (reason: string): void => {
      const stage = !isTcpUp ? 'connect' : !isKeyAccepted ? 'host-key' : 'auth';
      settle({ failure: { stage, reason: hostKeyError ? hostKeyError.message : reason, serverMethods } });
    };
    client.once('connect', () => {
      isTcpUp = true;
      options.onTcpConnected?.();
    });
    client.once('ready', () => settle({ session: sessionOf(client) }));
    client.on('error', (err: Error & { level?: string }) => {
      client.end();
      if (err.level === 'client-authentication') {
        const isOffered = tried.size > 0 && serverMethods.some((m) => PASSWORD_METHODS.includes(m));
        fail(password === null ? 'no credential offered' : isOffered || serverMethods.length === 0 ? 'password rejected' : 'password login not allowed');
      } else {
        fail(describeSshError(err, host.ssh.connectTimeoutMs));
      }
    });
    client.once('close', () => fail('connection closed during the handshake'));
    const knownTypes = [...options.check.knownHostKeys.filter((k) => k.marker === null).map((k) => k.algorithm), ...options.check.pinned.map((p) => p.algorithm)];
    const config: ConnectConfig = {
      host: host.hostname,
      port: host.port,
      username: host.user,
      readyTimeout: host.ssh.connectTimeoutMs,
      hostVerifier,
      authHandler: authHandler as unknown as ConnectConfig['authHandler'],
      ...(knownTypes.length > 0
        ? { algorithms: { serverHostKey: preferredHostKeyAlgorithms(knownTypes) as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] } }
        : {}),
    };
    try {
      client.connect(config);
    } catch (err) {
      fail(describeSshError(err, host.ssh.connectTimeoutMs));
    }
  });
}

function sessionOf(client: InstanceType<typeof Client>): PasswordSession {
  return {
    exec: (command, stdin, timeoutMs) =>
      new Promise((resolve) => {
        let stdout = '';
        let stderr = '';
        let code: number | null = null;
        const timer = setTimeout(() => {
          client.end();
          resolve({ code: null, stdout, stderr: `timed out after ${formatSeconds(timeoutMs)}` });
        }, timeoutMs);
        client.exec(command, (err, stream) => {
          if (err) {
            clearTimeout(timer);
            resolve({ code: null, stdout: '', stderr: err.message.split('\n')[0] ?? '' });
            return;
          }
          stream.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
          stream.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
          stream.on('exit', (c: number | null) => (code = typeof c === 'number' ? c : null));
          stream.on('close', () => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
          });
          stream.end(stdin);
        });
      }),
    close: () => client.end(),
  };
}

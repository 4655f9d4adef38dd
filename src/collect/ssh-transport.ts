import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { ClientChannel, ConnectConfig } from 'ssh2';
import type { ExecOptions, ExecResult, ResolvedHost, Transport } from '../types.js';
import { CappedBuffer, MAX_BUFFERED_STDOUT_BYTES, MAX_STDERR_BYTES } from './capped-buffer.js';
import { describeSshError } from './describe-ssh-error.js';

const { Client, utils } = ssh2;

/** SSH-level keepalive: a dead peer is noticed within about 45 s even when a command prints nothing. */
const KEEPALIVE_INTERVAL_MS = 15_000;
const KEEPALIVE_COUNT_MAX = 3;
/** How long `close()` waits for the server to confirm before dropping the socket. */
const CLOSE_WAIT_MS = 2_000;

export interface SshConnectOptions {
  /** Aborting ends the connection (and every command on it). */
  signal: AbortSignal;
  /** The private key itself; read from `host.ssh.keyPath` when absent. */
  privateKey?: Buffer;
  passphrase?: string;
  /**
   * Passed to ssh2 unchanged. Host key verification (known_hosts, pinning) is a later step; until a caller passes a
   * verifier here, every host key is accepted, as the original did.
   */
  hostVerifier?: ConnectConfig['hostVerifier'];
}

/**
 * Opens ONE SSH connection (ssh2) to a host for the whole pass; every `exec` is a channel on it. Errors are one
 * line naming the target (`ssh dtmon@10.0.0.5:22: authentication failed (publickey)`) and never carry key material.
 */
export async function connectSsh(host: ResolvedHost, options: SshConnectOptions): Promise<Transport> {
  const description = `ssh ${host.user}@${host.hostname}:${host.port}`;
  const fail = (what: string): Error => new Error(`${description}: ${what}`);
  const privateKey = options.privateKey ?? (await readPrivateKey(host.ssh.keyPath, fail));
  const parsed = utils.parseKey(privateKey, options.passphrase);
  if (parsed instanceof Error) {
    throw fail(`cannot use private key${host.ssh.keyPath ? ` ${host.ssh.keyPath}` : ''}: ${parsed.message}`);
  }
  if (options.signal.aborted) throw fail('aborted');

  const client = new Client();
  const state = { isClosed: false, lastError: '' };
  // ssh2 emits 'error' after 'ready' too (keepalive timeout, reset); without a listener that would crash the process.
  client.on('error', (err) => {
    state.lastError = describeSshError(err, host.ssh.connectTimeoutMs);
  });
  const closed = new Promise<void>((resolve) =>
    client.once('close', () => {
      state.isClosed = true;
      resolve();
    }),
  );
  const onAbort = (): void => {
    client.end();
  };

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
      reject(fail(describeSshError(err, host.ssh.connectTimeoutMs)));
    });
    client.once('close', () => reject(fail(state.lastError || 'connection closed during the handshake')));
    try {
      client.connect(connectConfig(host, privateKey, options));
    } catch (err) {
      options.signal.removeEventListener('abort', onConnectAbort);
      reject(fail(describeSshError(err, host.ssh.connectTimeoutMs)));
    }
  });
  options.signal.addEventListener('abort', onAbort, { once: true });

  let closing: Promise<void> | null = null;
  return {
    description,
    exec(command: string, execOptions: ExecOptions): Promise<ExecResult> {
      if (state.isClosed) return Promise.reject(fail(state.lastError || 'connection is closed'));
      return execChannel(client, command, execOptions, fail);
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

function connectConfig(host: ResolvedHost, privateKey: Buffer, options: SshConnectOptions): ConnectConfig {
  return {
    host: host.hostname,
    port: host.port,
    username: host.user,
    privateKey,
    ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
    readyTimeout: host.ssh.connectTimeoutMs,
    keepaliveInterval: KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: KEEPALIVE_COUNT_MAX,
    tryKeyboard: false,
    ...(options.hostVerifier ? { hostVerifier: options.hostVerifier } : {}),
  };
}

async function readPrivateKey(keyPath: string | null, fail: (what: string) => Error): Promise<Buffer> {
  if (keyPath === null) throw fail('no private key configured (key_path); agent authentication is not supported yet');
  try {
    return await readFile(keyPath);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (code ?? 'unreadable');
    throw fail(`cannot read private key ${keyPath}: ${why}`);
  }
}

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
      stream.end(options.stdin ?? '');
    };
    try {
      client.exec(command, onChannel);
    } catch (err) {
      reject(fail(`cannot start a command: ${err instanceof Error ? err.message : String(err)}`));
    }
  });
}

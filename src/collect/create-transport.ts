import type { ParsedKey } from 'ssh2';
import type { ResolvedHost, Transport, TransportFactory, TransportOptions } from '../types.js';
import { readKnownHosts, type KnownHosts } from './known-hosts.js';
import type { KeyPassphrase } from './ssh-keys.js';

/*
 * The transports are loaded on first use: a pass over local hosts never loads ssh2, one over SSH hosts never loads
 * execa (each costs ~0.1 s of start-up CPU, which counts at every cron run).
 */
async function createLocalTransport(): Promise<Transport> {
  return (await import('./local-transport.js')).createLocalTransport();
}

async function connectSsh(...args: Parameters<typeof import('./ssh-transport.js').connectSsh>): Promise<Transport> {
  return (await import('./ssh-transport.js')).connectSsh(...args);
}

async function loadClientKey(keyPath: string, passphrase: KeyPassphrase): Promise<ParsedKey> {
  return (await import('./ssh-keys.js')).loadClientKey(keyPath, passphrase);
}

/** The TransportFactory of a pass: ssh2 for `transport: ssh`, execa on this machine for `transport: local`. */
export async function createTransport(host: ResolvedHost, signal: AbortSignal, options: TransportOptions = {}): Promise<Transport> {
  if (host.transport === 'local') return createLocalTransport();
  return connectSsh(host, { signal, ...(options.pinnedHostKeys ? { pinnedHostKeys: options.pinnedHostKeys } : {}) });
}

/**
 * A TransportFactory for ONE pass that reads each known_hosts file and each private key once, however many hosts
 * share them: decrypting an encrypted key (bcrypt KDF) costs far more CPU than a connection. Create one per pass, so
 * a file changed between passes is read again.
 */
export function createTransportFactory(env: Readonly<Record<string, string | undefined>> = process.env): TransportFactory {
  const knownHostsFiles = new Map<string, Promise<KnownHosts>>();
  const keys = new Map<string, Promise<ParsedKey>>();
  const loadKey = (keyPath: string, passphrase: KeyPassphrase): Promise<ParsedKey> => {
    const cacheKey = `${passphrase.envName ?? ''}\0${keyPath}`;
    let key = keys.get(cacheKey);
    if (!key) {
      key = loadClientKey(keyPath, passphrase);
      keys.set(cacheKey, key);
    }
    return key;
  };
  return async (host, signal, options = {}) => {
    if (host.transport === 'local') return createLocalTransport();
    const path = host.ssh.knownHostsPath;
    let knownHosts: Promise<KnownHosts> | undefined;
    if (path) {
      knownHosts = knownHostsFiles.get(path);
      if (!knownHosts) {
        knownHosts = readKnownHosts(path);
        // Handled by every connectSsh that awaits it; this keeps a failure that no host awaits from crashing the process.
        knownHosts.catch(() => undefined);
        knownHostsFiles.set(path, knownHosts);
      }
    }
    return connectSsh(host, {
      signal,
      env,
      loadKey,
      ...(options.pinnedHostKeys ? { pinnedHostKeys: options.pinnedHostKeys } : {}),
      ...(knownHosts ? { knownHosts } : {}),
    });
  };
}

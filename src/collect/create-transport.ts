import type { ResolvedHost, Transport } from '../types.js';
import { createLocalTransport } from './local-transport.js';
import { connectSsh } from './ssh-transport.js';

/** The TransportFactory of a pass: ssh2 for `transport: ssh`, execa on this machine for `transport: local`. */
export async function createTransport(host: ResolvedHost, signal: AbortSignal): Promise<Transport> {
  if (host.transport === 'local') return createLocalTransport();
  return connectSsh(host, { signal });
}

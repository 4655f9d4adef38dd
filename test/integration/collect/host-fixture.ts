import type { ResolvedHost } from '../../../src/types.js';
import { makeHost } from '../../helpers/host.js';

export { noPreviousState } from '../../helpers/host.js';

/** The shared host fixture, pointed at this machine: local transport, 1 MiB cap, 20 s command timeout. */
export function testHost(overrides: Partial<ResolvedHost> & { ssh?: Partial<ResolvedHost['ssh']> } = {}): ResolvedHost {
  return makeHost({
    name: 'test-host',
    hostname: '127.0.0.1',
    transport: 'local',
    commandTimeoutMs: 20_000,
    logMaxBytesPerPass: 1024 * 1024,
    ...overrides,
    ssh: { keyPath: null, connectTimeoutMs: 5000, ...overrides.ssh },
  });
}

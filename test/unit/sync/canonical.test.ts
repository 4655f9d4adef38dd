import { canonicalize } from '../../../src/sync/canonical.js';
import type { Layer } from '../../../src/sync/types.js';

const layer = (data: Record<string, unknown>, origins: [string, number][] = []): Layer => ({
  data,
  origins: new Map(origins.map(([k, line]) => [k, { file: 'f', line }])),
});

describe('canonicalize: one place per setting (GAP-S2, GAP-S11)', () => {
  it('folds log_paths into logs, logs first, without duplicates', () => {
    const l = layer({ logs: ['/a', '/b'], log_paths: ['/b', '/c'] }, [['log_paths', 3]]);
    canonicalize(l);
    expect(l.data).toEqual({ logs: ['/a', '/b', '/c'] });
    expect(l.origins.get('logs')).toEqual({ file: 'f', line: 3 });
  });

  it('moves monitoring.check_docker and check_apt to the host keys; a host key in the same source wins', () => {
    const l = layer({ check_apt: false, monitoring: { check_docker: true, check_apt: true, check_disk: true } }, [['monitoring.check_docker', 5]]);
    canonicalize(l);
    expect(l.data).toEqual({ check_apt: false, check_docker: true, monitoring: { check_disk: true } });
    expect(l.origins.get('check_docker')).toEqual({ file: 'f', line: 5 });
  });

  it('removes a monitoring map it emptied', () => {
    const l = layer({ monitoring: { check_docker: false } });
    canonicalize(l);
    expect(l.data).toEqual({ check_docker: false });
  });
});

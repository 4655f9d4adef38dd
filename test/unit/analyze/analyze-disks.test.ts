import { analyzeDisks } from '../../../src/analyze/changes/disk.js';
import type { DuResult } from '../../../src/collect/du.js';
import type { DiskUsage, HostSnapshot, PreviousHostState } from '../../../src/types.js';
import { makeHost, noPreviousState } from '../../helpers/host.js';

const GiB = 1024 ** 3;
const disk = (usedBytes: number): DiskUsage => ({ mount: '/var', filesystem: '/dev/sdb1', sizeBytes: 100 * GiB, usedBytes, availBytes: 100 * GiB - usedBytes, usedPercent: usedBytes / GiB });
const du = (dirs: Array<[string, number]>): DuResult => ({ mount: '/var', depth: 2, cap: 200, dirs: dirs.map(([path, gib]) => ({ path, kb: gib * 1024 * 1024 })), complete: true, exitCode: 0, error: null });

function snapshot(at: string, used: number, result?: DuResult): HostSnapshot {
  return {
    host: 'h',
    collectedAt: at,
    durationMs: 1,
    reachable: true,
    facts: { hostname: 'h', os: { id: 'debian', name: 'Debian', version: '12', prettyName: 'Debian 12' }, kernel: '6.1', uptimeSeconds: 1000, load: null, cpu: { cores: 2, usedPercent: null, windowSeconds: null, counters: null }, memory: null, disks: [disk(used)], users: null },
    logs: [],
    logSources: [],
    cursors: [],
    failures: [],
    ...(result ? { du: { mount: '/var', usedBytes: used, sizeBytes: 100 * GiB, result } } : {}),
  };
}

describe('analyzeDisks (disk growth through the baselines)', () => {
  it('records the history, then reports a step with the directories that grew since the last du; a quiet pass reports nothing', () => {
    const host = makeHost();
    const first = analyzeDisks(host, snapshot('2026-11-26T10:00:00Z', 10 * GiB, du([['/var', 10], ['/var/log', 2], ['/var/lib', 7]])), noPreviousState());
    expect(first.findings).toEqual([]);
    expect(Object.keys(first.baselines).sort()).toEqual(['disk_history', 'du:/var']);

    const previous: PreviousHostState = { ...noPreviousState(), baselines: JSON.parse(JSON.stringify(first.baselines)) as Record<string, unknown> };
    const grown = analyzeDisks(host, snapshot('2026-11-26T11:00:00Z', 13 * GiB, du([['/var', 13], ['/var/log', 5], ['/var/log/app', 3], ['/var/lib', 7]])), previous);
    expect(grown.findings.map((f) => [f.category, f.subject, f.severity])).toEqual([['disk.growth', '/var', 'warn']]);
    expect(grown.findings[0]?.title).toMatch(/^Disk \/var grew 3(\.0)? GiB in 1 h/);
    expect(grown.findings[0]?.evidence[1]?.lines?.join('\n')).toMatch(/\/var\/log\/app/);
    expect(grown.changes.map((c) => [c.kind, c.subject, c.expected])).toEqual([['disk', '/var', false]]);
    expect(grown.deltas.map((d) => [d.mount, d.sinceLastPass?.deltaBytes, d.day])).toEqual([['/var', 3 * GiB, null]]);

    const again: PreviousHostState = { ...noPreviousState(), baselines: JSON.parse(JSON.stringify(grown.baselines)) as Record<string, unknown> };
    expect(analyzeDisks(host, snapshot('2026-11-26T12:00:00Z', 13 * GiB), again).findings).toEqual([]);
  });

  it('does nothing with track_changes off', () => {
    expect(analyzeDisks(makeHost({ trackChanges: false }), snapshot('2026-11-26T10:00:00Z', GiB), noPreviousState())).toEqual({ deltas: [], findings: [], changes: [], baselines: {} });
  });
});

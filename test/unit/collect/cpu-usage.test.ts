import { factsFromProbe } from '../../../src/collect/facts-from-probe.js';
import { previousCpuCounters } from '../../../src/collect/collect-host.js';
import { buildCpuSampleScript, buildProbeScript } from '../../../src/collect/probe.js';
import type { ProbeSection } from '../../../src/collect/parse-probe-output.js';
import { noPreviousState } from '../../helpers/host.js';

const stat = (user: number, idle: number): string => `cpu  ${user} 0 0 ${idle} 0 0 0 0 0 0\ncpu0 ${user} 0 0 ${idle} 0 0 0 0 0 0\n`;
const section = (stdout: string): ProbeSection => ({ stdout, stderr: '', code: 0 });

function sections(entries: Record<string, string>): Map<string, ProbeSection> {
  return new Map(Object.entries({ uptime: '3600.00 7000.00\n', ...entries }).map(([k, v]) => [k, section(v)]));
}

describe('CPU usage', () => {
  const now = new Date('2026-11-25T10:15:00.000Z');

  it('first pass: two samples one second apart', () => {
    const { facts } = factsFromProbe(sections({ 'cpu-1': stat(100, 900), 'cpu-2': stat(150, 950) }), '/', { previous: null, now, sampleSeconds: 1 });
    expect(facts!.cpu).toMatchObject({ usedPercent: 50, windowSeconds: 1, counters: { totalJiffies: 1100, idleJiffies: 950, at: now.toISOString() } });
  });

  it('later passes: the average since the previous pass, from one sample and the stored counters', () => {
    const previous = { totalJiffies: 1000, idleJiffies: 900, at: '2026-11-25T10:00:00.000Z' };
    const { facts, failures } = factsFromProbe(sections({ 'cpu-1': stat(400, 1600) }), '/', { previous, now, sampleSeconds: 1 });
    // 1000 jiffies passed, 300 busy
    expect(facts!.cpu).toMatchObject({ usedPercent: 30, windowSeconds: 900 });
    expect(failures.map((f) => f.source)).not.toContain('facts:cpu-2');
  });

  it('after a reboot reset the counters: the average since boot', () => {
    const previous = { totalJiffies: 99_000, idleJiffies: 90_000, at: '2026-11-25T10:00:00.000Z' };
    const { facts } = factsFromProbe(sections({ 'cpu-1': stat(250, 750) }), '/', { previous, now, sampleSeconds: 1 });
    expect(facts!.cpu).toMatchObject({ usedPercent: 25, windowSeconds: 3600 });
  });

  it('no sample at all: unknown, not zero', () => {
    const { facts } = factsFromProbe(sections({ hostname: 'h\n' }), '/', { previous: null, now, sampleSeconds: 1 });
    expect(facts!.cpu).toMatchObject({ usedPercent: null, windowSeconds: null, counters: null });
  });

  it('the probe never sleeps; the second sample sleeps only what the read did not take', () => {
    const base = { rootfs: '/', logPatterns: [], cursors: [], token: 't' };
    expect(buildProbeScript(base)).not.toMatch(/sleep|cpu-2/);
    expect(buildCpuSampleScript(0.4)).toMatch(/sleep 1\nsec cpu-2 p_cpu/);
    expect(buildCpuSampleScript(0)).not.toMatch(/sleep/);
    expect(buildCpuSampleScript(-3)).not.toMatch(/sleep/);
  });

  it('reads the stored counters defensively', () => {
    const withFacts = (facts: unknown) => ({ ...noPreviousState(), baselines: { facts } });
    expect(previousCpuCounters(noPreviousState())).toBeNull();
    expect(previousCpuCounters(withFacts({ cpu: { counters: null } }))).toBeNull();
    expect(previousCpuCounters(withFacts({ cpu: { counters: { totalJiffies: '1', idleJiffies: 1, at: 'x' } } }))).toBeNull();
    expect(previousCpuCounters(withFacts({ cpu: { counters: { totalJiffies: 1, idleJiffies: 1, at: 'not a date' } } }))).toBeNull();
    const ok = { totalJiffies: 10, idleJiffies: 5, at: '2026-11-25T10:00:00.000Z' };
    expect(previousCpuCounters(withFacts({ cpu: { counters: ok } }))).toEqual(ok);
  });
});

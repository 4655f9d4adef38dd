import { cpuUsedPercent, parseProcStat } from '../../../src/collect/parsers/proc-stat.js';
import { fixture } from './fixture.js';

describe('parseProcStat and cpuUsedPercent', () => {
  it('counts cores and computes busy percent from two samples (iowait counts as idle)', () => {
    const before = parseProcStat(fixture('proc-stat', 'before'));
    const after = parseProcStat(fixture('proc-stat', 'after'));
    expect(before).toEqual({ value: { totalJiffies: 1000, idleJiffies: 800, cores: 2 }, problems: [] });
    expect(after.value).toEqual({ totalJiffies: 2000, idleJiffies: 1500, cores: 2 });
    expect(cpuUsedPercent(before.value!, after.value!)).toBe(30);
  });

  it('reads old kernels with only four counters', () => {
    expect(parseProcStat(fixture('proc-stat', 'old-kernel')).value).toEqual({ totalJiffies: 900, idleJiffies: 700, cores: 1 });
  });

  it('gives null when no time passed or counters went backwards', () => {
    const sample = parseProcStat(fixture('proc-stat', 'before')).value!;
    expect(cpuUsedPercent(sample, sample)).toBeNull();
    expect(cpuUsedPercent(parseProcStat(fixture('proc-stat', 'after')).value!, sample)).toBeNull();
  });

  it('returns null with notes on garbage', () => {
    const r = parseProcStat(fixture('proc-stat', 'garbage'));
    expect(r.value).toBeNull();
    expect(r.problems).toEqual(['proc-stat: cannot read "cpu  a b c d"', 'proc-stat: no aggregate cpu line']);
  });
});

import { excerpt, roundPercent, type ParseResult } from './parse-result.js';

/** One `/proc/stat` sample: the aggregate `cpu` line in jiffies, and how many `cpuN` lines there were. */
export interface CpuSample {
  totalJiffies: number;
  idleJiffies: number;
  cores: number;
}

/**
 * Parses the `cpu` lines of `/proc/stat`. Idle time is `idle + iowait` (a CPU waiting on I/O is not busy);
 * `guest` and `guest_nice` are already inside `user` and `nice`, so they are not added again.
 */
export function parseProcStat(text: string): ParseResult<CpuSample | null> {
  const problems: string[] = [];
  let aggregate: number[] | null = null;
  let cores = 0;
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    const label = parts[0] ?? '';
    if (label === 'cpu') {
      const values = parts.slice(1, 9).map(Number);
      if (values.length < 4 || values.some((v) => !Number.isFinite(v) || v < 0)) {
        problems.push(`proc-stat: cannot read "${excerpt(line)}"`);
      } else {
        aggregate = values;
      }
    } else if (/^cpu\d+$/.test(label)) {
      cores++;
    }
  }
  if (aggregate === null) {
    problems.push('proc-stat: no aggregate cpu line');
    return { value: null, problems };
  }
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = aggregate;
  return {
    value: {
      totalJiffies: user + nice + system + idle + iowait + irq + softirq + steal,
      idleJiffies: idle + iowait,
      cores,
    },
    problems,
  };
}

/** CPU busy percent between two samples, or null when no time passed (or the counters went backwards). */
export function cpuUsedPercent(before: CpuSample, after: CpuSample): number | null {
  const total = after.totalJiffies - before.totalJiffies;
  const idle = after.idleJiffies - before.idleJiffies;
  if (total <= 0 || idle < 0 || idle > total) return null;
  return roundPercent(((total - idle) / total) * 100);
}

import type { CollectFailure, CpuCounters, HostFacts } from '../types.js';
import { parseDf, selectDisks } from './parsers/df.js';
import { parseLoadavg } from './parsers/loadavg.js';
import { parseMeminfo } from './parsers/meminfo.js';
import { parseOsRelease } from './parsers/os-release.js';
import type { ParseResult } from './parsers/parse-result.js';
import { parsePasswd } from './parsers/passwd.js';
import { cpuUsedPercent, parseProcStat, type CpuSample } from './parsers/proc-stat.js';
import { parseUptime } from './parsers/uptime.js';
import { FACT_SECTIONS, type FactSection } from './probe.js';
import type { ProbeSection } from './parse-probe-output.js';

/**
 * Builds HostFacts from the probe's sections. Each section that failed or could not be parsed becomes a
 * `facts:<section>` failure and leaves its field null ('' for the text facts); the other facts are kept.
 * Returns null facts only when no fact section arrived at all (the probe did not run).
 */
export function factsFromProbe(
  sections: Map<string, ProbeSection>,
  rootfs: string,
  cpu: { previous: CpuCounters | null; now: Date; sampleSeconds: number } = { previous: null, now: new Date(), sampleSeconds: 1 },
): { facts: HostFacts | null; failures: CollectFailure[] } {
  const failures: CollectFailure[] = [];
  if (!FACT_SECTIONS.some((name) => sections.has(name))) return { facts: null, failures };

  /** The parsed section, or null after recording why not. */
  const read = <T>(name: FactSection, parse: (text: string) => ParseResult<T | null>): T | null => {
    const section = sections.get(name);
    if (!section) {
      failures.push({ source: `facts:${name}`, message: 'not reported (probe ended early)' });
      return null;
    }
    const parsed = parse(section.stdout);
    if (section.code !== 0) {
      const why = section.stderr.split('\n')[0] || (section.code === null ? 'cut off' : `exit status ${section.code}`);
      failures.push({ source: `facts:${name}`, message: why });
      // What a failed command printed is not the fact (an unreadable passwd is not "no users").
      return null;
    } else if (parsed.problems.length > 0) {
      failures.push({ source: `facts:${name}`, message: parsed.problems.slice(0, 3).join('; ') });
    }
    return parsed.value;
  };

  const os = read('os-release', parseOsRelease);
  const hostname = read('hostname', (t) => ({ value: t.trim() || null, problems: t.trim() ? [] : ['empty'] }));
  const kernel = read('kernel', (t) => ({ value: t.trim() || null, problems: t.trim() ? [] : ['empty'] }));
  const uptime = read('uptime', parseUptime);
  const load = read('loadavg', parseLoadavg);
  const memory = read('meminfo', parseMeminfo);
  const disks = read('df', parseDf);
  const users = read('passwd', parsePasswd);
  const before = read('cpu-1', parseProcStat);
  // The second sample of a first pass is a step of its own (buildCpuSampleScript); collectHost reports its failure.
  const after = cpu.previous === null && sections.has('cpu-2') ? read('cpu-2', parseProcStat) : null;

  const facts: HostFacts = {
    hostname: hostname ?? '',
    os: os ?? { id: '', name: '', version: '', prettyName: '' },
    kernel: kernel ?? '',
    uptimeSeconds: uptime,
    load,
    cpu: { cores: after?.cores ?? before?.cores ?? 0, ...cpuUsage(before, after, cpu, uptime) },
    memory,
    disks: disks === null ? null : selectDisks(disks, rootfs),
    users,
  };
  return { facts, failures };
}

/**
 * CPU busy percent: between the two samples of a first pass; otherwise between the previous pass's counters and
 * this one (the average since then, which is what a trend wants); since boot when a reboot reset the counters.
 */
function cpuUsage(
  first: CpuSample | null,
  second: CpuSample | null,
  cpu: { previous: CpuCounters | null; now: Date; sampleSeconds: number },
  uptimeSeconds: number | null,
): Pick<HostFacts['cpu'], 'usedPercent' | 'windowSeconds' | 'counters'> {
  const last = second ?? first;
  const counters = last ? { totalJiffies: last.totalJiffies, idleJiffies: last.idleJiffies, at: cpu.now.toISOString() } : null;
  if (first && second) return { usedPercent: cpuUsedPercent(first, second), windowSeconds: cpu.sampleSeconds, counters };
  if (!first || !cpu.previous) return { usedPercent: null, windowSeconds: null, counters };
  const sincePrevious = cpuUsedPercent({ ...cpu.previous, cores: 0 }, first);
  if (sincePrevious !== null) {
    const windowSeconds = Math.max(0, Math.round((cpu.now.getTime() - Date.parse(cpu.previous.at)) / 1000));
    return { usedPercent: sincePrevious, windowSeconds, counters };
  }
  const sinceBoot = cpuUsedPercent({ totalJiffies: 0, idleJiffies: 0, cores: 0 }, first);
  return { usedPercent: sinceBoot, windowSeconds: uptimeSeconds === null ? null : Math.round(uptimeSeconds), counters };
}

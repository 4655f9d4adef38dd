import type { BandName, DiskUsage, Finding, HostFacts, ResourceThresholds, Severity } from '../types.js';

/** Bands in the order the original tries them: the first band with `low <= v <= high` wins. */
export const BAND_ORDER: readonly BandName[] = ['health', 'info', 'warning', 'critical'];

/**
 * The band a percentage falls in (section 2.3 of the original). Where bands overlap, the most severe one wins: a site
 * that sets only `critical: "80-100"` means 85 % is critical, although the default warning band reaches 89 (the
 * original's first-match rule made it a warning). A value in a gap between two bands (30.5 with the default `0-30`,
 * `31-60`) counts toward the higher band; the original called it Unknown, which hid real usage. Outside every band
 * (negative, above the top band, NaN) it is `unknown`.
 */
export function classifyBand(value: number, thresholds: ResourceThresholds): BandName | 'unknown' {
  if (!Number.isFinite(value)) return 'unknown';
  for (const name of [...BAND_ORDER].reverse()) {
    const band = thresholds[name];
    if (band.low <= value && value <= band.high) return name;
  }
  const isAboveSome = BAND_ORDER.some((name) => thresholds[name].high < value);
  if (!isAboveSome) return 'unknown';
  let next: BandName | 'unknown' = 'unknown';
  for (const name of BAND_ORDER) {
    const low = thresholds[name].low;
    if (low > value && (next === 'unknown' || low < thresholds[next].low)) next = name;
  }
  return next;
}

/** 1-minute load as a percentage of the cores (100 = every core busy), or null without a load or core count. */
export function loadPercent(facts: HostFacts): number | null {
  if (!facts.load || !(facts.cpu.cores > 0) || !Number.isFinite(facts.load.one)) return null;
  return (facts.load.one / facts.cpu.cores) * 100;
}

/** Load can exceed 100%; beyond the top band it is as bad as the top band, not unknown. */
export function classifyLoad(percent: number, thresholds: ResourceThresholds): BandName | 'unknown' {
  const top = Math.max(...BAND_ORDER.map((name) => thresholds[name].high));
  return classifyBand(Math.min(percent, top), thresholds);
}

/**
 * Read-only images (snap squashfs, loop devices) are full by design, and size-0 pseudo filesystems have no usage.
 * Reporting them would put a permanent critical on every Ubuntu host.
 */
export function isAlwaysFullMount(disk: DiskUsage): boolean {
  return disk.sizeBytes <= 0 || disk.mount.startsWith('/snap/') || /squashfs|^\/dev\/loop/.test(disk.filesystem);
}

function bandSeverity(band: BandName | 'unknown'): Severity | null {
  if (band === 'critical') return 'crit';
  if (band === 'warning') return 'warn';
  return null;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

function diskFindings(disks: readonly DiskUsage[], thresholds: ResourceThresholds): Finding[] {
  const findings: Finding[] = [];
  for (const disk of disks) {
    if (isAlwaysFullMount(disk)) continue;
    const band = classifyBand(disk.usedPercent, thresholds);
    const severity = bandSeverity(band);
    if (!severity) continue;
    findings.push({
      category: 'disk.usage',
      severity,
      ruleId: 'resource.disk',
      title: `Disk ${disk.mount} is ${round1(disk.usedPercent)}% full`,
      key: `disk.usage:${disk.mount}`,
      subject: disk.mount,
      count: 1,
      evidence: [
        {
          source: 'facts:df',
          values: { mount: disk.mount, usedPercent: round1(disk.usedPercent), availBytes: disk.availBytes, band },
        },
      ],
      recommendation: `Free space on ${disk.mount} (old logs, package caches, container images) or grow the filesystem.`,
    });
  }
  return findings;
}

function memoryFinding(facts: HostFacts, thresholds: ResourceThresholds): Finding | null {
  const { memory } = facts;
  if (!memory) return null;
  const band = classifyBand(memory.usedPercent, thresholds);
  const severity = bandSeverity(band);
  if (!severity) return null;
  return {
    category: 'memory.usage',
    severity,
    ruleId: 'resource.memory',
    title: `Memory ${round1(memory.usedPercent)}% used`,
    key: 'memory.usage',
    count: 1,
    evidence: [
      {
        source: 'facts:meminfo',
        values: {
          usedPercent: round1(memory.usedPercent),
          availableBytes: memory.availableBytes,
          totalBytes: memory.totalBytes,
          band,
        },
      },
    ],
    recommendation: 'Find the processes using the memory (ps --sort=-rss); add memory or limit the service.',
  };
}

/**
 * Load is a momentary sample and short bursts above the core count are normal, so only the critical band raises a
 * finding, and only a warning.
 */
function loadFinding(facts: HostFacts, thresholds: ResourceThresholds): Finding | null {
  const percent = loadPercent(facts);
  if (percent === null || !facts.load) return null;
  const band = classifyLoad(percent, thresholds);
  if (band !== 'critical') return null;
  return {
    category: 'cpu.load',
    severity: 'warn',
    ruleId: 'resource.load',
    title: `Load ${facts.load.one} on ${facts.cpu.cores} cores (${round1(percent)}% of capacity)`,
    key: 'cpu.load',
    count: 1,
    evidence: [
      {
        source: 'facts:loadavg',
        values: { load1: facts.load.one, cores: facts.cpu.cores, loadPercent: round1(percent), band },
      },
    ],
    recommendation: 'Check what keeps the CPUs or disks busy (top, iotop); a sustained load needs more capacity.',
  };
}

/**
 * Findings for resource usage in the warning or critical band: disk per mount (`disk.usage`), memory
 * (`memory.usage`), and the 1-minute load per core (`cpu.load`, critical band only). Nothing for health/info.
 */
export function resourceFindings(facts: HostFacts, thresholds: ResourceThresholds): Finding[] {
  const findings = diskFindings(facts.disks ?? [], thresholds);
  const memory = memoryFinding(facts, thresholds);
  if (memory) findings.push(memory);
  const load = loadFinding(facts, thresholds);
  if (load) findings.push(load);
  return findings;
}

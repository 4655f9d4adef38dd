import { compareDu, largestDirs, type DirGrowth } from '../collect/du-compare.js';
import type { DuBaseline, DuResult } from '../collect/du.js';
import { formatBytes } from '../collect/format-bytes.js';
import type { DiskUsage, Evidence, Finding, Severity } from '../types.js';
import type { DiskHistory, MountDelta, WindowDelta } from './disk-history.js';
import { isAlwaysFullMount } from './resources.js';

/** `disk_growth` settings (global -> site -> host), normalized. */
export interface DiskGrowthOptions {
  /** Growth since the last pass (or last du) that counts as a step (`step: "1GiB"`); null when given in percent. */
  stepBytes: number | null;
  /** The same in percent of the mount's size (`step: "5%"`). With both set, both must be passed. */
  stepPercent: number | null;
  /** A trend that fills the mount within this many days is a finding (`full_within_days`, default 7). */
  fullWithinDays: number;
}

export const DISK_GROWTH_DEFAULTS: DiskGrowthOptions = { stepBytes: 1024 ** 3, stepPercent: null, fullWithinDays: 7 };

/** A 24 h or 7 d trend must add at least this much to count: a nearly full mount's churn is not a trend. */
export const MIN_TREND_BYTES = 64 * 1024 ** 2;

/** The shortest span whose growth rate may project "full within a day" (crit): one hour. */
const MIN_CRIT_SPAN_SECONDS = 3600;

/** The growth that counts as a step on a mount of `sizeBytes` (Infinity when no step is configured). */
export function stepBytesFor(sizeBytes: number, options: DiskGrowthOptions): number {
  const steps = [options.stepBytes, options.stepPercent === null ? null : (options.stepPercent / 100) * sizeBytes];
  const given = steps.filter((s): s is number => s !== null && s > 0);
  return given.length > 0 ? Math.max(...given) : Infinity;
}

/** Usage of a mount when it was last looked at. */
export interface DiskLook {
  usedBytes: number;
  sizeBytes: number;
}

/** What mountsToInspect compares with; every part is optional. */
export interface InspectReference {
  /** The `disk_history` baseline as stored before this pass (its newest sample is the last pass). */
  history?: DiskHistory | null;
  /** The previous pass's facts, when there is no history yet. */
  previousDisks?: readonly DiskUsage[] | null;
  /** Usage at each mount's last du (from the `du:<mount>` baselines). */
  lastDu?: Readonly<Record<string, DiskLook>>;
  /** Also pick a mount that has never had a du (the fullest), when none grew: the next growth then has a comparison. */
  seedMissing?: boolean;
}

/**
 * The mount whose directories the collector should measure this pass: the one that grew most, and by at least a
 * step, since the last pass or since its last du (whichever shows more growth: a cleanup after the du must not hide
 * a new jump). At most ONE mount per pass, so the du stays bounded on a host where everything grows at once. A mount
 * whose size changed (resized, replaced) is compared with nothing. Returns [] or [mount].
 */
export function mountsToInspect(disks: readonly DiskUsage[], reference: InspectReference, options: DiskGrowthOptions): string[] {
  let best: { mount: string; growth: number } | null = null;
  for (const disk of disks) {
    if (isAlwaysFullMount(disk)) continue;
    const looks = [lastPassLook(disk.mount, reference), reference.lastDu?.[disk.mount]];
    const growth = Math.max(
      -Infinity,
      ...looks.filter((l): l is DiskLook => l !== undefined && isComparable(l, disk)).map((l) => disk.usedBytes - l.usedBytes),
    );
    if (growth >= stepBytesFor(disk.sizeBytes, options) && (!best || growth > best.growth)) best = { mount: disk.mount, growth };
  }
  if (best) return [best.mount];
  if (!reference.seedMissing || !reference.lastDu) return [];
  const lastDu = reference.lastDu;
  const unseen = disks.filter((d) => !isAlwaysFullMount(d) && lastDu[d.mount] === undefined);
  unseen.sort((a, b) => b.usedBytes - a.usedBytes);
  return unseen[0] ? [unseen[0].mount] : [];
}

function lastPassLook(mount: string, reference: InspectReference): DiskLook | undefined {
  const samples = reference.history?.mounts[mount];
  if (samples && samples.length > 0) return samples[samples.length - 1];
  return reference.previousDisks?.find((d) => d.mount === mount);
}

/** Same rule as the history: a size change beyond 10% is another filesystem. */
function isComparable(look: DiskLook, disk: DiskUsage): boolean {
  return Math.abs(look.sizeBytes - disk.sizeBytes) <= 0.1 * Math.max(look.sizeBytes, disk.sizeBytes);
}

/** This pass's du of one mount, with the stored du of that mount it is compared with. */
export interface DuInspection {
  mount: string;
  current: DuResult;
  previous: DuBaseline | null;
}

/**
 * `disk.growth` findings, one per mount that grew by a step since the last pass, or whose 24 h or 7 d trend fills it
 * within `fullWithinDays`. Severity warn; crit when the rate that raised it fills the mount within a day. A quiet,
 * shrinking or resized mount has none. When this pass measured the mount with du, the evidence names the
 * directories that grew most since the last du (or the biggest ones, without an earlier du).
 */
export function diskGrowthFindings(deltas: readonly MountDelta[], options: DiskGrowthOptions, du: DuInspection | null = null): Finding[] {
  const findings: Finding[] = [];
  for (const delta of deltas) {
    const step = stepBytesFor(delta.sizeBytes, options);
    const isStep = (delta.sinceLastPass?.deltaBytes ?? 0) >= step;
    const isFast = (w: WindowDelta | null): w is WindowDelta =>
      w !== null && w.deltaBytes >= MIN_TREND_BYTES && w.daysToFull !== null && w.daysToFull < options.fullWithinDays;
    const raised = [isStep ? delta.sinceLastPass : null, isFast(delta.day) ? delta.day : null, isFast(delta.week) ? delta.week : null];
    const windows = raised.filter((w): w is WindowDelta => w !== null);
    const shown = windows[0];
    if (delta.isResized || !shown) continue;
    // A projection from a few minutes (one big copy between close passes) is not a trend: crit needs an hour of it.
    const severity: Severity = windows.some((w) => w.daysToFull !== null && w.daysToFull < 1 && w.spanSeconds >= MIN_CRIT_SPAN_SECONDS) ? 'crit' : 'warn';
    const when = shown === delta.sinceLastPass ? `in ${formatSpan(shown.spanSeconds)} (since the last pass)` : `in ${formatSpan(shown.spanSeconds)}`;
    const full = shown.daysToFull === null ? '' : `, full in ~${formatDays(shown.daysToFull)} at this rate`;
    const evidence: Evidence[] = [{ source: 'facts:df', values: deltaValues(delta, shown, step) }];
    if (du && du.mount === delta.mount) evidence.push(duEvidence(du));
    findings.push({
      category: 'disk.growth',
      severity,
      ruleId: 'change.disk_growth',
      title: `Disk ${delta.mount} grew ${formatBytes(shown.deltaBytes)} ${when}${full}`,
      key: `disk.growth:${delta.mount}`,
      subject: delta.mount,
      count: 1,
      evidence,
      recommendation:
        `Find what grew on ${delta.mount} (the du lines, or du -x -d 2 ${delta.mount} | sort -n); ` +
        'rotate or clean it up, or grow the filesystem before it fills.',
    });
  }
  return findings;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

function deltaValues(delta: MountDelta, shown: WindowDelta, step: number): Record<string, string | number> {
  const values: Record<string, string | number> = {
    mount: delta.mount,
    usedPercent: round1(delta.usedPercent),
    usedBytes: delta.usedBytes,
    availBytes: delta.availBytes,
    sizeBytes: delta.sizeBytes,
    bytesPerDay: Math.round(shown.bytesPerDay),
  };
  if (shown.daysToFull !== null) values.daysToFull = round1(shown.daysToFull);
  if (Number.isFinite(step)) values.stepBytes = Math.round(step);
  const windows: Array<[string, WindowDelta | null]> = [
    ['lastPass', delta.sinceLastPass],
    ['day', delta.day],
    ['week', delta.week],
  ];
  for (const [name, w] of windows) {
    if (!w) continue;
    values[`${name}DeltaBytes`] = w.deltaBytes;
    values[`${name}SpanSeconds`] = w.spanSeconds;
  }
  return values;
}

/** Longest path shown in an evidence line (names are the host's, and only a pointer). */
const MAX_PATH_CHARS = 200;

function duEvidence(du: DuInspection): Evidence {
  const { current, previous } = du;
  const source = `du:${du.mount}`;
  if (current.error !== null || current.dirs.length === 0) {
    return { source, lines: [`du gave no directories (${DU_ERRORS[current.error ?? ''] ?? 'no output'})`] };
  }
  const values: Record<string, string | number> = { depth: current.depth, complete: current.complete ? 'yes' : 'no (stopped early)' };
  if (!previous) {
    values.compared = 'no earlier du: the biggest directories now';
    return { source, values, lines: largestDirs(current).map((d) => `${shortPath(d.path)} ${formatBytes(d.kb * 1024)}`) };
  }
  values.since = previous.at;
  const growth = compareDu(previous.result, current);
  const lines = growth.map(growthLine);
  if (lines.length === 0) {
    lines.push('no directory grew since the last du: look for deleted files still held open (lsof +L1) or deeper levels');
  }
  return { source, values, lines };
}

const DU_ERRORS: Record<string, string> = {
  cd: 'the mount could not be entered',
  depth: 'this du has no depth option',
  names: 'a directory name contains a newline and this du has no -0',
};

function growthLine(g: DirGrowth): string {
  const amount = `+${formatBytes(g.deltaBytes)}${g.isLowerBound ? ' or more' : ''}`;
  return `${shortPath(g.path)} ${amount} (${g.isNew ? 'new, ' : ''}now ${formatBytes(g.nowBytes)})`;
}

function shortPath(path: string): string {
  return path.length > MAX_PATH_CHARS ? `${path.slice(0, MAX_PATH_CHARS)}…` : path;
}

/** `2700` -> `45 min`, `5400` -> `1.5 h`, `604800` -> `7 d`. */
function formatSpan(seconds: number): string {
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min`;
  if (seconds < 48 * 3600) return `${round1(seconds / 3600)} h`;
  return `${round1(seconds / 86400)} d`;
}

/** Under two days in hours, else in days. */
function formatDays(days: number): string {
  return days < 2 ? `${Math.max(1, Math.round(days * 24))} h` : `${round1(days)} days`;
}

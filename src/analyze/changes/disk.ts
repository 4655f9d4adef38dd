import type { Change, Finding, HostSnapshot, PreviousHostState, ResolvedHost } from '../../types.js';
import { readDuBaseline } from '../../collect/du.js';
import { diskDeltas, readDiskHistory, updateDiskHistory, type MountDelta } from '../disk-history.js';
import { DISK_GROWTH_DEFAULTS, diskGrowthFindings } from '../disk-growth.js';

export interface DiskAnalysis {
  /** Per mount: the change since the last pass, over ~24 h and ~7 d (the report's disk table). */
  deltas: MountDelta[];
  findings: Finding[];
  /** One `disk` change per mount that raised a growth finding (the report's "changes" list). */
  changes: Change[];
  /** `disk_history`, and `du:<mount>` when a du ran: baselines to store. */
  baselines: Record<string, unknown>;
}

/**
 * Disk growth (FR-ANALYSIS-004): the per-mount history (deltas since the last pass, over 24 h and 7 d), a
 * `disk.growth` finding for a step or a fast trend, with the directories that grew when the collector ran a du. Pure.
 */
export function analyzeDisks(host: ResolvedHost, snapshot: HostSnapshot, previous: PreviousHostState): DiskAnalysis {
  const disks = snapshot.facts?.disks;
  if (!disks || host.trackChanges === false) return { deltas: [], findings: [], changes: [], baselines: {} };
  const now = new Date(snapshot.collectedAt);
  const settings = host.diskGrowth ?? { ...DISK_GROWTH_DEFAULTS };
  const options = { stepBytes: settings.stepBytes, stepPercent: settings.stepPercent, fullWithinDays: settings.fullWithinDays };
  const history = readDiskHistory(previous.baselines.disk_history);
  const du = snapshot.du ? { mount: snapshot.du.mount, current: snapshot.du.result, previous: readDuBaseline(previous.baselines[`du:${snapshot.du.mount}`]) } : null;
  const deltas = diskDeltas(history, disks, now);
  const findings = diskGrowthFindings(deltas, options, du);
  const changes: Change[] = findings.map((f) => ({
    kind: 'disk',
    action: 'changed',
    subject: f.subject ?? '',
    category: 'disk.growth',
    detail: f.title.replace(/^Disk /, ''),
    expected: false,
    reason: null,
  }));
  const baselines: Record<string, unknown> = { disk_history: updateDiskHistory(previous.baselines.disk_history, disks, now) };
  // An empty result (du could not run) would erase the last comparison: keep the previous one.
  if (snapshot.du && snapshot.du.result.dirs.length > 0) {
    baselines[`du:${snapshot.du.mount}`] = { at: snapshot.collectedAt, usedBytes: snapshot.du.usedBytes, sizeBytes: snapshot.du.sizeBytes, result: snapshot.du.result };
  }
  return { deltas, findings, changes, baselines };
}

/**
 * The changes part of the host report model, the same for the per-pass and the period report: changes grouped by
 * area with packages per transaction, and disk growth with the directories a du found behind it. Pure.
 */
import type { Change, HostAnalysis } from '../types.js';
import type { ChangeArea, ReportChange, ReportChangeGroup, ReportChanges, ReportDiskGrowth, ReportFinding } from './host-report-model.js';
import { toReportFinding, utcOr } from './host-report-sections.js';

/** Changes shown per set at most; the rest are counted. */
export const MAX_CHANGES_SHOWN = 40;

/** The change areas in report order. */
export const CHANGE_AREAS: readonly ChangeArea[] = ['users', 'packages', 'services', 'ports', 'files', 'docker', 'system'];

const AREA_OF: Record<Change['kind'], ChangeArea | null> = {
  user: 'users',
  group: 'users',
  sudoers: 'users',
  authorized_keys: 'users',
  package: 'packages',
  service: 'services',
  listener: 'ports',
  file: 'files',
  cron: 'files',
  container: 'docker',
  image: 'docker',
  // Disk growth is listed with the directories behind it (ReportChanges.diskGrowth).
  disk: null,
  kernel: 'system',
  boot: 'system',
};
const TRANSACTION_REASON = /^part of the package transaction (.+)$/;

/**
 * Changes grouped by area (users and access, packages, services, ports, files, docker, system), unexpected first in
 * each; packages in one set per package transaction, so one `apt upgrade` is one item with its packages under it.
 */
export function groupChanges(
  changes: ReadonlyArray<Change & { detectedAt?: string }>,
  diskGrowth: ReportDiskGrowth[],
  notLoaded: number,
): ReportChanges {
  const byArea = new Map<ChangeArea, Map<string | null, ReportChange[]>>();
  for (const c of changes) {
    const area = AREA_OF[c.kind];
    if (!area) continue;
    const transaction = area === 'packages' ? (TRANSACTION_REASON.exec(c.reason ?? '')?.[1] ?? null) : null;
    const sets = byArea.get(area) ?? new Map<string | null, ReportChange[]>();
    byArea.set(area, sets);
    const items = sets.get(transaction) ?? [];
    sets.set(transaction, items);
    items.push({
      kind: c.kind,
      action: c.action,
      subject: c.subject,
      detail: c.detail,
      // The set's heading names the transaction; the item does not repeat it.
      reason: transaction === null ? c.reason : null,
      expected: c.expected,
      detectedAt: c.detectedAt ? utcOr(c.detectedAt, c.detectedAt) : null,
    });
  }
  const order = (a: ReportChange, b: ReportChange): number =>
    Number(a.expected) - Number(b.expected) || a.kind.localeCompare(b.kind) || a.subject.localeCompare(b.subject);
  const groups: ReportChangeGroup[] = [];
  for (const area of CHANGE_AREAS) {
    const sets = byArea.get(area);
    if (!sets) continue;
    // Transactions in the order they were seen; changes no transaction explains last.
    const keys = [...sets.keys()].sort((a, b) => Number(a === null) - Number(b === null));
    const all = [...sets.values()].flat();
    groups.push({
      area,
      total: all.length,
      unexpected: all.filter((c) => !c.expected).length,
      sets: keys.map((transaction) => {
        const items = [...(sets.get(transaction) ?? [])].sort(order);
        return { transaction, items: items.slice(0, MAX_CHANGES_SHOWN), more: Math.max(0, items.length - MAX_CHANGES_SHOWN) };
      }),
    });
  }
  return {
    total: changes.length + notLoaded,
    unexpected: changes.filter((c) => !c.expected).length,
    groups,
    diskGrowth,
    notLoaded,
  };
}

/** The du evidence of a `disk.growth` finding: the directories that grew (or the biggest, without an earlier du). */
export function duDirectories(f: Pick<ReportFinding, 'subject' | 'evidence'>): Pick<ReportDiskGrowth, 'directories' | 'directoriesKind'> {
  const du = f.evidence.find((e) => e.source === `du:${f.subject ?? ''}` || e.source.startsWith('du:'));
  if (!du || du.lines.length === 0) return { directories: [], directoriesKind: null };
  const isLargest = du.values.some((v) => v.name === 'compared');
  return { directories: du.lines, directoriesKind: isLargest ? 'largest' : 'grew' };
}

function numberValue(f: ReportFinding, name: string): number | null {
  const value = f.evidence.flatMap((e) => e.values).find((v) => v.name === name)?.value;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Per pass: each `disk.growth` finding with the growth since the last pass and its du lines. */
export function passDiskGrowth(analysis: HostAnalysis): ReportDiskGrowth[] {
  return analysis.findings
    .filter((f) => f.category === 'disk.growth')
    .map((f) => {
      const view = toReportFinding(f, '');
      const delta = analysis.diskDeltas?.find((d) => d.mount === f.subject);
      return {
        mount: f.subject ?? '',
        deltaBytes: delta?.sinceLastPass ?? numberValue(view, 'lastPassDeltaBytes'),
        usedBytes: numberValue(view, 'usedBytes'),
        sizeBytes: numberValue(view, 'sizeBytes'),
        ...duDirectories(view),
        directoriesAt: null,
      };
    });
}

/**
 * The alert state machine of one host (issue #5, FR-ALERT-001/002/003), pure: what to notify, given the host's alert
 * records before this pass and the findings of this pass. Delivery (grouping per recipient list, routing by severity,
 * email, Pushover, the outbox) is a later stage; this decides only WHETHER and WHY to notify, and records it.
 *
 * Per finding key (the stable `category:subject`):
 * - a finding seen for the first time is `pending`; it is notified (`opened`) once it has been reported for
 *   `forPasses` passes in a row. Only conditions wait (a full disk, a failing health check, an unreadable log); an
 *   event (a log line, a change) is over when it is reported, so it is notified at once;
 * - while it stays reported it is `open` and silent, except a reminder after `renotifyAfterMs` and an `escalated`
 *   notice when its severity rises (warn -> crit);
 * - when a pass that analysed the host no longer reports it, it is `resolved` (a `resolved` notice when it had been
 *   notified, is a condition or an unreachable host, and `notifyRecovery` is on; an event just ends); an unreachable
 *   host resolves nothing. One that comes back within
 *   `flapWindowMs` of resolving continues the old record silently (a flapping service is one alert, not one per flap);
 * - a notification is MUTED, not lost: by `host.unreachable` (every other alert of that host waits: the host being
 *   down is the news), by a silence (category, host or site, until a time), by a maintenance window, or, for an
 *   event, by being found on the host's first pass (the existing logs' history). A muted
 *   notification is recorded with its reason and the record stays un-notified, so a condition still open when the
 *   mute ends is notified then; an event of the muted time is not repeated.
 */
import { globMatch, windowAt } from '../analyze/changes/expected.js';
import type { Finding, FindingCategory, MaintenanceWindow, Severity } from '../types.js';

export type AlertStatus = 'pending' | 'open' | 'resolved';

/** One (host, finding key) as the machine remembers it between passes. */
export interface AlertRecord {
  key: string;
  category: FindingCategory;
  severity: Severity;
  title: string;
  status: AlertStatus;
  /** When the current episode started (ISO). */
  firstSeen: string;
  lastSeen: string;
  /** Passes in a row that reported it in this episode. */
  passes: number;
  /** When it was last notified (opened, reminder, escalated), null while never notified in this episode. */
  notifiedAt: string | null;
  /** The severity it was last notified with. */
  notifiedSeverity: Severity | null;
  resolvedAt: string | null;
  /**
   * A condition (a full disk, an unreachable host) that can recover; an event (a log line, a change) cannot: its
   * record resolves silently, or every notified event would be followed by a "resolved" notice the next pass.
   */
  condition: boolean;
}

export interface AlertPolicy {
  /** Passes a condition must be reported in a row before it is notified (`for`). Default 1. */
  forPasses: number;
  /** Remind of a notified alert still open after this long; null: never. Default 24 h. */
  renotifyAfterMs: number | null;
  /** Notify when a notified alert resolves. Default true. */
  notifyRecovery: boolean;
  /** A resolved alert that comes back within this long continues its episode silently. Default 2 h. */
  flapWindowMs: number;
}

export const DEFAULT_ALERT_POLICY: AlertPolicy = { forPasses: 1, renotifyAfterMs: 24 * 3600_000, notifyRecovery: true, flapWindowMs: 2 * 3600_000 };

/** A silence: mutes the notifications it matches until `until`; every given field must match. */
export interface Silence {
  /** Glob on the finding category (`disk.*`). Default any. */
  category?: string;
  /** Host name (glob). Default any. */
  host?: string;
  /** Site id. Default any. */
  site?: string;
  /** ISO time the silence ends. */
  until: string;
  /** Shown with what it muted. */
  reason: string;
}

export type NotificationKind = 'opened' | 'reminder' | 'escalated' | 'resolved';

export interface AlertNotification {
  kind: NotificationKind;
  key: string;
  category: FindingCategory;
  severity: Severity;
  title: string;
  /** The finding of this pass (absent for `resolved`). */
  finding?: Finding;
  /** Set when the notification is not sent: why (`host unreachable`, `silenced: ...`, `inside ...`). */
  mutedBy?: string;
}

export interface AlertStepInput {
  host: { name: string; site: string | null };
  now: Date;
  /** This pass's findings of the host. */
  findings: readonly Finding[];
  /** Whether the pass looked at the host (false: unreachable, nothing is resolved). */
  analysed: boolean;
  silences?: readonly Silence[];
  windows?: readonly MaintenanceWindow[];
  /**
   * The first pass that collected this host: its events come from the logs' whole existing history (last month's
   * brute forces), so they are recorded and reported but not notified. Conditions (a full disk now) still are.
   */
  firstLook?: boolean;
}

/** Why a first pass's events are not notified. */
export const FIRST_LOOK_REASON = 'first pass over this host: events from the existing logs are reported, not alerted';

export interface AlertStepResult {
  /** Every record after this pass (resolved ones included, for flap detection). */
  records: AlertRecord[];
  /** What to send (`mutedBy` unset) and what was muted (`mutedBy` set), in finding order. */
  notifications: AlertNotification[];
}

const RANK: Record<Severity, number> = { info: 0, warn: 1, crit: 2 };

/**
 * Findings that describe a state lasting across passes (they wait `forPasses`); everything else is an event.
 * `host.unreachable` has its own pass count (3 failed passes) and is never delayed again.
 */
export function isCondition(finding: Finding): boolean {
  if (finding.category === 'host.unreachable') return false;
  return (
    finding.ruleId.startsWith('resource.') ||
    finding.category === 'collect.source_failed' ||
    // A custom query over its limit is a level, like a resource band: it waits `for_passes` too.
    finding.category === 'metric.threshold' ||
    finding.category === 'docker.container_unhealthy' ||
    finding.category === 'disk.usage' ||
    finding.category === 'disk.readonly'
  );
}

function muteReason(input: AlertStepInput, category: FindingCategory, hostDown: boolean, finding?: Finding): string | undefined {
  if (hostDown && category !== 'host.unreachable') return 'host unreachable';
  if (input.firstLook && finding && !isCondition(finding) && category !== 'host.unreachable') return FIRST_LOOK_REASON;
  const now = input.now.getTime();
  for (const s of input.silences ?? []) {
    if (Date.parse(s.until) <= now) continue;
    if (s.category !== undefined && !globMatch(s.category, category)) continue;
    if (s.host !== undefined && !globMatch(s.host, input.host.name)) continue;
    if (s.site !== undefined && s.site !== input.host.site) continue;
    return `silenced until ${s.until}: ${s.reason}`;
  }
  const window = windowAt(input.windows ?? [], input.now);
  return window ? `inside ${window.label}` : undefined;
}

/** One pass of the machine for one host. Pure: the input records are not modified. */
export function stepAlerts(previous: readonly AlertRecord[], input: AlertStepInput, policy: AlertPolicy = DEFAULT_ALERT_POLICY): AlertStepResult {
  const now = input.now.toISOString();
  const nowMs = input.now.getTime();
  const byKey = new Map(previous.map((r) => [r.key, { ...r }]));
  const notifications: AlertNotification[] = [];
  const hostDown = input.findings.some((f) => f.category === 'host.unreachable' && f.severity !== 'info');
  const seen = new Set<string>();

  for (const finding of input.findings) {
    if (seen.has(finding.key)) continue;
    seen.add(finding.key);
    let record = byKey.get(finding.key);
    const isFlap = record?.status === 'resolved' && record.resolvedAt !== null && nowMs - Date.parse(record.resolvedAt) <= policy.flapWindowMs;
    if (!record || (record.status === 'resolved' && !isFlap)) {
      record = { key: finding.key, category: finding.category, severity: finding.severity, title: finding.title, status: 'pending', firstSeen: now, lastSeen: now, passes: 0, notifiedAt: null, notifiedSeverity: null, resolvedAt: null, condition: false };
    }
    record.condition = isCondition(finding) || finding.category === 'host.unreachable';
    record.passes += 1;
    record.status = record.notifiedAt !== null ? 'open' : 'pending';
    record.lastSeen = now;
    record.resolvedAt = null;
    record.severity = finding.severity;
    record.title = finding.title;
    byKey.set(finding.key, record);

    let kind: NotificationKind | null = null;
    if (record.notifiedAt === null) {
      if (!isCondition(finding) || record.passes >= policy.forPasses) kind = 'opened';
    } else if (record.notifiedSeverity !== null && RANK[finding.severity] > RANK[record.notifiedSeverity]) {
      kind = 'escalated';
    } else if (policy.renotifyAfterMs !== null && nowMs - Date.parse(record.notifiedAt) >= policy.renotifyAfterMs) {
      kind = 'reminder';
    }
    if (kind === null) continue;
    const mutedBy = muteReason(input, finding.category, hostDown, finding);
    notifications.push({ kind, key: finding.key, category: finding.category, severity: finding.severity, title: finding.title, finding, ...(mutedBy ? { mutedBy } : {}) });
    if (!mutedBy) {
      record.notifiedAt = now;
      record.notifiedSeverity = finding.severity;
      record.status = 'open';
    }
  }

  if (input.analysed) {
    for (const record of byKey.values()) {
      if (seen.has(record.key) || record.status === 'resolved') continue;
      const wasNotified = record.notifiedAt !== null;
      record.status = 'resolved';
      record.resolvedAt = now;
      if (!wasNotified || !policy.notifyRecovery || !record.condition) continue;
      const mutedBy = muteReason(input, record.category, hostDown);
      notifications.push({ kind: 'resolved', key: record.key, category: record.category, severity: record.severity, title: record.title, ...(mutedBy ? { mutedBy } : {}) });
    }
  }
  return { records: [...byKey.values()], notifications };
}

/**
 * From the pass's host results to what to tell whom (pure): the alert state machine per host, then routing by
 * severity and grouping. All notifications of one pass to the same recipient list become ONE email; crit ones also
 * one short email to the SMS gateway list and one Pushover message. Muted notifications are recorded, not sent.
 */
import type { DeliverySettings } from '../config/delivery.js';
import type { Evidence, Finding, HostPassResult, ResolvedHost, Severity } from '../types.js';
import { stepAlerts, type AlertNotification, type AlertRecord, type NotificationKind } from './state-machine.js';

const RANK: Record<Severity, number> = { info: 0, warn: 1, crit: 2 };

/** One notification as a message shows it. */
export interface AlertItem {
  host: string;
  site: string | null;
  kind: NotificationKind;
  severity: Severity;
  category: string;
  key: string;
  title: string;
  recommendation: string | null;
  /** A few redacted evidence lines (or measured values), each at most EXCERPT_LINE_CHARS. */
  excerpt: string[];
  /** Where the evidence came from (`/var/log/auth.log`, `facts:df`). */
  source: string | null;
  /** Link to the host's full report when `api.public_url` is set. */
  link: string | null;
  /** The host's score this pass (null when unreachable). */
  score: number | null;
  /** Why it was not sent (muted), else null. */
  mutedBy: string | null;
}

export interface AlertGroup {
  recipients: string[];
  items: AlertItem[];
}

export interface AlertPlan {
  /** Each host's records after this pass, and why notifications were muted, to store. */
  states: Array<{ hostName: string; records: AlertRecord[]; mutedBy: Map<string, string> }>;
  /** One email per distinct recipient list. */
  emails: AlertGroup[];
  /** Crit opened/escalated items for the SMS gateway list (one short email), or null. */
  sms: AlertGroup | null;
  /** Items for Pushover (at or above pushover.min_severity), empty when Pushover is off. */
  pushover: AlertItem[];
  /** Items muted (host down, silence, maintenance window), for the run output. */
  muted: AlertItem[];
  /** Items notified but with nobody to send them to (no recipients configured for their severity). */
  unrouted: AlertItem[];
}

export interface PlanInput {
  host: ResolvedHost;
  result: HostPassResult;
  records: readonly AlertRecord[];
  /** The first pass that collected the host (see AlertStepInput.firstLook). */
  firstLook?: boolean;
}

export const EXCERPT_LINES = 5;
export const EXCERPT_LINE_CHARS = 300;

function excerptOf(evidence: readonly Evidence[]): { lines: string[]; source: string | null } {
  const lines: string[] = [];
  for (const e of evidence) {
    for (const line of e.lines ?? []) lines.push(line);
    const values = Object.entries(e.values ?? {});
    if (values.length > 0) lines.push(values.map(([k, v]) => `${k}=${String(v)}`).join(' '));
    if (lines.length >= EXCERPT_LINES) break;
  }
  return {
    lines: lines.slice(0, EXCERPT_LINES).map((l) => (l.length > EXCERPT_LINE_CHARS ? `${l.slice(0, EXCERPT_LINE_CHARS - 1)}…` : l)),
    source: evidence[0]?.source ?? null,
  };
}

/** Who gets a host's alerts of a severity: the host's or site's own list, else the per-severity list, else email.alert_recipients. */
export function recipientsFor(host: ResolvedHost, severity: Severity, delivery: DeliverySettings): string[] {
  const routes = delivery.alerts.recipients;
  if (severity === 'info') return routes.info ?? [];
  const own = host.origin.alertRecipients === 'host' || host.origin.alertRecipients === 'site' ? host.alertRecipients : null;
  return own ?? routes[severity] ?? delivery.alertRecipients;
}

/** The full report's address for a host, under `api.public_url`. */
export function hostReportLink(publicUrl: string | null, hostName: string): string | null {
  return publicUrl === null ? null : `${publicUrl}/hosts/${encodeURIComponent(hostName)}/report`;
}

function toItem(n: AlertNotification, input: PlanInput, delivery: DeliverySettings): AlertItem {
  const finding: Finding | undefined = n.finding;
  const { lines, source } = excerptOf(finding?.evidence ?? []);
  return {
    host: input.host.name,
    site: input.host.site,
    kind: n.kind,
    severity: n.severity,
    category: n.category,
    key: n.key,
    title: n.title,
    recommendation: finding?.recommendation ?? null,
    excerpt: lines,
    source,
    link: hostReportLink(delivery.publicUrl, input.host.name),
    score: input.result.score,
    mutedBy: n.mutedBy ?? null,
  };
}

/** Most severe first, then host, then title: the order every message lists its items in. */
function byImportance(a: AlertItem, b: AlertItem): number {
  const kindRank = (k: NotificationKind): number => (k === 'resolved' ? 1 : 0);
  return kindRank(a.kind) - kindRank(b.kind) || RANK[b.severity] - RANK[a.severity] || a.host.localeCompare(b.host) || a.title.localeCompare(b.title);
}

/** Runs the state machine for every host and routes what it says to notify. Pure. */
export function planAlerts(inputs: readonly PlanInput[], now: Date, delivery: DeliverySettings): AlertPlan {
  const { alerts } = delivery;
  const states: AlertPlan['states'] = [];
  const byRecipients = new Map<string, AlertGroup>();
  const sms: AlertItem[] = [];
  const pushover: AlertItem[] = [];
  const muted: AlertItem[] = [];
  const unrouted: AlertItem[] = [];

  for (const input of inputs) {
    const { host, result } = input;
    const step = stepAlerts(
      input.records,
      {
        host: { name: host.name, site: host.site },
        now,
        // AI findings are reported, never alerted: their wording changes from call to call, and the rule findings
        // they cite are what alerts (docs/ai.md).
        findings: result.findings.filter((f) => f.category !== 'ai.finding'),
        analysed: result.status !== 'failed',
        silences: delivery.silences,
        windows: host.maintenanceWindows ?? [],
        firstLook: input.firstLook === true,
      },
      alerts.policy,
    );
    const mutedBy = new Map<string, string>();
    for (const n of step.notifications) {
      if (RANK[n.severity] < RANK[alerts.minSeverity]) continue;
      const item = toItem(n, input, delivery);
      if (n.mutedBy !== undefined) {
        mutedBy.set(n.key, n.mutedBy);
        muted.push(item);
        continue;
      }
      if (!alerts.enabled) continue;
      const recipients = [...new Set(recipientsFor(host, n.severity, delivery))].sort();
      const pushed = delivery.pushover !== null && RANK[n.severity] >= RANK[delivery.pushover.minSeverity];
      // Without SMTP every email becomes an .eml file in the outbox directory: one with no recipient is still read.
      const asFile = delivery.smtp === null;
      if (recipients.length === 0 && !pushed && !asFile) unrouted.push(item);
      if (recipients.length > 0 || asFile) {
        const id = recipients.join('\n');
        const group = byRecipients.get(id) ?? { recipients, items: [] };
        group.items.push(item);
        byRecipients.set(id, group);
      }
      if (n.severity === 'crit' && (n.kind === 'opened' || n.kind === 'escalated')) sms.push(item);
      if (pushed) pushover.push(item);
    }
    states.push({ hostName: host.name, records: step.records, mutedBy });
  }

  const emails = [...byRecipients.values()].map((g) => ({ ...g, items: g.items.sort(byImportance) }));
  const smsList = alerts.recipients.sms ?? [];
  return {
    states,
    emails,
    sms: alerts.enabled && smsList.length > 0 && sms.length > 0 ? { recipients: [...smsList], items: sms.sort(byImportance) } : null,
    pushover: alerts.enabled ? pushover.sort(byImportance) : [],
    muted,
    unrouted,
  };
}

/**
 * The pass's alert stage: after every host's own transaction, run the alert state machine over the pass's results,
 * route what it says to notify, and queue the messages in the outbox in ONE transaction with the new alert records:
 * a record says "notified" exactly when its message is queued, so a crash can neither lose a notification nor send
 * it twice (the outbox dedupe key is per pass and recipient list). Each queued alert item is an `alert.queued` audit
 * row in the same transaction.
 */
import { createHash } from 'node:crypto';
import type { LoadedConfig } from '../config/types.js';
import { alertMessageModel, renderAlertEmail, renderPushover, renderSms } from '../alert/messages.js';
import { EXCERPT_LINE_CHARS, EXCERPT_LINES, planAlerts, type AlertItem, type AlertPlan, type PlanInput } from '../alert/plan.js';
import { emailOutboxMessage, pushoverOutboxMessage } from '../report/outbox.js';
import type { PushoverPriority } from '../report/pushover.js';
import type { Renderer } from '../report/render.js';
import { loadAlertState, saveAlertState } from '../store/alert-state-repo.js';
import { findingEvidenceOfRun } from '../store/findings-repo.js';
import { enqueue, type NewOutboxMessage } from '../store/outbox-repo.js';
import { appendAudit } from '../store/audit-repo.js';
import { DEFAULT_ACTOR, alertQueuedEvents } from './audit-events.js';
import type { Store } from '../store/open-store.js';
import type { Evidence, HostPassResult, ResolvedHost } from '../types.js';

/** What every stage after the hosts gets: the pass, its hosts and their results. */
export interface PassStageInput {
  config: LoadedConfig;
  store: Store;
  renderer: Renderer;
  runId: number;
  now: Date;
  /** The hosts of this pass and their results, in the same order. */
  hosts: readonly ResolvedHost[];
  results: readonly HostPassResult[];
  /** Every configured host's id (syncHosts). */
  hostIds: ReadonlyMap<string, number>;
  /** Who the stage's audit rows name (`run`, `worker:<id>`); default `run`. */
  actor?: string;
}

export interface AlertStageInput extends PassStageInput {
  /** Hosts this pass collected for the first time (no stored facts before): their log events are history. */
  firstLook: ReadonlySet<string>;
}

/** What the stage did, for the run output. */
export interface AlertStageResult {
  /** Messages queued (emails + SMS + Pushover). */
  queued: number;
  /** Notifications sent to someone (each alert once, however many channels). */
  notified: number;
  muted: AlertItem[];
  unrouted: AlertItem[];
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function excerptLines(evidence: readonly Evidence[]): { lines: string[]; source: string | null } {
  const lines: string[] = [];
  for (const e of evidence) {
    lines.push(...(e.lines ?? []));
    const values = Object.entries(e.values ?? {});
    if (values.length > 0) lines.push(values.map(([k, v]) => `${k}=${String(v)}`).join(' '));
  }
  return {
    lines: lines.slice(0, EXCERPT_LINES).map((l) => (l.length > EXCERPT_LINE_CHARS ? `${l.slice(0, EXCERPT_LINE_CHARS - 1)}…` : l)),
    source: evidence[0]?.source ?? null,
  };
}

/**
 * A pass that keeps compact results (findings without evidence, see PassDeps.compactResults) reads the evidence of
 * the findings it notifies back from the store: only those hosts, only this run.
 */
async function withEvidence(plan: AlertPlan, store: Store, runId: number): Promise<void> {
  const items = [...plan.emails.flatMap((g) => g.items), ...(plan.sms?.items ?? []), ...plan.pushover];
  const needing = new Set(items.filter((i) => i.excerpt.length === 0 && i.kind !== 'resolved').map((i) => i.host));
  for (const host of needing) {
    const evidence = await findingEvidenceOfRun(store.db, runId, host);
    for (const item of items) {
      if (item.host !== host || item.excerpt.length > 0) continue;
      const found = evidence.get(item.key);
      if (!found) continue;
      const { lines, source } = excerptLines(found);
      item.excerpt = lines;
      item.source = source;
    }
  }
}

/** Runs the stage. Throws only on a store error (the caller turns it into exit 3; host results are already stored). */
export async function runAlertStage(input: AlertStageInput): Promise<AlertStageResult> {
  const { config, store, renderer, runId, now } = input;
  const delivery = config.delivery;
  const ids = [...input.hostIds.values()];
  const records = await loadAlertState(store.db, ids);
  const plans: PlanInput[] = input.hosts.map((host, i) => ({
    host,
    result: input.results[i] as HostPassResult,
    records: records.get(input.hostIds.get(host.name) as number) ?? [],
    firstLook: input.firstLook.has(host.name),
  }));
  const plan = planAlerts(plans, now, delivery);
  await withEvidence(plan, store, runId);

  const sender = { from: delivery.from, replyTo: delivery.replyTo };
  const messages: NewOutboxMessage[] = [];
  const meta = (key: string) => ({ createdAt: now, runId, kind: 'alert', dedupeKey: `alert:${runId}:${key}` });
  for (const group of plan.emails) {
    const rendered = renderAlertEmail(renderer, alertMessageModel(group.items, now, runId));
    messages.push(await emailOutboxMessage({ to: group.recipients, ...rendered }, meta(`email:${digest(group.recipients.join('\n'))}`), sender));
  }
  if (plan.sms) {
    const sms = renderSms(renderer, alertMessageModel(plan.sms.items, now, runId));
    messages.push(await emailOutboxMessage({ to: plan.sms.recipients, subject: sms.subject, text: sms.text }, meta('sms'), sender));
  }
  if (plan.pushover.length > 0 && delivery.pushover) {
    const p = delivery.pushover;
    const push = renderPushover(renderer, alertMessageModel(plan.pushover, now, runId));
    // Crit at the configured priority (2 only with retry and expire: the sender checks), anything lower at 0.
    const hasCrit = plan.pushover.some((i) => i.severity === 'crit' && i.kind !== 'resolved');
    const priority = (hasCrit ? p.priority : 0) as PushoverPriority;
    messages.push(
      pushoverOutboxMessage(
        { title: push.title, message: push.message, priority, ...(push.url ? { url: push.url, urlTitle: 'Full report' } : {}) },
        meta('pushover'),
        { priority: p.priority as PushoverPriority, ...(p.retrySeconds !== null ? { retrySeconds: p.retrySeconds } : {}), ...(p.expireSeconds !== null ? { expireSeconds: p.expireSeconds } : {}) },
      ),
    );
  }

  await store.db.transaction().execute(async (trx) => {
    for (const state of plan.states) {
      await saveAlertState(trx, input.hostIds.get(state.hostName) as number, state.records, now, state.mutedBy);
    }
    if (messages.length > 0) await enqueue(trx, messages);
    const queuedPushover = messages.some((m) => m.channel === 'pushover');
    await appendAudit(trx, alertQueuedEvents(plan, queuedPushover, { actor: input.actor ?? DEFAULT_ACTOR, at: now.toISOString(), runId }, input.hostIds));
  });
  const notified = new Set([...plan.emails.flatMap((g) => g.items), ...plan.pushover].map((i) => `${i.host}\n${i.key}`)).size;
  return { queued: messages.length, notified, muted: plan.muted, unrouted: plan.unrouted };
}

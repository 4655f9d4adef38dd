/**
 * The rows of the audit trail (NR-SEC-004): one builder per event, from plain data. Pure: the caller appends the rows
 * (appendAudit) in the transaction that stores what they describe, so the trail never records what was not stored.
 * No detail carries a secret: free text (error lines) goes through the redactor with the config's secrets, recipients
 * are counted, never listed, and a config change names hosts and sites, never values. docs/audit.md lists the actions.
 */
import type { AlertPlan } from '../alert/plan.js';
import { createRedactor } from '../analyze/redact.js';
import type { AuditInput } from '../store/audit-repo.js';
import { countBySeverity } from '../store/host-result-rows.js';
import type { OutboxMessage } from '../store/outbox-repo.js';
import type { HostPassResult, ResolvedHost } from '../types.js';

/** The actor of a pass's rows unless the caller names another (`worker:<id>`, `serve`). */
export const DEFAULT_ACTOR = 'run';

/** Free text in a detail (an error line, a subject) is cut here: the row stays small. */
const MAX_TEXT_CHARS = 300;

/** Who did it, when (the pass clock, ISO), in which pass, to which host. */
export interface AuditRef {
  actor: string;
  at: string;
  runId?: number | null;
  hostId?: number | null;
}

function row(ref: AuditRef, action: string, detail: Record<string, unknown>): AuditInput {
  return { at: ref.at, actor: ref.actor, action, hostId: ref.hostId ?? null, runId: ref.runId ?? null, detail };
}

/** `text` cut to MAX_TEXT_CHARS. */
function cut(text: string): string {
  return text.length > MAX_TEXT_CHARS ? `${text.slice(0, MAX_TEXT_CHARS - 1)}…` : text;
}

/** The first line of `text`, secrets masked, at most MAX_TEXT_CHARS. */
function oneLine(text: string, secrets: readonly string[]): string {
  return cut(createRedactor(secrets)(text.split('\n')[0] ?? ''));
}

/** How a host logs in, from its settings: the private key file, the ssh-agent, or both (the order ssh2 tries). */
function authMethod(host: ResolvedHost): string {
  if (host.ssh.keyPath === null) return 'agent';
  return host.ssh.useAgent === true ? 'publickey,agent' : 'publickey';
}

/** What one connection attempt series to a host came to. */
export interface ConnectionAttempt {
  /** Attempts made (1 without retries). */
  attempts: number;
  /** The host key the server presented and verification accepted (SSH). */
  hostKey: { algorithm: string; fingerprint: string } | null;
  /** Why no connection was made; null when connected. */
  error: string | null;
}

/**
 * `host.connected` or `host.connect_failed`: the target (address, port, user), how it logged in (auth method, key
 * file path), the host key fingerprint and the attempts; a failure adds its one-line reason, secrets masked.
 */
export function connectionEvent(host: ResolvedHost, attempt: ConnectionAttempt, ref: AuditRef, secrets: readonly string[]): AuditInput {
  const target =
    host.transport === 'ssh'
      ? { address: host.hostname, port: host.port, user: host.user, auth: authMethod(host), ...(host.ssh.keyPath ? { keyFile: host.ssh.keyPath } : {}) }
      : { rootfs: host.rootfs };
  return row(ref, attempt.error === null ? 'host.connected' : 'host.connect_failed', {
    host: host.name,
    transport: host.transport,
    ...target,
    attempts: attempt.attempts,
    ...(attempt.hostKey ? { hostKeyType: attempt.hostKey.algorithm, hostKey: attempt.hostKey.fingerprint } : {}),
    ...(attempt.error === null ? {} : { reason: oneLine(attempt.error, secrets) }),
  });
}

/** A connection attempt series and when it ended (connected, or given up). */
export interface TimedConnection extends ConnectionAttempt {
  at: string;
}

/** A host's rows for its store transaction: its connection (when one was tried), then its outcome. */
export function hostAuditRows(host: ResolvedHost, connection: TimedConnection | null, outcome: HostOutcome, ref: AuditRef, secrets: readonly string[]): AuditInput[] {
  const rows = connection ? [connectionEvent(host, connection, { ...ref, at: connection.at }, secrets)] : [];
  return [...rows, hostOutcomeEvent(outcome, ref, secrets)];
}

/** One host's stored outcome, as the audit row needs it (a HostPassResult fits). */
export type HostOutcome = Pick<HostPassResult, 'name' | 'status' | 'score' | 'health' | 'findings' | 'error' | 'ai'>;

/**
 * `host.analyzed` (status, score, health, the rules' finding counts by severity, what the AI stage did) or, for a
 * host that could not be analyzed (no score), `host.failed` with its one-line reason.
 */
export function hostOutcomeEvent(outcome: HostOutcome, ref: AuditRef, secrets: readonly string[]): AuditInput {
  const rules = outcome.findings.filter((f) => f.category !== 'ai.finding');
  if (outcome.score === null) {
    return row(ref, 'host.failed', {
      host: outcome.name,
      status: outcome.status,
      findings: countBySeverity(rules),
      reason: oneLine(outcome.error ?? 'failed', secrets),
    });
  }
  const ai = outcome.ai ? { status: outcome.ai.status, provider: outcome.ai.provider, model: outcome.ai.model, findings: outcome.findings.length - rules.length } : null;
  return row(ref, 'host.analyzed', {
    host: outcome.name,
    status: outcome.status,
    score: outcome.score,
    health: outcome.health,
    findings: countBySeverity(rules),
    ...(ai ? { ai } : {}),
    ...(outcome.error === null ? {} : { partial: oneLine(outcome.error, secrets) }),
  });
}

/**
 * One `alert.queued` per alert item queued (an item on several channels is one row): host, finding key, what
 * happened to it (opened, escalated, resolved, ...), severity, the channels and how many addresses (email and SMS)
 * it went to. `hasPushover`: Pushover messages were queued (the stage queues none without Pushover settings).
 */
export function alertQueuedEvents(plan: Pick<AlertPlan, 'emails' | 'sms' | 'pushover'>, hasPushover: boolean, ref: Omit<AuditRef, 'hostId'>, hostIds: ReadonlyMap<string, number>): AuditInput[] {
  const items = new Map<string, { item: AlertPlan['pushover'][number]; channels: Set<string>; recipients: Set<string> }>();
  const add = (item: AlertPlan['pushover'][number], channel: string, recipients: readonly string[]): void => {
    const id = `${item.host}\n${item.key}`;
    const entry = items.get(id) ?? { item, channels: new Set<string>(), recipients: new Set<string>() };
    entry.channels.add(channel);
    for (const r of recipients) entry.recipients.add(r.toLowerCase());
    items.set(id, entry);
  };
  for (const group of plan.emails) for (const item of group.items) add(item, 'email', group.recipients);
  for (const item of plan.sms?.items ?? []) add(item, 'sms', plan.sms?.recipients ?? []);
  if (hasPushover) for (const item of plan.pushover) add(item, 'pushover', []);
  return [...items.values()].map(({ item, channels, recipients }) =>
    row({ ...ref, hostId: hostIds.get(item.host) ?? null }, 'alert.queued', {
      host: item.host,
      key: item.key,
      kind: item.kind,
      severity: item.severity,
      category: item.category,
      channels: [...channels],
      recipients: recipients.size,
    }),
  );
}

/** The dedupe key of the alert stage's SMS-gateway email (`alert:<run>:sms`, see alert-stage.ts). */
const SMS_DEDUPE_KEY = /^alert:\d+:sms$/;

/** Where a sent message went: `eml` (a file, no SMTP configured), `sms` (the SMS gateway email), `email`, `pushover`. */
function sentChannel(message: Pick<OutboxMessage, 'channel' | 'dedupeKey'>, emlPath: string | undefined): string {
  if (message.channel === 'pushover') return 'pushover';
  if (emlPath !== undefined) return 'eml';
  return SMS_DEDUPE_KEY.test(message.dedupeKey) ? 'sms' : 'email';
}

/** `message.sent`: an outbox message actually delivered (outbox id, kind, channel, subject, recipient count, file). */
export function messageSentEvent(
  message: Pick<OutboxMessage, 'id' | 'kind' | 'channel' | 'dedupeKey' | 'subject' | 'recipients' | 'runId'>,
  sent: { at: string; actor: string; emlPath?: string },
): AuditInput {
  return row({ actor: sent.actor, at: sent.at, runId: message.runId }, 'message.sent', {
    outboxId: message.id,
    kind: message.kind,
    channel: sentChannel(message, sent.emlPath),
    subject: cut(message.subject),
    recipients: message.recipients.length,
    ...(sent.emlPath !== undefined ? { file: sent.emlPath } : {}),
  });
}

/** What `report.sent` tells of a report: which, the period, how it was triggered, its file and its outbox row. */
export interface ReportRecord {
  kind: 'host' | 'site';
  scope: string;
  periodStart: string;
  periodEnd: string;
  trigger: 'schedule' | 'on-demand';
  path: string;
  /** Null when it was only written (sending off, or nobody to send it to). */
  outboxId: number | null;
  recipients: number;
}

/** `report.sent`: a host or site report produced, written and (when `outboxId`) queued for delivery. */
export function reportSentEvent(report: ReportRecord, ref: AuditRef): AuditInput {
  return row(ref, 'report.sent', { ...report });
}

/** A change to the config file, by name only (never a value: values may be secrets). */
export interface ConfigChange {
  file: string;
  /** What changed it: `register` (POST /api/v1/hosts/register) or `sync-config`. */
  by: 'register' | 'sync-config';
  hosts: { added: string[]; updated: string[]; removed: string[] };
  sites?: { added: string[]; updated: string[] };
}

/** `config.changed`: the file, what changed it, and the hosts (and sites) added, updated or removed. */
export function configChangedEvent(change: ConfigChange, ref: AuditRef): AuditInput {
  return row(ref, 'config.changed', { ...change });
}

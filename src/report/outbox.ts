/**
 * Delivery of the outbox: everything a pass sends is queued first (see enqueue), then delivered here. A dead SMTP
 * server costs a retry later, not a lost alert; a crash between sending and recording costs at most one duplicate;
 * a message that keeps failing ends as a dead letter the caller can report.
 */
import type { Kysely } from 'kysely';
import { errorMessage } from '../errors.js';
import {
  claimDue,
  markFailed,
  markSent,
  type EmailPayload,
  type NewOutboxMessage,
  type OutboxMessage,
  type PushoverPayload,
} from '../store/outbox-repo.js';
import type { Database } from '../store/schema.js';
import { appendAudit } from '../store/audit-repo.js';
import { DEFAULT_ACTOR, messageSentEvent } from '../pass/audit-events.js';
import { composeEmail, envelopeFor, messageIdFor, subjectLine, type Envelope, type OutgoingEmail } from './mail.js';
import { pushoverFields, type PushoverFields, type PushoverMessage, type PushoverSender, type PushoverSettings } from './pushover.js';
import { SendError } from './send-error.js';
import type { EmailSender } from './smtp.js';
import { writeEml } from './write-eml.js';

const MINUTE_MS = 60_000;
/** Waits after the 1st, 2nd, ... failed attempt; the last one repeats. */
export const DEFAULT_BACKOFF_MS: readonly number[] = [5 * MINUTE_MS, 15 * MINUTE_MS, 60 * MINUTE_MS, 240 * MINUTE_MS, 720 * MINUTE_MS];
/** With the default backoff: the 6th failure, about 17 hours after the first, makes the message dead. */
export const DEFAULT_MAX_ATTEMPTS = 6;
const CLAIM_BATCH = 50;

export interface DeliveryOptions {
  now: () => Date;
  /** Null: no SMTP configured; email is written as .eml files into `emlDir` instead. */
  email: EmailSender | null;
  /**
   * Null: Pushover not configured. The alert stage then queues no Pushover rows; one queued anyway (Pushover was
   * turned off since) is dead-lettered with `pushover not configured` rather than left pending forever.
   */
  pushover: PushoverSender | null;
  emlDir: string;
  backoffMs?: readonly number[];
  maxAttempts?: number;
  /** Who the `message.sent` audit rows name (`run`, the OS user of `report --send`); default `run`. */
  actor?: string;
}

export interface DeadLetter {
  id: number;
  kind: string;
  channel: 'email' | 'pushover';
  subject: string;
  error: string;
}

/** What one delivery call did, so the caller can print it and raise a finding for dead letters. */
export interface DeliveryReport {
  /** Messages delivered, .eml files included. */
  sent: number;
  /** Failed attempts that will be retried. */
  failed: number;
  /** Messages that will not be retried any more (this call only). */
  dead: DeadLetter[];
  /** .eml files written. */
  written: string[];
}

type Outcome = { ok: true; deliveredTo: string; emlPath?: string } | { ok: false; error: string; isPermanent: boolean };

/**
 * Delivers every due message. Each row is marked `sending` before its send and `sent` (with where it went) after;
 * a failure counts an attempt and schedules the next from the backoff; after `maxAttempts`, or at once for a
 * permanent failure, the row is `dead`. When a channel is down (SMTP unreachable, login refused, Pushover 5xx),
 * its remaining messages are not tried in this call: each records the same failure, so a dead server costs one
 * timeout, not one per message. The email sender's connection is reused for all messages and closed at the end.
 * @throws only for a store error; a delivery failure is recorded in the row and in the report.
 */
export async function deliverOutbox(db: Kysely<Database>, options: DeliveryOptions): Promise<DeliveryReport> {
  const report: DeliveryReport = { sent: 0, failed: 0, dead: [], written: [] };
  const downChannels = new Map<OutboxMessage['channel'], SendError>();
  const seen = new Set<number>();
  try {
    for (;;) {
      const batch = (await claimDue(db, options.now().toISOString(), CLAIM_BATCH)).filter((m) => !seen.has(m.id));
      if (batch.length === 0) break;
      for (const message of batch) {
        seen.add(message.id);
        const outcome = await attempt(message, options, downChannels);
        await record(db, message, outcome, options, report);
      }
    }
  } finally {
    await options.email?.close();
  }
  return report;
}

async function attempt(
  message: OutboxMessage,
  options: DeliveryOptions,
  downChannels: Map<OutboxMessage['channel'], SendError>,
): Promise<Outcome> {
  const down = downChannels.get(message.channel);
  if (down) return { ok: false, error: down.message, isPermanent: false };
  try {
    if (message.channel === 'email') {
      if (options.email === null) {
        const path = await writeEml(options.emlDir, new Date(message.createdAt), message.id, message.subject, message.payload.raw);
        return { ok: true, deliveredTo: path, emlPath: path };
      }
      const { deliveredTo } = await options.email.send(message.payload.raw, message.payload.envelope);
      return { ok: true, deliveredTo };
    }
    if (options.pushover === null) return { ok: false, error: 'pushover not configured', isPermanent: true };
    const { deliveredTo } = await options.pushover.send(message.payload.fields);
    return { ok: true, deliveredTo };
  } catch (err) {
    if (err instanceof SendError) {
      if (err.isChannelDown) downChannels.set(message.channel, err);
      return { ok: false, error: err.message, isPermanent: err.isPermanent };
    }
    // Not a sender's verdict (an .eml that cannot be written, a sender bug): worth another try later.
    return { ok: false, error: errorMessage(err).split('\n')[0] ?? 'unknown error', isPermanent: false };
  }
}

async function record(
  db: Kysely<Database>,
  message: OutboxMessage,
  outcome: Outcome,
  options: DeliveryOptions,
  report: DeliveryReport,
): Promise<void> {
  const now = options.now();
  if (outcome.ok) {
    // A sent email's body is not kept (see markSent); its envelope, subject and where it went are.
    const payload = message.channel === 'email' ? { raw: '', envelope: message.payload.envelope } : undefined;
    const sent = { at: now.toISOString(), actor: options.actor ?? DEFAULT_ACTOR, ...(outcome.emlPath !== undefined ? { emlPath: outcome.emlPath } : {}) };
    // The audit row is written with the `sent` mark: a message is in the trail exactly when the outbox says it went.
    await db.transaction().execute(async (trx) => {
      await markSent(trx, message.id, { sentAt: sent.at, deliveredTo: outcome.deliveredTo, ...(payload ? { payload } : {}) });
      await appendAudit(trx, [messageSentEvent(message, sent)]);
    });
    report.sent += 1;
    if (outcome.emlPath !== undefined) report.written.push(outcome.emlPath);
    return;
  }
  const attempts = message.attempts + 1;
  const backoff = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  const isDead = outcome.isPermanent || attempts >= (options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS) || backoff.length === 0;
  const waitMs = backoff[Math.min(attempts, backoff.length) - 1] ?? 0;
  await markFailed(db, message.id, outcome.error, isDead ? null : new Date(now.getTime() + waitMs).toISOString());
  if (isDead) {
    report.dead.push({ id: message.id, kind: message.kind, channel: message.channel, subject: message.subject, error: outcome.error });
  } else {
    report.failed += 1;
  }
}

/** What the outbox stores for an email. */
export function emailPayload(raw: string, envelope: Envelope): EmailPayload {
  return { raw, envelope: { from: envelope.from, to: [...envelope.to] } };
}

/** What the outbox stores for a Pushover message: the fields, never the token or user key. */
export function pushoverPayload(fields: PushoverFields): PushoverPayload {
  const { token: _token, user: _user, ...rest } = fields;
  return { fields: rest };
}

/** Where a queued message comes from: the pass, its kind, and the key that makes queueing it twice a no-op. */
export interface QueueMeta {
  createdAt: Date;
  runId: number | null;
  kind: string;
  dedupeKey: string;
}

/**
 * An email ready for enqueue: composed now, with a Message-ID derived from the dedupe key and the queue time as its
 * Date, so every attempt sends the same bytes.
 */
export async function emailOutboxMessage(
  email: OutgoingEmail,
  meta: QueueMeta,
  sender: { from: string; replyTo: string },
): Promise<NewOutboxMessage> {
  const raw = await composeEmail(email, {
    from: sender.from,
    replyTo: sender.replyTo,
    messageId: messageIdFor(meta.dedupeKey, sender.from),
    date: meta.createdAt,
  });
  return {
    createdAt: meta.createdAt.toISOString(),
    runId: meta.runId,
    kind: meta.kind,
    dedupeKey: meta.dedupeKey,
    subject: subjectLine(email.subject),
    channel: 'email',
    recipients: [...email.to],
    payload: emailPayload(raw, envelopeFor(sender.from, email.to)),
  };
}

/** A Pushover message ready for enqueue (fields per pushoverFields; the event time defaults to the queue time). */
export function pushoverOutboxMessage(
  message: PushoverMessage,
  meta: QueueMeta,
  settings: Pick<PushoverSettings, 'priority' | 'retrySeconds' | 'expireSeconds'>,
): NewOutboxMessage {
  return {
    createdAt: meta.createdAt.toISOString(),
    runId: meta.runId,
    kind: meta.kind,
    dedupeKey: meta.dedupeKey,
    subject: message.title,
    channel: 'pushover',
    payload: pushoverPayload(pushoverFields({ timestamp: meta.createdAt, ...message }, settings)),
  };
}

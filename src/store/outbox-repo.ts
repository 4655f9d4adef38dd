import type { Kysely } from 'kysely';
import { StoreError } from '../errors.js';
import { chunk } from './chunk.js';
import type { Database, OutboxRow, OutboxStatus } from './schema.js';

/** What an email row stores: the composed message, sent as is on every attempt. */
export interface EmailPayload {
  raw: string;
  envelope: { from: string; to: string[] };
}

/** What a Pushover row stores: the form fields without token and user key. */
export interface PushoverPayload {
  fields: Record<string, string>;
}

/** A message to queue; `dedupeKey` makes queueing it again (a rerun of the same pass) a no-op. */
export type NewOutboxMessage = {
  createdAt: string;
  runId: number | null;
  /** `alert`, `report`, `admin`. */
  kind: string;
  dedupeKey: string;
  subject: string;
  /** When it may first be sent; default createdAt. */
  notBefore?: string;
} & ({ channel: 'email'; recipients: string[]; payload: EmailPayload } | { channel: 'pushover'; payload: PushoverPayload });

/** A queued message as read back, payload parsed. */
export type OutboxMessage = {
  id: number;
  createdAt: string;
  runId: number | null;
  kind: string;
  dedupeKey: string;
  recipients: string[];
  subject: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  sentAt: string | null;
  deliveredTo: string | null;
} & ({ channel: 'email'; payload: EmailPayload } | { channel: 'pushover'; payload: PushoverPayload });

/** Rows per insert statement. */
const INSERT_BATCH = 200;

/**
 * Queues messages. A dedupe key already in the outbox (whatever its status) is skipped, not an error: the message
 * was queued by an earlier run of the same pass.
 * @returns dedupe key -> outbox id for every message given (new or already queued), and how many were new.
 */
export async function enqueue(
  db: Kysely<Database>,
  messages: readonly NewOutboxMessage[],
): Promise<{ ids: Map<string, number>; inserted: number }> {
  const ids = new Map<string, number>();
  let inserted = 0;
  for (const batch of chunk(messages, INSERT_BATCH)) {
    const rows = await db
      .insertInto('outbox')
      .values(
        batch.map((m) => ({
          created_at: m.createdAt,
          run_id: m.runId,
          kind: m.kind,
          channel: m.channel,
          dedupe_key: m.dedupeKey,
          recipients: JSON.stringify(m.channel === 'email' ? m.recipients : []),
          subject: m.subject,
          payload: JSON.stringify(m.payload),
          status: 'pending' as const,
          attempts: 0,
          next_attempt_at: m.notBefore ?? m.createdAt,
        })),
      )
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .returning('id')
      .execute();
    inserted += rows.length;
    const found = await db
      .selectFrom('outbox')
      .select(['id', 'dedupe_key'])
      .where('dedupe_key', 'in', batch.map((m) => m.dedupeKey))
      .execute();
    for (const row of found) ids.set(row.dedupe_key, row.id);
  }
  return { ids, inserted };
}

/**
 * Claims up to `limit` due messages for delivery, oldest first, marking them `sending` in the same statement (so
 * the mark is on disk BEFORE anything is sent). Due: `pending` with next_attempt_at <= now, and every `sending`
 * row, which only a delivery that died between sending and recording the outcome leaves behind.
 */
export async function claimDue(db: Kysely<Database>, now: string, limit: number): Promise<OutboxMessage[]> {
  const rows = await db
    .updateTable('outbox')
    .set({ status: 'sending' })
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('outbox')
        .select('id')
        .where((w) => w.or([w.and([w('status', '=', 'pending'), w('next_attempt_at', '<=', now)]), w('status', '=', 'sending')]))
        .orderBy('id')
        .limit(limit),
    )
    .returningAll()
    .execute();
  return rows.map(toMessage).sort((a, b) => a.id - b.id);
}

/**
 * Records a delivery: `sent`, when and where, one more attempt. `payload` replaces the stored one: a sent email keeps
 * its envelope but not its body (the body is in the mailboxes or the .eml file; a report with its chart PNGs is
 * ~100 KiB, so a fleet's daily reports would otherwise grow the store without end).
 */
export async function markSent(db: Kysely<Database>, id: number, outcome: { sentAt: string; deliveredTo: string; payload?: EmailPayload | PushoverPayload }): Promise<void> {
  await db
    .updateTable('outbox')
    .set((eb) => ({
      status: 'sent',
      sent_at: outcome.sentAt,
      delivered_to: outcome.deliveredTo,
      last_error: null,
      attempts: eb('attempts', '+', 1),
      ...(outcome.payload ? { payload: JSON.stringify(outcome.payload) } : {}),
    }))
    .where('id', '=', id)
    .execute();
}

/**
 * Records a failed attempt: back to `pending` until `nextAttemptAt`, or `dead` when it is null (no more retries).
 * The error must already be free of secrets (the senders' messages are).
 */
export async function markFailed(db: Kysely<Database>, id: number, error: string, nextAttemptAt: string | null): Promise<void> {
  await db
    .updateTable('outbox')
    .set((eb) => ({
      status: nextAttemptAt === null ? 'dead' : 'pending',
      last_error: error,
      attempts: eb('attempts', '+', 1),
      ...(nextAttemptAt === null ? {} : { next_attempt_at: nextAttemptAt }),
    }))
    .where('id', '=', id)
    .execute();
}

/** The outbox, oldest first, optionally one status only (`dthostmon` status output, dead-letter review). */
export async function listOutbox(db: Kysely<Database>, filter: { status?: OutboxStatus; limit?: number } = {}): Promise<OutboxMessage[]> {
  let query = db.selectFrom('outbox').selectAll().orderBy('id');
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.limit !== undefined) query = query.limit(filter.limit);
  return (await query.execute()).map(toMessage);
}

/** Messages per status; every status is present (0 when none). */
export async function countByStatus(db: Kysely<Database>): Promise<Record<OutboxStatus, number>> {
  const counts: Record<OutboxStatus, number> = { pending: 0, sending: 0, sent: 0, dead: 0 };
  const rows = await db
    .selectFrom('outbox')
    .select((eb) => ['status', eb.fn.countAll<number>().as('count')])
    .groupBy('status')
    .execute();
  for (const row of rows) {
    if (row.status in counts) counts[row.status] = Number(row.count);
  }
  return counts;
}

function toMessage(row: OutboxRow): OutboxMessage {
  const base = {
    id: row.id,
    createdAt: row.created_at,
    runId: row.run_id,
    kind: row.kind,
    dedupeKey: row.dedupe_key,
    recipients: parseJson<string[]>(row, 'recipients'),
    subject: row.subject,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    sentAt: row.sent_at,
    deliveredTo: row.delivered_to,
  };
  if (row.channel === 'email') return { ...base, channel: 'email', payload: parseJson<EmailPayload>(row, 'payload') };
  if (row.channel === 'pushover') return { ...base, channel: 'pushover', payload: parseJson<PushoverPayload>(row, 'payload') };
  throw new StoreError(`outbox row ${row.id}: unknown channel ${JSON.stringify(row.channel)}`);
}

function parseJson<T>(row: OutboxRow, column: 'recipients' | 'payload'): T {
  try {
    return JSON.parse(row[column]) as T;
  } catch (err) {
    throw new StoreError(`outbox row ${row.id}: ${column} is not valid JSON`, { cause: err });
  }
}

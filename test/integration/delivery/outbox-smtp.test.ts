import { deliverOutbox, emailOutboxMessage, type DeliveryOptions } from '../../../src/report/outbox.js';
import { createSmtpSender, type SmtpSettings } from '../../../src/report/smtp.js';
import { claimDue, enqueue, listOutbox, type NewOutboxMessage } from '../../../src/store/outbox-repo.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';
import { closedPort, startSmtpPeer, type SmtpPeer } from './smtp-peer.js';

const AUTH = { user: 'monitor', pass: 'Outbox-Pa55word' };
const FROM = 'dthostmon <monitor@example.net>';
const T0 = new Date('2026-03-01T10:00:00.000Z');
const MINUTE = 60_000;
const at = (offsetMs: number) => new Date(T0.getTime() + offsetMs);

function smtpSettings(port: number, overrides: Partial<SmtpSettings> = {}): SmtpSettings {
  return { host: '127.0.0.1', port, security: 'starttls', auth: AUTH, from: FROM, replyTo: FROM, tlsRejectUnauthorized: false, timeoutMs: 5000, ...overrides };
}

function alertEmail(key: string, to = ['ops@example.net']): Promise<NewOutboxMessage> {
  return emailOutboxMessage(
    { to, subject: `alert ${key}`, text: `alert ${key}\n`, html: `<p>alert ${key}</p>` },
    { createdAt: T0, runId: null, kind: 'alert', dedupeKey: `alert:${key}` },
    { from: FROM, replyTo: FROM },
  );
}

function messageIdOf(raw: string): string {
  return /^Message-ID: (.*)\r$/m.exec(raw)?.[1] ?? '?';
}

/** Message-ID -> how many times it arrived. */
function arrivals(peer: SmtpPeer): Map<string, number> {
  const counts = new Map<string, number>();
  for (const mail of peer.received) counts.set(messageIdOf(mail.raw), (counts.get(messageIdOf(mail.raw)) ?? 0) + 1);
  return counts;
}

describe.each(await testDialects())('outbox delivery over SMTP on %s', (dialect) => {
  let store: TestStore;
  let peer: SmtpPeer | undefined;
  beforeEach(async () => {
    store = await openTestStore(dialect);
  });
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
    await store.cleanup();
  });

  const deliver = (port: number, now: Date, options: Partial<DeliveryOptions> = {}) =>
    deliverOutbox(store.db, { now: () => now, email: createSmtpSender(smtpSettings(port)), pushover: null, emlDir: '/nonexistent', ...options });

  it('SMTP down for one call, then up: every message arrives exactly once, attempts and backoff recorded', async () => {
    await enqueue(store.db, await Promise.all(['a', 'b', 'c'].map((key) => alertEmail(key))));
    const port = await closedPort();

    const down = await deliver(port, T0);
    expect(down).toEqual({ sent: 0, failed: 3, dead: [], written: [] });
    const afterDown = await listOutbox(store.db);
    for (const row of afterDown) {
      expect(row).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: at(5 * MINUTE).toISOString() });
      expect(row.lastError).toMatch(new RegExp(`^SMTP 127\\.0\\.0\\.1:${port}: cannot connect: `));
    }

    peer = await startSmtpPeer({ auth: AUTH, port });
    expect(await deliver(port, at(4 * MINUTE))).toEqual({ sent: 0, failed: 0, dead: [], written: [] });
    expect(peer.received).toHaveLength(0);

    expect(await deliver(port, at(5 * MINUTE))).toEqual({ sent: 3, failed: 0, dead: [], written: [] });
    expect(await deliver(port, at(60 * MINUTE))).toEqual({ sent: 0, failed: 0, dead: [], written: [] });
    const counts = arrivals(peer);
    expect(counts.size).toBe(3);
    expect([...counts.values()]).toEqual([1, 1, 1]);
    expect(peer.connections).toBe(1);
    for (const row of await listOutbox(store.db)) {
      expect(row).toMatchObject({ status: 'sent', attempts: 2, sentAt: at(5 * MINUTE).toISOString(), deliveredTo: `smtp://127.0.0.1:${port}` });
    }
  });

  it('a channel that is down is tried once per call, not once per message', async () => {
    peer = await startSmtpPeer({ auth: { user: AUTH.user, pass: 'another-password' } });
    await enqueue(store.db, await Promise.all(['a', 'b', 'c'].map((key) => alertEmail(key))));
    const report = await deliver(peer.port, T0);
    expect(report.failed).toBe(3);
    expect(peer.connections).toBe(1);
    const errors = new Set((await listOutbox(store.db)).map((row) => row.lastError));
    expect([...errors]).toEqual([expect.stringMatching(new RegExp(`^SMTP 127\\.0\\.0\\.1:${peer.port}: login refused: .*535`))]);
    expect([...errors][0]).not.toContain(AUTH.pass);
  });

  it('a crash after sending but before recording: the row left `sending` is delivered once more, the others once', async () => {
    peer = await startSmtpPeer({ auth: AUTH });
    await enqueue(store.db, [await alertEmail('a'), await alertEmail('b')]);
    // The crashed pass: claimed both, sent the first, died before marking it sent.
    const [first, second] = await claimDue(store.db, T0.toISOString(), 10);
    if (first?.channel !== 'email' || second?.channel !== 'email') throw new Error('expected two email rows');
    const sender = createSmtpSender(smtpSettings(peer.port));
    await sender.send(first.payload.raw, first.payload.envelope);
    await sender.close();

    const report = await deliver(peer.port, at(MINUTE));
    expect(report).toEqual({ sent: 2, failed: 0, dead: [], written: [] });
    expect(await deliver(peer.port, at(2 * MINUTE))).toEqual({ sent: 0, failed: 0, dead: [], written: [] });
    const counts = arrivals(peer);
    expect(counts.get(messageIdOf(first.payload.raw))).toBe(2);
    expect(counts.get(messageIdOf(second.payload.raw))).toBe(1);
    // The duplicate is byte-identical: a mail client can drop it by its Message-ID.
    expect(peer.received[0]?.raw).toBe(peer.received[1]?.raw);
  });

  it('dead letter after maxAttempts, with the backoff between attempts (its last step repeating)', async () => {
    await enqueue(store.db, [await alertEmail('a')]);
    const port = await closedPort();
    const options = { backoffMs: [MINUTE, 10 * MINUTE], maxAttempts: 4 };
    const next = async () => (await listOutbox(store.db))[0];

    await deliver(port, T0, options);
    expect(await next()).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: at(MINUTE).toISOString() });
    await deliver(port, at(MINUTE), options);
    expect(await next()).toMatchObject({ status: 'pending', attempts: 2, nextAttemptAt: at(11 * MINUTE).toISOString() });
    await deliver(port, at(11 * MINUTE), options);
    expect(await next()).toMatchObject({ status: 'pending', attempts: 3, nextAttemptAt: at(21 * MINUTE).toISOString() });
    const last = await deliver(port, at(21 * MINUTE), options);
    const row = await next();
    expect(row).toMatchObject({ status: 'dead', attempts: 4 });
    expect(last).toEqual({
      sent: 0,
      failed: 0,
      dead: [{ id: row?.id, kind: 'alert', channel: 'email', subject: 'alert a', error: row?.lastError }],
      written: [],
    });
    expect(await deliver(port, at(24 * 60 * MINUTE), options)).toEqual({ sent: 0, failed: 0, dead: [], written: [] });
  });

  it('a recipient the server refuses with 550 is dead at once; the other messages still go', async () => {
    peer = await startSmtpPeer({ auth: AUTH, rejectRecipients: ['nobody@example.net'] });
    await enqueue(store.db, [await alertEmail('bad', ['nobody@example.net']), await alertEmail('good')]);
    const report = await deliver(peer.port, T0);
    expect(report.sent).toBe(1);
    expect(report.dead).toEqual([expect.objectContaining({ subject: 'alert bad', error: expect.stringMatching(/sender or recipients refused: .*550/) })]);
    expect(peer.received).toHaveLength(1);
    expect((await listOutbox(store.db, { status: 'dead' }))[0]).toMatchObject({ attempts: 1 });
  });
});

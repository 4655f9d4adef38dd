import { deliverOutbox, emailOutboxMessage, pushoverOutboxMessage } from '../../../src/report/outbox.js';
import { createPushoverSender, type PushoverSettings } from '../../../src/report/pushover.js';
import { createSmtpSender } from '../../../src/report/smtp.js';
import { enqueue, listOutbox } from '../../../src/store/outbox-repo.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';
import { PUSHOVER_TOKEN, PUSHOVER_USER, startPushoverPeer, type PushoverPeer } from './pushover-peer.js';
import { closedPort } from './smtp-peer.js';

const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (offsetMs: number) => new Date(T0.getTime() + offsetMs);

describe.each(await testDialects())('outbox delivery to Pushover on %s', (dialect) => {
  let store: TestStore;
  let peer: PushoverPeer;
  beforeEach(async () => {
    store = await openTestStore(dialect);
    peer = await startPushoverPeer();
  });
  afterEach(async () => {
    await peer.close();
    await store.cleanup();
  });

  const settings = (overrides: Partial<PushoverSettings> = {}): PushoverSettings => ({
    token: PUSHOVER_TOKEN,
    user: PUSHOVER_USER,
    baseUrl: peer.baseUrl,
    priority: 0,
    timeoutMs: 5000,
    ...overrides,
  });
  const queue = async (key: string, message: Parameters<typeof pushoverOutboxMessage>[0], queueSettings = settings()) =>
    enqueue(store.db, [pushoverOutboxMessage(message, { createdAt: T0, runId: null, kind: 'alert', dedupeKey: key }, queueSettings)]);
  const deliver = (now: Date, sendSettings = settings()) =>
    deliverOutbox(store.db, { now: () => now, email: null, pushover: createPushoverSender(sendSettings), emlDir: '/nonexistent' });

  it('posts the form fields with token and user added at send time; the outbox never stores them', async () => {
    await queue('a', { title: 'web-01: disk /var 93%', message: 'Disk /var is 93% full', url: 'https://mon.example.net/web-01', urlTitle: 'web-01' });
    const stored = await store.db.selectFrom('outbox').select('payload').executeTakeFirstOrThrow();
    expect(stored.payload).not.toContain(PUSHOVER_TOKEN);
    expect(stored.payload).not.toContain(PUSHOVER_USER);
    expect(stored.payload).not.toMatch(/"token"|"user"/);

    expect(await deliver(T0)).toEqual({ sent: 1, failed: 0, dead: [], written: [] });
    expect(peer.requests).toEqual([
      {
        method: 'POST',
        path: '/1/messages.json',
        contentType: 'application/x-www-form-urlencoded',
        fields: {
          token: PUSHOVER_TOKEN,
          user: PUSHOVER_USER,
          title: 'web-01: disk /var 93%',
          message: 'Disk /var is 93% full',
          priority: '0',
          url: 'https://mon.example.net/web-01',
          url_title: 'web-01',
          timestamp: String(T0.getTime() / 1000),
        },
      },
    ]);
    expect((await listOutbox(store.db))[0]).toMatchObject({ status: 'sent', attempts: 1, deliveredTo: 'pushover' });
  });

  it('truncates at 1024 characters; emergency only with retry and expire, high otherwise', async () => {
    await queue('long', { title: 'long', message: 'x'.repeat(3000), priority: 1 });
    await queue('crit-no-retry', { title: 'crit', message: 'disk full', priority: 2 });
    await queue('crit', { title: 'crit', message: 'disk full', priority: 2 }, settings({ retrySeconds: 60, expireSeconds: 3600 }));
    expect((await deliver(T0)).sent).toBe(3);
    const [long, critNoRetry, crit] = peer.requests.map((r) => r.fields);
    expect(long?.message).toBe(`${'x'.repeat(1023)}…`);
    expect(critNoRetry).toMatchObject({ priority: '1' });
    expect(critNoRetry).not.toHaveProperty('retry');
    expect(crit).toMatchObject({ priority: '2', retry: '60', expire: '3600' });
  });

  it('an invalid user key (HTTP 400) is dead at once, and the error holds neither token nor key', async () => {
    await queue('a', { title: 't', message: 'm' });
    const report = await deliver(T0, settings({ user: 'uWRONGuserKEYxxxxxxxxxxxxxxxxx' }));
    expect(report.dead).toEqual([{ id: expect.any(Number), kind: 'alert', channel: 'pushover', subject: 't', error: 'Pushover: HTTP 400: user identifier is invalid' }]);
    expect((await listOutbox(store.db))[0]).toMatchObject({ status: 'dead', attempts: 1, lastError: 'Pushover: HTTP 400: user identifier is invalid' });
    expect(await deliver(at(86_400_000))).toEqual({ sent: 0, failed: 0, dead: [], written: [] });
    expect(peer.requests).toHaveLength(1);
  });

  it('a 5xx is retried after the backoff, and the other Pushover messages wait for the next call', async () => {
    await queue('a', { title: 'a', message: 'm' });
    await queue('b', { title: 'b', message: 'm' });
    peer.failNext = 1;
    expect(await deliver(T0)).toEqual({ sent: 0, failed: 2, dead: [], written: [] });
    expect(peer.requests).toHaveLength(1);
    expect((await listOutbox(store.db)).map((r) => r.lastError)).toEqual(['Pushover: HTTP 503: service unavailable', 'Pushover: HTTP 503: service unavailable']);
    expect(await deliver(at(5 * 60_000))).toEqual({ sent: 2, failed: 0, dead: [], written: [] });
    expect(peer.requests.map((r) => r.fields.title)).toEqual(['a', 'a', 'b']);
  });

  it('without a Pushover sender, a queued Pushover message is dead with a reason, not pending forever', async () => {
    await queue('a', { title: 'a', message: 'm' });
    const report = await deliverOutbox(store.db, { now: () => T0, email: null, pushover: null, emlDir: '/nonexistent' });
    expect(report.dead).toEqual([expect.objectContaining({ channel: 'pushover', error: 'pushover not configured' })]);
    expect(peer.requests).toHaveLength(0);
  });

  it('a dead SMTP server does not hold back Pushover', async () => {
    const from = 'monitor@example.net';
    await enqueue(store.db, [
      await emailOutboxMessage({ to: ['ops@example.net'], subject: 'mail', text: 'm' }, { createdAt: T0, runId: null, kind: 'alert', dedupeKey: 'mail' }, { from, replyTo: from }),
    ]);
    await queue('push', { title: 'push', message: 'm' });
    const port = await closedPort();
    const email = createSmtpSender({ host: '127.0.0.1', port, security: 'starttls', auth: null, from, replyTo: from, tlsRejectUnauthorized: true, timeoutMs: 5000 });
    const report = await deliverOutbox(store.db, { now: () => T0, email, pushover: createPushoverSender(settings()), emlDir: '/nonexistent' });
    expect(report).toEqual({ sent: 1, failed: 1, dead: [], written: [] });
    expect((await listOutbox(store.db)).map((r) => [r.channel, r.status])).toEqual([
      ['email', 'pending'],
      ['pushover', 'sent'],
    ]);
  });
});

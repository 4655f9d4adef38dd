import { claimDue, countByStatus, enqueue, listOutbox, markFailed, markSent, type NewOutboxMessage } from '../../../src/store/outbox-repo.js';
import { createRun } from '../../../src/store/runs-repo.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

const T0 = '2026-03-01T10:00:00.000Z';
const T1 = '2026-03-01T10:05:00.000Z';
const T2 = '2026-03-01T11:00:00.000Z';

function email(key: string, overrides: Partial<NewOutboxMessage> = {}): NewOutboxMessage {
  return {
    createdAt: T0,
    runId: null,
    kind: 'alert',
    dedupeKey: key,
    subject: `subject ${key}`,
    channel: 'email',
    recipients: ['ops@example.net'],
    payload: { raw: `Message-ID: <${key}@x>\r\n\r\nbody\r\n`, envelope: { from: 'monitor@example.net', to: ['ops@example.net'] } },
    ...overrides,
  } as NewOutboxMessage;
}

function push(key: string): NewOutboxMessage {
  return { createdAt: T0, runId: null, kind: 'alert', dedupeKey: key, subject: 'crit', channel: 'pushover', payload: { fields: { title: 'crit', message: 'disk' } } };
}

describe.each(await testDialects())('outbox repository on %s', (dialect) => {
  let store: TestStore;
  beforeEach(async () => {
    store = await openTestStore(dialect);
  });
  afterEach(async () => {
    await store.cleanup();
  });

  it('queues messages and reads them back with their payload parsed', async () => {
    const runId = await createRun(store.db, { startedAt: T0, runner: 'monitor1', pid: 1, hostCount: 1 });
    const { ids, inserted } = await enqueue(store.db, [email('a', { runId }), push('p')]);
    expect(inserted).toBe(2);
    expect([...ids.keys()].sort()).toEqual(['a', 'p']);
    const rows = await listOutbox(store.db);
    expect(rows).toEqual([
      {
        id: ids.get('a'),
        createdAt: T0,
        runId,
        kind: 'alert',
        dedupeKey: 'a',
        recipients: ['ops@example.net'],
        subject: 'subject a',
        status: 'pending',
        attempts: 0,
        nextAttemptAt: T0,
        lastError: null,
        sentAt: null,
        deliveredTo: null,
        channel: 'email',
        payload: { raw: 'Message-ID: <a@x>\r\n\r\nbody\r\n', envelope: { from: 'monitor@example.net', to: ['ops@example.net'] } },
      },
      expect.objectContaining({ id: ids.get('p'), channel: 'pushover', recipients: [], payload: { fields: { title: 'crit', message: 'disk' } } }),
    ]);
  });

  it('ignores a dedupe key already queued, whatever its status, and still returns its id', async () => {
    const first = await enqueue(store.db, [email('a'), email('b')]);
    const firstA = first.ids.get('a') as number;
    await markSent(store.db, firstA, { sentAt: T1, deliveredTo: 'smtp://mail:587' });
    const again = await enqueue(store.db, [email('a', { subject: 'changed' }), email('c'), email('c')]);
    expect(again.inserted).toBe(1);
    expect(again.ids.get('a')).toBe(firstA);
    const rows = await listOutbox(store.db);
    expect(rows.map((r) => [r.dedupeKey, r.subject, r.status])).toEqual([
      ['a', 'subject a', 'sent'],
      ['b', 'subject b', 'pending'],
      ['c', 'subject c', 'pending'],
    ]);
  });

  it('queues many messages in batches', async () => {
    const messages = Array.from({ length: 450 }, (_, i) => email(`k${i}`));
    const { ids, inserted } = await enqueue(store.db, messages);
    expect(inserted).toBe(450);
    expect(ids.size).toBe(450);
    expect((await countByStatus(store.db)).pending).toBe(450);
  });

  it('claims due pending rows and rows left sending, oldest first, marking them sending', async () => {
    const { ids } = await enqueue(store.db, [email('due'), email('later', { notBefore: T2 }), email('sent'), email('dead'), email('stuck')]);
    const id = (key: string) => ids.get(key) as number;
    await markSent(store.db, id('sent'), { sentAt: T0, deliveredTo: 'x' });
    await markFailed(store.db, id('dead'), 'gave up', null);
    await claimDue(store.db, T0, 10);
    // A crash after claiming 'due' and 'stuck': both stay `sending` and are claimed again.
    const again = await claimDue(store.db, T1, 10);
    expect(again.map((m) => m.dedupeKey)).toEqual(['due', 'stuck']);
    expect(again.every((m) => m.status === 'sending')).toBe(true);
    expect((await claimDue(store.db, T2, 10)).map((m) => m.dedupeKey)).toEqual(['due', 'later', 'stuck']);
    expect(await countByStatus(store.db)).toEqual({ pending: 0, sending: 3, sent: 1, dead: 1 });
  });

  it('claims at most `limit` rows', async () => {
    await enqueue(store.db, [email('a'), email('b'), email('c')]);
    expect((await claimDue(store.db, T0, 2)).map((m) => m.dedupeKey)).toEqual(['a', 'b']);
    expect((await listOutbox(store.db, { status: 'pending' })).map((m) => m.dedupeKey)).toEqual(['c']);
  });

  it('records a failure (retry later or dead) and a delivery, counting attempts', async () => {
    const { ids } = await enqueue(store.db, [email('a'), email('b')]);
    const a = ids.get('a') as number;
    const b = ids.get('b') as number;
    await markFailed(store.db, a, 'SMTP mail:587: cannot connect', T1);
    await markFailed(store.db, b, 'Pushover: HTTP 400: user identifier is invalid', null);
    expect(await listOutbox(store.db)).toEqual([
      expect.objectContaining({ id: a, status: 'pending', attempts: 1, nextAttemptAt: T1, lastError: 'SMTP mail:587: cannot connect' }),
      expect.objectContaining({ id: b, status: 'dead', attempts: 1, nextAttemptAt: T0, lastError: 'Pushover: HTTP 400: user identifier is invalid' }),
    ]);
    await markSent(store.db, a, { sentAt: T2, deliveredTo: 'smtp://mail:587' });
    expect((await listOutbox(store.db, { status: 'sent' }))[0]).toMatchObject({
      id: a,
      attempts: 2,
      sentAt: T2,
      deliveredTo: 'smtp://mail:587',
      lastError: null,
    });
    expect(await listOutbox(store.db, { status: 'dead', limit: 5 })).toHaveLength(1);
    expect(await countByStatus(store.db)).toEqual({ pending: 0, sending: 0, sent: 1, dead: 1 });
  });
});

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { deliverOutbox, emailOutboxMessage } from '../../../src/report/outbox.js';
import { enqueue, listOutbox, type OutboxMessage } from '../../../src/store/outbox-repo.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

const T0 = new Date('2026-03-01T10:00:00.000Z');
const FROM = 'dthostmon <monitor@example.net>';
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

describe.each(await testDialects())('.eml fallback without SMTP on %s', (dialect) => {
  let store: TestStore;
  let dir: string;
  beforeEach(async () => {
    store = await openTestStore(dialect);
    dir = await mkdtemp(join(tmpdir(), 'dthm-eml-'));
  });
  afterEach(async () => {
    await store.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  const queueReport = async () =>
    enqueue(store.db, [
      await emailOutboxMessage(
        {
          to: ['ops@example.net'],
          subject: 'Report: web-01 — score 62 (was 80)',
          text: 'web-01 scored 62.\n',
          html: '<p>web-01 scored 62.</p><img src="cid:chart">',
          attachments: [
            { filename: 'chart.png', content: PNG, contentType: 'image/png', cid: 'chart' },
            { filename: 'web-01.md', content: '# web-01\n', contentType: 'text/markdown' },
          ],
        },
        { createdAt: T0, runId: null, kind: 'report', dedupeKey: 'report:host:web-01:20260301T100000Z' },
        { from: FROM, replyTo: 'ops@example.net' },
      ),
      await emailOutboxMessage(
        { to: ['ops@example.net'], subject: '[dthostmon] db-01 unreachable', text: 'db-01 did not answer.\n' },
        { createdAt: T0, runId: null, kind: 'alert', dedupeKey: 'alert:1:ops@example.net' },
        { from: FROM, replyTo: 'ops@example.net' },
      ),
    ]);
  const emailRows = async () => (await listOutbox(store.db)).filter((row): row is Extract<OutboxMessage, { channel: 'email' }> => row.channel === 'email');

  it('writes each email as an .eml file a mail client opens, with the same content, and marks it sent', async () => {
    const { ids } = await queueReport();
    const queued = new Map((await emailRows()).map((row) => [row.id, row.payload.raw]));
    const emlDir = join(dir, 'var', 'outbox');
    const report = await deliverOutbox(store.db, { now: () => new Date(T0.getTime() + 1000), email: null, pushover: null, emlDir });
    const reportId = ids.get('report:host:web-01:20260301T100000Z');
    const alertId = ids.get('alert:1:ops@example.net');
    expect(report).toEqual({
      sent: 2,
      failed: 0,
      dead: [],
      written: [
        join(emlDir, `20260301T100000Z-${reportId}-report-web-01-score-62-was-80.eml`),
        join(emlDir, `20260301T100000Z-${alertId}-dthostmon-db-01-unreachable.eml`),
      ],
    });
    const rows = await emailRows();
    for (const [index, row] of rows.entries()) {
      expect(row).toMatchObject({ status: 'sent', deliveredTo: report.written[index] });
      expect(await readFile(report.written[index] ?? '', 'utf8')).toBe(queued.get(row.id));
      // The body is not kept once delivered; the envelope is.
      expect(row.payload).toEqual({ raw: '', envelope: expect.objectContaining({ to: expect.any(Array) }) });
    }
    const mail = await simpleParser(await readFile(report.written[0] ?? ''), { keepCidLinks: true });
    expect(mail.subject).toBe('Report: web-01 — score 62 (was 80)');
    expect(mail.from?.value).toEqual([{ name: 'dthostmon', address: 'monitor@example.net' }]);
    expect(mail.text).toBe('web-01 scored 62.\n');
    expect(mail.html).toContain('<img src="cid:chart">');
    expect(mail.attachments.map((a) => [a.filename, a.contentDisposition, a.cid ?? null])).toEqual([
      ['chart.png', 'inline', 'chart'],
      ['web-01.md', 'attachment', null],
    ]);
  });

  it('writing the same row again after a crash replaces its file instead of adding one', async () => {
    await queueReport();
    const first = await deliverOutbox(store.db, { now: () => T0, email: null, pushover: null, emlDir: dir });
    await store.db.updateTable('outbox').set({ status: 'sending' }).execute();
    const second = await deliverOutbox(store.db, { now: () => T0, email: null, pushover: null, emlDir: dir });
    expect(second.written).toEqual(first.written);
    expect((await readdir(dir)).sort()).toEqual(first.written.map((p) => p.slice(dir.length + 1)).sort());
  });

  it('a directory that cannot be written is a failure to retry, not a lost message', async () => {
    await queueReport();
    const blocked = join(dir, 'blocked');
    await writeFile(blocked, 'a file where the directory should be');
    const report = await deliverOutbox(store.db, { now: () => T0, email: null, pushover: null, emlDir: blocked });
    expect(report).toMatchObject({ sent: 0, failed: 2, written: [] });
    expect((await emailRows()).every((row) => row.status === 'pending' && /EEXIST|ENOTDIR/.test(row.lastError ?? ''))).toBe(true);
    await rm(blocked);
    const later = await deliverOutbox(store.db, { now: () => new Date(T0.getTime() + 300_000), email: null, pushover: null, emlDir: blocked });
    expect(later.sent).toBe(2);
  });
});

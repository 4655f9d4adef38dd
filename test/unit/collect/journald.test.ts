import { planJournal, settleJournal } from '../../../src/collect/journald.js';
import type { RangeOutcome } from '../../../src/collect/log-reader.js';
import { BufferedBatch } from '../../../src/collect/record-batch.js';

const entry = (fields: Record<string, unknown>) => JSON.stringify({ __CURSOR: 's=1;i=1', __REALTIME_TIMESTAMP: '1764067371000000', ...fields });

describe('planJournal', () => {
  it('reads after the stored cursor, quoted, or the newest entries on a first pass; -D under a rootfs', () => {
    expect(planJournal('/', { source: 'journal', state: { cursor: "s=a;i=1" } }, 100).job.body).toContain("--after-cursor='s=a;i=1'");
    const first = planJournal('/srv/h1', undefined, 100);
    expect(first.job.body).toContain('-n 10000');
    expect(first.job.body).toContain('set -- -D "$R/var/log/journal"');
    expect(first.hadCursor).toBe(false);
  });

  it('never passes a stored cursor that is not printable ASCII to the shell: that is a first pass', () => {
    const plan = planJournal('/', { source: 'journal', state: { cursor: "x'; rm -rf /; '" } }, 100);
    expect(plan.hadCursor).toBe(false);
    expect(plan.job.body).not.toContain('rm -rf');
  });
});

describe('journal entries', () => {
  it('become records: binary messages decoded with U+FFFD, escapes cleaned, priority and unit kept', () => {
    const plan = planJournal('/', undefined, 100);
    const record = plan.job.parse(entry({ MESSAGE: [104, 105, 0xff, 27, 91, 51, 49, 109, 33], PRIORITY: '2', _SYSTEMD_UNIT: 'x.service', _COMM: 'x', _PID: '5' }), false);
    expect(record).toEqual({ line: 'x[5]: hi\ufffd!', time: '2025-11-25T10:42:51.000Z', hostname: null, program: 'x', pid: 5, message: 'hi\ufffd!', priority: 2, unit: 'x.service' });
    expect(plan.job.parse('Failed to seek to cursor: Invalid argument', false)).toBeNull();
    expect(plan.lastCursor()).toBe('s=1;i=1');
  });

  it('an entry cut at the line cap still moves the cursor past it, marked as cut', () => {
    const plan = planJournal('/', undefined, 100);
    const record = plan.job.parse('{"__CURSOR":"s=1;i=7","MESSAGE":"aaaa', true);
    expect(record).toMatchObject({ message: expect.stringContaining('…[truncated]') });
    expect(plan.lastCursor()).toBe('s=1;i=7');
  });
});

describe('settleJournal', () => {
  const outcome = (over: Partial<RangeOutcome>): RangeOutcome => ({
    job: planJournal('/', undefined, 100).job,
    batch: new BufferedBatch(),
    records: [],
    bytesRead: 0,
    consumedBytes: 0,
    isComplete: true,
    status: '0',
    isCapped: false,
    otherLines: [],
    ...over,
  });

  it('keeps the stored cursor and drops the records when the read was cut off', () => {
    const plan = planJournal('/', { source: 'journal', state: { cursor: 's=1;i=1' } }, 100);
    const batch = new BufferedBatch();
    batch.add({ source: 'journal', line: 'x', time: null, hostname: null, program: null, pid: null, message: 'x' });
    const settled = settleJournal(plan, outcome({ isComplete: false, batch }), 'timed out after 1 s');
    expect(settled).toMatchObject({ batches: [], cursor: null, source: { status: 'error' }, failure: expect.stringContaining('timed out after 1 s') });
  });

  it('notes a capped read and a missing journalctl', () => {
    const plan = planJournal('/', undefined, 100);
    plan.job.parse(entry({ MESSAGE: 'm' }), false);
    expect(settleJournal(plan, outcome({ isCapped: true, bytesRead: 150 }), null).source.note).toContain('more than the cap of 100 B: older entries skipped, read the newest');
    expect(settleJournal(plan, outcome({ status: '127' }), null)).toMatchObject({ source: { status: 'missing', note: 'journalctl not found' }, failure: null });
  });
});

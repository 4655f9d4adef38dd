import { planCursor, type CurrentFileStat, type RotatedSibling } from '../../../src/collect/cursor-plan.js';
import type { LogCursor } from '../../../src/types.js';

const PATH = '/var/log/auth.log';
const OLD_FP = { value: '111 1024', lengthBytes: 1024 };
const NEW_FP = { value: '222 1024', lengthBytes: 1024 };
const MiB = 1024 * 1024;

function cursor(over: Partial<LogCursor> = {}): LogCursor {
  return { path: PATH, inode: 10, offset: 5000, fingerprint: OLD_FP.value, fingerprintLen: OLD_FP.lengthBytes, ...over };
}

function current(over: Partial<CurrentFileStat> = {}): CurrentFileStat {
  return { path: PATH, inode: 10, sizeBytes: 5000, fingerprint: OLD_FP, headFingerprint: OLD_FP, ...over };
}

function sibling(over: Partial<RotatedSibling> = {}): RotatedSibling {
  return { path: `${PATH}.1`, isCompressed: false, inode: 10, sizeBytes: 7000, fingerprint: OLD_FP, ...over };
}

describe('planCursor', () => {
  it('first sight of a small file: reads it all', () => {
    const plan = planCursor({ previous: null, current: current({ sizeBytes: 300, fingerprint: NEW_FP, headFingerprint: NEW_FP }), siblings: [], maxBytes: MiB });
    expect(plan).toEqual({
      status: 'read',
      ranges: [{ path: PATH, startByte: 0, lengthBytes: 300, dropsPartialFirstLine: false, isCurrent: true }],
      cursor: { path: PATH, inode: 10, offset: 300, fingerprint: NEW_FP.value, fingerprintLen: 1024 },
      skippedBytes: 0,
      notes: ['first pass: read all 300 B'],
    });
  });

  it('first sight of a big file: reads at most the cap from the end, starting at a line boundary', () => {
    const plan = planCursor({ previous: null, current: current({ sizeBytes: 5 * MiB }), siblings: [], maxBytes: MiB });
    expect(plan.ranges).toEqual([{ path: PATH, startByte: 4 * MiB - 1, lengthBytes: MiB + 1, dropsPartialFirstLine: true, isCurrent: true }]);
    expect(plan.skippedBytes).toBe(4 * MiB);
    expect(plan.notes).toEqual(['first pass: read last 1 MiB of 5 MiB']);
    expect(plan.cursor.offset).toBe(5 * MiB);
  });

  it('first sight of an empty file: nothing to read, a cursor at 0', () => {
    const empty = { value: '4294967295 0', lengthBytes: 0 };
    const plan = planCursor({ previous: null, current: current({ sizeBytes: 0, fingerprint: empty, headFingerprint: empty }), siblings: [], maxBytes: MiB });
    expect(plan).toMatchObject({ status: 'unchanged', ranges: [], notes: [], cursor: { offset: 0, fingerprintLen: 0 } });
  });

  it('no new data: reads nothing and keeps the cursor', () => {
    const plan = planCursor({ previous: cursor(), current: current(), siblings: [sibling()], maxBytes: MiB });
    expect(plan).toEqual({ status: 'unchanged', ranges: [], cursor: cursor(), skippedBytes: 0, notes: [] });
  });

  it('appended data: reads [offset, size)', () => {
    const plan = planCursor({ previous: cursor(), current: current({ sizeBytes: 6500 }), siblings: [], maxBytes: MiB });
    expect(plan.ranges).toEqual([{ path: PATH, startByte: 5000, lengthBytes: 1500, dropsPartialFirstLine: false, isCurrent: true }]);
    expect(plan.cursor).toEqual(cursor({ offset: 6500 }));
    expect(plan.notes).toEqual([]);
  });

  it('refreshes a short fingerprint once the file has grown', () => {
    const short = { value: '333 300', lengthBytes: 300 };
    const plan = planCursor({
      previous: cursor({ offset: 300, fingerprint: short.value, fingerprintLen: 300 }),
      current: current({ sizeBytes: 2000, fingerprint: short, headFingerprint: NEW_FP }),
      siblings: [],
      maxBytes: MiB,
    });
    expect(plan.ranges).toEqual([expect.objectContaining({ startByte: 300, lengthBytes: 1700 })]);
    expect(plan.cursor).toMatchObject({ fingerprint: NEW_FP.value, fingerprintLen: 1024 });
  });

  it('logrotate create: reads the rest of the old inode (now .1) once, then the new file from 0', () => {
    const plan = planCursor({
      previous: cursor(),
      current: current({ inode: 20, sizeBytes: 800, fingerprint: NEW_FP, headFingerprint: NEW_FP }),
      siblings: [sibling({ inode: 10, sizeBytes: 7000 })],
      maxBytes: MiB,
    });
    expect(plan.ranges).toEqual([
      { path: `${PATH}.1`, startByte: 5000, lengthBytes: 2000, dropsPartialFirstLine: false, isCurrent: false },
      { path: PATH, startByte: 0, lengthBytes: 800, dropsPartialFirstLine: false, isCurrent: true },
    ]);
    expect(plan.notes).toEqual(['rotated (remainder of auth.log.1 read)']);
    expect(plan.cursor).toEqual({ path: PATH, inode: 20, offset: 800, fingerprint: NEW_FP.value, fingerprintLen: 1024 });
  });

  it('logrotate create with dateext names: finds the old inode among them', () => {
    const plan = planCursor({
      previous: cursor(),
      current: current({ inode: 30, sizeBytes: 100, fingerprint: NEW_FP, headFingerprint: NEW_FP }),
      siblings: [
        sibling({ path: `${PATH}-20261125`, inode: 99, fingerprint: { value: 'older', lengthBytes: 1024 } }),
        sibling({ path: `${PATH}-20261126`, inode: 10, sizeBytes: 5600 }),
      ],
      maxBytes: MiB,
    });
    expect(plan.ranges[0]).toEqual({ path: `${PATH}-20261126`, startByte: 5000, lengthBytes: 600, dropsPartialFirstLine: false, isCurrent: false });
    expect(plan.notes).toEqual(['rotated (remainder of auth.log-20261126 read)']);
  });

  it('logrotate create with nothing left in the old file: reads only the new file', () => {
    const plan = planCursor({
      previous: cursor(),
      current: current({ inode: 20, sizeBytes: 800, fingerprint: NEW_FP, headFingerprint: NEW_FP }),
      siblings: [sibling({ inode: 10, sizeBytes: 5000 })],
      maxBytes: MiB,
    });
    expect(plan.ranges.map((r) => r.path)).toEqual([PATH]);
    expect(plan.notes).toEqual(['rotated (remainder of auth.log.1 read)']);
  });

  it('copytruncate: same inode, smaller, and a sibling whose fingerprint matches the cursor', () => {
    const plan = planCursor({
      previous: cursor(),
      current: current({ sizeBytes: 120, fingerprint: { value: 'x', lengthBytes: 120 }, headFingerprint: NEW_FP }),
      siblings: [sibling({ inode: 77, sizeBytes: 5400 })],
      maxBytes: MiB,
    });
    expect(plan.ranges).toEqual([
      { path: `${PATH}.1`, startByte: 5000, lengthBytes: 400, dropsPartialFirstLine: false, isCurrent: false },
      { path: PATH, startByte: 0, lengthBytes: 120, dropsPartialFirstLine: false, isCurrent: true },
    ]);
    expect(plan.notes).toEqual(['copytruncate (remainder of auth.log.1 read)']);
    expect(plan.cursor).toMatchObject({ inode: 10, offset: 120 });
  });

  it('plain truncation: same inode, smaller, no matching sibling: reads from 0', () => {
    const plan = planCursor({
      previous: cursor(),
      current: current({ sizeBytes: 120, fingerprint: { value: 'x', lengthBytes: 120 } }),
      siblings: [sibling({ inode: 77, fingerprint: { value: 'other', lengthBytes: 1024 } })],
      maxBytes: MiB,
    });
    expect(plan.ranges).toEqual([{ path: PATH, startByte: 0, lengthBytes: 120, dropsPartialFirstLine: false, isCurrent: true }]);
    expect(plan.notes).toEqual(['truncated']);
  });

  it('truncated to empty: nothing to read, the note stays', () => {
    const empty = { value: 'e', lengthBytes: 0 };
    const plan = planCursor({ previous: cursor(), current: current({ sizeBytes: 0, fingerprint: empty, headFingerprint: empty }), siblings: [], maxBytes: MiB });
    expect(plan).toMatchObject({ status: 'unchanged', ranges: [], notes: ['truncated'], cursor: { offset: 0 } });
  });

  it('file replaced: another inode and no sibling holds the old one', () => {
    const plan = planCursor({
      previous: cursor(),
      current: current({ inode: 20, sizeBytes: 9000, fingerprint: NEW_FP, headFingerprint: NEW_FP }),
      siblings: [],
      maxBytes: MiB,
    });
    expect(plan.ranges).toEqual([{ path: PATH, startByte: 0, lengthBytes: 9000, dropsPartialFirstLine: false, isCurrent: true }]);
    expect(plan.notes).toEqual(['replaced']);
  });

  it('file replaced: a sibling has the old inode number but other content (inode reused)', () => {
    const plan = planCursor({
      previous: cursor(),
      current: current({ inode: 20, sizeBytes: 9000, fingerprint: NEW_FP, headFingerprint: NEW_FP }),
      siblings: [sibling({ inode: 10, fingerprint: { value: 'different', lengthBytes: 1024 } })],
      maxBytes: MiB,
    });
    expect(plan.ranges.map((r) => r.path)).toEqual([PATH]);
    expect(plan.notes).toEqual(['replaced']);
  });

  it('file replaced in place: same inode, bigger, but the fingerprint differs', () => {
    const plan = planCursor({ previous: cursor(), current: current({ sizeBytes: 9000, fingerprint: NEW_FP }), siblings: [], maxBytes: MiB });
    expect(plan.ranges).toEqual([expect.objectContaining({ startByte: 0, lengthBytes: 9000 })]);
    expect(plan.notes).toEqual(['replaced']);
  });

  it('never reads a compressed sibling; notes the lost remainder when its size is known', () => {
    const plan = planCursor({
      previous: cursor(),
      current: current({ inode: 20, sizeBytes: 800, fingerprint: NEW_FP, headFingerprint: NEW_FP }),
      siblings: [sibling({ path: `${PATH}.1.gz`, isCompressed: true, inode: null, sizeBytes: 5000 + 3 * 1024 })],
      maxBytes: MiB,
    });
    expect(plan.ranges.map((r) => r.path)).toEqual([PATH]);
    expect(plan.notes).toEqual(['rotated and compressed before it was read: 3 KiB at the end of auth.log.1.gz not read']);
  });

  it('a compressed sibling of unknown size: notes an unknown loss', () => {
    const plan = planCursor({
      previous: cursor(),
      current: current({ inode: 20, sizeBytes: 800, fingerprint: NEW_FP, headFingerprint: NEW_FP }),
      siblings: [sibling({ path: `${PATH}-20261126.gz`, isCompressed: true, inode: null, sizeBytes: null })],
      maxBytes: MiB,
    });
    expect(plan.notes).toEqual(['rotated and compressed before it was read: an unknown amount at the end of auth.log-20261126.gz not read']);
  });

  it('more new data than the cap: reads the newest cap bytes, notes the skip, cursor at the end', () => {
    const plan = planCursor({ previous: cursor(), current: current({ sizeBytes: 5000 + 3 * MiB }), siblings: [], maxBytes: MiB });
    expect(plan.ranges).toEqual([{ path: PATH, startByte: 5000 + 2 * MiB - 1, lengthBytes: MiB + 1, dropsPartialFirstLine: true, isCurrent: true }]);
    expect(plan.skippedBytes).toBe(2 * MiB);
    expect(plan.notes).toEqual(['more than the cap of 1 MiB: skipped 2 MiB, read the newest data']);
    expect(plan.cursor.offset).toBe(5000 + 3 * MiB);
  });

  it('a rotation bigger than the cap: the new file wins, the old remainder gets what is left', () => {
    const plan = planCursor({
      previous: cursor(),
      current: current({ inode: 20, sizeBytes: 600, fingerprint: NEW_FP, headFingerprint: NEW_FP }),
      siblings: [sibling({ inode: 10, sizeBytes: 5000 + 2000 })],
      maxBytes: 1000,
    });
    expect(plan.ranges).toEqual([
      { path: `${PATH}.1`, startByte: 6599, lengthBytes: 401, dropsPartialFirstLine: true, isCurrent: false },
      { path: PATH, startByte: 0, lengthBytes: 600, dropsPartialFirstLine: false, isCurrent: true },
    ]);
    expect(plan.skippedBytes).toBe(1600);
  });

  it('a zero-length fingerprint never matches a sibling by content', () => {
    const empty = { value: '4294967295 0', lengthBytes: 0 };
    const plan = planCursor({
      previous: cursor({ offset: 0, fingerprint: empty.value, fingerprintLen: 0 }),
      current: current({ inode: 20, sizeBytes: 50, fingerprint: empty, headFingerprint: NEW_FP }),
      siblings: [sibling({ inode: 99, sizeBytes: 9000, fingerprint: empty })],
      maxBytes: MiB,
    });
    expect(plan.ranges.map((r) => r.path)).toEqual([PATH]);
    expect(plan.notes).toEqual(['replaced']);
  });
});

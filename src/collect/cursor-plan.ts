import type { LogCursor } from '../types.js';
import { formatBytes } from './format-bytes.js';

/** A content fingerprint as the probe prints it: cksum (or `md5:` hash) of the first `lengthBytes` bytes. */
export interface Fingerprint {
  value: string;
  lengthBytes: number;
}

/** The log file now at the configured path, as the probe saw it. */
export interface CurrentFileStat {
  /** Path without rootfs. */
  path: string;
  inode: number;
  sizeBytes: number;
  /** Over the first `previous.fingerprintLen` bytes when there is a cursor (to compare), else over the head. */
  fingerprint: Fingerprint;
  /** Over the first min(size, 1024) bytes: what a new cursor stores. */
  headFingerprint: Fingerprint;
}

/** A rotated sibling of the log file (`auth.log.1`, `auth.log-20261125`, `auth.log.1.gz`). */
export interface RotatedSibling {
  path: string;
  isCompressed: boolean;
  /** Inode of an uncompressed sibling; null for a compressed one (compression writes a new file). */
  inode: number | null;
  /** File size; for a compressed sibling the uncompressed size from its trailer, or null when unknown. */
  sizeBytes: number | null;
  /** Over the first `previous.fingerprintLen` bytes of the (decompressed) content, or null when unreadable. */
  fingerprint: Fingerprint | null;
}

export interface CursorPlanInput {
  previous: LogCursor | null;
  current: CurrentFileStat;
  /** In order of preference: `.1`, newest dateext names, then compressed ones. */
  siblings: RotatedSibling[];
  maxBytes: number;
}

/** One byte range to read. */
export interface ReadRange {
  path: string;
  startByte: number;
  lengthBytes: number;
  /** The range starts one byte early and everything up to the first `\n` is dropped, so only whole lines count. */
  dropsPartialFirstLine: boolean;
  /** True for the current file (the cursor follows it); false for a rotated remainder, read to its end once. */
  isCurrent: boolean;
}

export interface CursorPlan {
  status: 'read' | 'unchanged';
  /** Oldest data first: a rotated remainder, then the current file. */
  ranges: ReadRange[];
  /**
   * The cursor if the current file is read to its end. The reader moves `offset` back to the end of the last
   * complete line it saw, so a half-written line is read again next pass.
   */
  cursor: LogCursor;
  skippedBytes: number;
  notes: string[];
}

interface Span {
  path: string;
  fromByte: number;
  toByte: number;
}

/**
 * Decides what to read of one log file this pass (pure). It follows the previous cursor through appends,
 * logrotate `create` (the old inode found among the rotated siblings), `copytruncate` (a sibling whose fingerprint
 * matches the cursor), plain truncation and replacement; a compressed sibling is never read, its loss is noted.
 * The newest data wins the per-pass byte cap, and the cursor always ends at the end of the file, so a flood is
 * skipped (and noted) instead of being worked off over many passes.
 */
export function planCursor(input: CursorPlanInput): CursorPlan {
  const { previous, current, siblings, maxBytes } = input;
  const notes: string[] = [];
  let currentFrom = 0;
  let remainder: Span | null = null;

  if (previous === null) {
    if (current.sizeBytes > maxBytes) {
      notes.push(`first pass: read last ${formatBytes(maxBytes)} of ${formatBytes(current.sizeBytes)}`);
    } else if (current.sizeBytes > 0) {
      notes.push(`first pass: read all ${formatBytes(current.sizeBytes)}`);
    }
  } else {
    const isSameInode = current.inode === previous.inode;
    if (isSameInode && matches(current.fingerprint, previous) && current.sizeBytes >= previous.offset) {
      currentFrom = previous.offset;
    } else {
      remainder = followRotation(previous, current, siblings, isSameInode, notes);
    }
  }

  const currentWindow = newestWindow({ path: current.path, fromByte: currentFrom, toByte: current.sizeBytes }, maxBytes, true);
  const budgetLeft = maxBytes - Math.min(maxBytes, current.sizeBytes - currentFrom);
  const remainderWindow = remainder ? newestWindow(remainder, budgetLeft, false) : { range: null, skippedBytes: 0 };
  const ranges = [remainderWindow.range, currentWindow.range].filter((r): r is ReadRange => r !== null);
  const skippedBytes = currentWindow.skippedBytes + remainderWindow.skippedBytes;
  // On a first pass the skipped head is old history, already described by the "first pass" note.
  if (skippedBytes > 0 && previous !== null) {
    notes.push(`more than the cap of ${formatBytes(maxBytes)}: skipped ${formatBytes(skippedBytes)}, read the newest data`);
  }
  return {
    status: ranges.length > 0 ? 'read' : 'unchanged',
    ranges,
    cursor: {
      path: current.path,
      inode: current.inode,
      offset: current.sizeBytes,
      fingerprint: current.headFingerprint.value,
      fingerprintLen: current.headFingerprint.lengthBytes,
    },
    skippedBytes,
    notes,
  };
}

/** Where the unread tail of the previous file went, if anywhere readable; notes what happened either way. */
function followRotation(
  previous: LogCursor,
  current: CurrentFileStat,
  siblings: RotatedSibling[],
  isSameInode: boolean,
  notes: string[],
): Span | null {
  const plain = siblings.filter((s) => !s.isCompressed);
  // A fingerprint of zero bytes matches anything, so it can only confirm an inode match, never find a file.
  const canMatchContent = previous.fingerprintLen > 0;
  const byInode = isSameInode
    ? undefined
    : plain.find((s) => s.inode === previous.inode && (s.fingerprint === null || matches(s.fingerprint, previous)));
  const byContent = canMatchContent
    ? plain.find((s) => s.fingerprint !== null && matches(s.fingerprint, previous) && (s.sizeBytes ?? 0) >= previous.offset)
    : undefined;
  const rotated = byInode ?? byContent;
  if (rotated) {
    const how = isSameInode ? 'copytruncate' : 'rotated';
    const size = rotated.sizeBytes ?? previous.offset;
    notes.push(`${how} (remainder of ${baseName(rotated.path)} read)`);
    return { path: rotated.path, fromByte: previous.offset, toByte: Math.max(previous.offset, size) };
  }
  const compressed = canMatchContent
    ? siblings.find((s) => s.isCompressed && s.fingerprint !== null && matches(s.fingerprint, previous))
    : undefined;
  if (compressed) {
    const lost =
      compressed.sizeBytes !== null && compressed.sizeBytes >= previous.offset
        ? formatBytes(compressed.sizeBytes - previous.offset)
        : 'an unknown amount';
    notes.push(`rotated and compressed before it was read: ${lost} at the end of ${baseName(compressed.path)} not read`);
    return null;
  }
  notes.push(isSameInode && current.sizeBytes < previous.offset ? 'truncated' : 'replaced');
  return null;
}

/** The newest `budget` bytes of a span, starting at a line boundary when the span is cut. */
function newestWindow(span: Span, budget: number, isCurrent: boolean): { range: ReadRange | null; skippedBytes: number } {
  const length = span.toByte - span.fromByte;
  if (length <= 0) return { range: null, skippedBytes: 0 };
  if (length <= budget) {
    return {
      range: { path: span.path, startByte: span.fromByte, lengthBytes: length, dropsPartialFirstLine: false, isCurrent },
      skippedBytes: 0,
    };
  }
  if (budget <= 0) return { range: null, skippedBytes: length };
  const start = span.toByte - budget;
  // Read one byte before the window: if it is `\n` the first line is whole and only that byte is dropped.
  return {
    range: { path: span.path, startByte: start - 1, lengthBytes: budget + 1, dropsPartialFirstLine: true, isCurrent },
    skippedBytes: start - span.fromByte,
  };
}

function matches(fingerprint: Fingerprint, cursor: LogCursor): boolean {
  return fingerprint.value === cursor.fingerprint && fingerprint.lengthBytes === cursor.fingerprintLen;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

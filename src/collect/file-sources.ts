import type { CollectFailure, LogCursor, LogSourceResult } from '../types.js';
import { planCursor, type CursorPlan } from './cursor-plan.js';
import type { RangeOutcome, ReadJob } from './log-reader.js';
import { parseLogSection, type ProbedLogFile } from './parse-log-section.js';
import type { RecordBatch } from './record-batch.js';
import type { parseProbeOutput } from './parse-probe-output.js';

/*
 * The file sources of collectHost: what the probe saw of each configured path or glob, the plan for its bytes, and
 * the settling of what the read delivered into records, a source result and the new cursor.
 */

/** The probed files of every pattern, each path once (the first pattern that matched it wins). */
export function probedFiles(
  patterns: string[],
  sections: ReturnType<typeof parseProbeOutput>,
  logSources: LogSourceResult[],
  failures: CollectFailure[],
): ProbedLogFile[] {
  const seen = new Set<string>();
  const files: ProbedLogFile[] = [];
  patterns.forEach((pattern, index) => {
    const section = sections.get(`log:${index}`);
    if (!section || section.code === null) {
      logSources.push(sourceResult(pattern, pattern, 'error', 'not probed (the probe ended early)'));
      failures.push({ source: pattern, message: 'not probed (the probe ended early)' });
      return;
    }
    if (section.code !== 0 && section.stderr) failures.push({ source: pattern, message: section.stderr.split('\n')[0] ?? '' });
    for (const file of parseLogSection(section.stdout, pattern)) {
      if (seen.has(file.path)) continue;
      seen.add(file.path);
      files.push(file);
    }
  });
  return files;
}

/** A cursor plan for a readable file, or the final result for one that cannot be read. */
export function planFile(file: ProbedLogFile, previous: LogCursor | null, maxBytes: number): CursorPlan | LogSourceResult {
  switch (file.state) {
    case 'missing':
      return sourceResult(file.pattern, file.path, 'missing');
    case 'unreadable':
      return sourceResult(file.pattern, file.path, 'unreadable', 'permission denied');
    case 'notfile':
      return sourceResult(file.pattern, file.path, 'error', 'not a regular file');
    case 'newline':
      return sourceResult(file.pattern, '(name with a newline)', 'error', 'a matched file name contains a newline; skipped');
    case 'ok':
      break;
  }
  if (/\.(gz|xz|bz2|zst|lz4|Z)$/.test(file.path)) {
    return sourceResult(file.pattern, file.path, 'error', 'compressed files are not read');
  }
  const { inode, sizeBytes, fingerprint, headFingerprint } = file;
  if (inode === null || sizeBytes === null || fingerprint === null || headFingerprint === null) {
    return sourceResult(file.pattern, file.path, 'error', 'could not stat or fingerprint the file');
  }
  return planCursor({ previous, current: { path: file.path, inode, sizeBytes, fingerprint, headFingerprint }, siblings: file.siblings, maxBytes });
}

/**
 * Joins a file's plan with what its ranges delivered: the record batches to commit (none unless the file was read
 * whole and verified), its source status and its new cursor.
 */
export function settleFile(
  file: ProbedLogFile,
  plan: CursorPlan,
  outcomes: RangeOutcome<ReadJob>[],
  readFailure: string | null,
): { source: LogSourceResult; cursor: LogCursor | null; batches: RecordBatch[] } {
  const notes = [...plan.notes];
  if (plan.ranges.length === 0) {
    return { source: sourceResult(file.pattern, file.path, 'unchanged', notes.join('; ')), cursor: plan.cursor, batches: [] };
  }
  const corrupt = outcomes.find((o) => o.integrityFailure);
  if (corrupt) {
    // The cursor stays where it was: the same bytes are read, and checked, again next pass.
    notes.push(`integrity check failed (${corrupt.integrityFailure ?? ''}); nothing kept, will be read again next pass`);
    return { source: sourceResult(file.pattern, file.path, 'error', notes.join('; ')), cursor: null, batches: [] };
  }
  if (outcomes.length < plan.ranges.length || outcomes.some((o) => !o.isComplete)) {
    // Dropping the partial lines keeps records and cursor in step: the next pass reads them again.
    notes.push(`read interrupted (${readFailure ?? 'output ended early'}); will be read again next pass`);
    return { source: sourceResult(file.pattern, file.path, 'error', notes.join('; ')), cursor: null, batches: [] };
  }
  const current = outcomes.find((o) => o.job.range.isCurrent);
  if (current?.status === 'missing') {
    return { source: sourceResult(file.pattern, file.path, 'missing', 'removed while being read'), cursor: null, batches: [] };
  }
  if (outcomes.some((o) => o.status === 'missing')) notes.push('the rotated file disappeared before it was read');
  const batches = outcomes.map((o) => o.batch);
  const cursor = current ? { ...plan.cursor, offset: current.job.range.startByte + current.consumedBytes } : plan.cursor;
  return {
    source: {
      pattern: file.pattern,
      path: file.path,
      status: 'read',
      bytesRead: outcomes.reduce((sum, o) => sum + o.bytesRead, 0),
      linesRead: batches.reduce((sum, b) => sum + b.count, 0),
      skippedBytes: plan.skippedBytes,
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    },
    cursor,
    batches,
  };
}

export function sourceResult(pattern: string, path: string, status: LogSourceResult['status'], note?: string): LogSourceResult {
  return { pattern, path, status, bytesRead: 0, linesRead: 0, skippedBytes: 0, ...(note ? { note } : {}) };
}

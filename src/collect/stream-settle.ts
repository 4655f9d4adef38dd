import type { LogSourceResult, LogSourceStatus, SourceCursor } from '../types.js';
import type { RecordBatch } from './record-batch.js';

/** What settling a stream source (journal, a container's log) gives: records and position come together or not at all. */
export interface SettledStream {
  source: LogSourceResult;
  /** The record batches to commit: the stream's, when it was read whole; none otherwise. */
  batches: RecordBatch[];
  cursor: SourceCursor | null;
  failure: string | null;
}

/** A LogSourceResult builder for one stream source, with nothing read unless `over` says otherwise. */
export function streamResult(pattern: string, path: string) {
  return (status: LogSourceStatus, note: string, over: Partial<LogSourceResult> = {}): LogSourceResult => ({
    pattern,
    path,
    status,
    bytesRead: 0,
    linesRead: 0,
    skippedBytes: 0,
    ...(note ? { note } : {}),
    ...over,
  });
}

/** A stream whose read was cut off (or failed its integrity check): kept for the next pass, position unchanged. */
export function interruptedStream(result: ReturnType<typeof streamResult>, readFailure: string | null): SettledStream {
  const note = `read interrupted (${readFailure ?? 'output ended early'}); will be read again next pass`;
  return { source: result('error', note), batches: [], cursor: null, failure: note };
}

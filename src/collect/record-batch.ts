import type { LogRecord, RecordBatch } from '../types.js';

export type { RecordBatch, RecordBatchFactory } from '../types.js';

/**
 * A batch that keeps its records (tests, and callers that want the records themselves); on commit they are handed
 * to `onCommit` (e.g. appended to a snapshot's `logs`).
 */
export class BufferedBatch implements RecordBatch {
  records: LogRecord[] = [];
  private state: 'open' | 'committed' | 'discarded' = 'open';

  constructor(private readonly onCommit?: (records: LogRecord[]) => void) {}

  get count(): number {
    return this.records.length;
  }

  add(record: LogRecord): void {
    if (this.state === 'open') this.records.push(record);
  }

  commit(): void {
    if (this.state !== 'open') return;
    this.state = 'committed';
    this.onCommit?.(this.records);
  }

  discard(): void {
    if (this.state !== 'open') return;
    this.state = 'discarded';
    this.records = [];
  }
}

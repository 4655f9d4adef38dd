import type { AlertThresholds, Finding, LogRecord, MonitorIdentity, RecordBatch, RecordBatchFactory } from '../types.js';
import { LogRuleAccumulator, matchRecord } from './log-rules.js';
import { buildRuleIndex, LOG_RULES, type RuleIndex } from './rules/index.js';
import { MonitorSessionFilter } from './self-noise.js';

export interface HostLogStreamOptions {
  /** Rule set to apply; the built-in registry by default. */
  rules?: RuleIndex;
  /** Our own SSH session on the host: its lines never reach the rules (self-noise.ts). */
  identity?: MonitorIdentity | null;
}

/**
 * Log analysis of one host while its logs are read: each record goes through the own-session filter and the rules
 * the moment it is parsed, and only hits are kept (counts and a few example lines per finding), so a host's memory
 * does not grow with its log. Each read job gets its own batch (`batchFor`): its hits count once the collector
 * commits the batch, and vanish if it discards it (cut off, failed integrity), exactly as its cursor does.
 */
export class HostLogStream {
  /** Records read, in reading order (gives each line its place; examples keep the earliest). */
  private seq = 0;
  private readonly total = new LogRuleAccumulator();
  private readonly index: RuleIndex;
  private readonly own: MonitorSessionFilter | null;

  constructor(options: HostLogStreamOptions = {}) {
    this.index = options.rules ?? defaultIndex();
    this.own = options.identity ? new MonitorSessionFilter([options.identity]) : null;
  }

  readonly batchFor: RecordBatchFactory = () => new AnalysisBatch(this);

  /** The findings of every committed batch. */
  findings(thresholds: AlertThresholds, secrets: string[]): Finding[] {
    return this.total.findings(thresholds, secrets);
  }

  /** @internal */
  take(record: LogRecord, into: LogRuleAccumulator): void {
    const seq = this.seq++;
    if (this.own?.accept(record)) return;
    const hit = matchRecord(record, this.index);
    if (hit) into.add(hit, record, seq);
  }

  /** @internal */
  keep(partial: LogRuleAccumulator): void {
    this.total.merge(partial);
  }
}

class AnalysisBatch implements RecordBatch {
  count = 0;
  private partial: LogRuleAccumulator | null = new LogRuleAccumulator();

  constructor(private readonly stream: HostLogStream) {}

  add(record: LogRecord): void {
    if (!this.partial) return;
    this.count++;
    this.stream.take(record, this.partial);
  }

  commit(): void {
    if (this.partial) this.stream.keep(this.partial);
    this.partial = null;
  }

  discard(): void {
    this.partial = null;
  }
}

let builtIn: RuleIndex | null = null;

/** The built-in rules' index, built once per process. */
export function defaultIndex(): RuleIndex {
  builtIn ??= buildRuleIndex(LOG_RULES);
  return builtIn;
}

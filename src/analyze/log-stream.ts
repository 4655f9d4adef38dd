import { DEFAULT_ALERT_THRESHOLDS } from '../config/schema-thresholds.js';
import type {
  AlertThresholds,
  Finding,
  LogRecord,
  MonitorIdentity,
  RecordBatch,
  RecordBatchFactory,
  ResolvedHost,
} from '../types.js';
import { isIgnored, LogRuleAccumulator, matchRules } from './log-rules.js';
import { TemplateAccumulator } from './log-template.js';
import { isPackageLog, PackageTransactions } from './packages.js';
import { RuleDispatcher } from './rules/dispatch.js';
import { builtInIndex, type RuleIndex } from './rules/index.js';
import { MonitorSessionFilter } from './self-noise.js';

export interface HostLogStreamOptions {
  /** The host: its rule set (`logRules`, built-ins when absent) and thresholds (aggregation windows need them). */
  host?: Pick<ResolvedHost, 'logRules' | 'thresholds'>;
  /** Rule set to apply, instead of the host's. */
  rules?: RuleIndex;
  /** Our own SSH session on the host: its lines never reach the rules (self-noise.ts). */
  identity?: MonitorIdentity | null;
}

/**
 * Log analysis of one host while its logs are read: each record goes through the ignore patterns, the own-session
 * filter and the rules the moment it is parsed, and only hits are kept (counts and a few example lines per finding),
 * so a host's memory does not grow with its log. Each read job gets its own batch (`batchFor`): its hits count once
 * the collector commits the batch, and vanish if it discards it (cut off, failed integrity), exactly as its cursor
 * does.
 */
export class HostLogStream {
  /** Records read, in reading order (gives each line its place; examples keep the earliest). */
  private seq = 0;
  private ignoredLines = 0;
  private readonly total: LogRuleAccumulator;
  /** The templates of every committed batch (new-patterns.ts decides which are new). */
  readonly templates = new TemplateAccumulator();
  /** apt/dpkg transactions of every committed batch (packages.ts). */
  readonly packages = new PackageTransactions();
  private readonly dispatcher: RuleDispatcher;
  private readonly own: MonitorSessionFilter | null;
  private readonly thresholds: AlertThresholds;

  constructor(options: HostLogStreamOptions = {}) {
    this.dispatcher = new RuleDispatcher(options.rules ?? options.host?.logRules ?? builtInIndex());
    this.own = options.identity ? new MonitorSessionFilter([options.identity]) : null;
    this.thresholds = options.host?.thresholds ?? DEFAULT_ALERT_THRESHOLDS;
    this.total = new LogRuleAccumulator(this.thresholds);
  }

  // apt's history and dpkg's log are package transactions (packages.ts), not messages: no templates of their lines.
  readonly batchFor: RecordBatchFactory = (source) =>
    isPackageLog(source)
      ? new AnalysisBatch(this, new LogRuleAccumulator(this.thresholds), null, new PackageTransactions())
      : new AnalysisBatch(this, new LogRuleAccumulator(this.thresholds), new TemplateAccumulator(), null);

  /** The findings of every committed batch. */
  findings(thresholds: AlertThresholds, secrets: string[]): Finding[] {
    return this.total.findings(thresholds, secrets);
  }

  /** Lines dropped by an ignore pattern so far (committed or not). */
  get ignored(): number {
    return this.ignoredLines;
  }

  /**
   * @internal Ignore patterns first (a line the operator declared noise is gone before anything else looks at it),
   * then our own session, then the line's template and the rules.
   */
  take(record: LogRecord, into: LogRuleAccumulator, templates: TemplateAccumulator | null): void {
    const seq = this.seq++;
    const candidates = this.dispatcher.candidates(record);
    if (candidates.ignore.length > 0 && isIgnored(candidates.ignore, record.line)) {
      this.ignoredLines++;
      return;
    }
    if (this.own?.accept(record)) return;
    templates?.add(record);
    if (candidates.rules.length === 0) return;
    const hit = matchRules(candidates.rules, record);
    if (!hit) return;
    into.add(hit, record, seq);
    templates?.markRuled(record);
  }

  /** @internal */
  keep(partial: LogRuleAccumulator, templates: TemplateAccumulator | null, packages: PackageTransactions | null): void {
    this.total.merge(partial);
    if (templates) this.templates.merge(templates);
    if (packages) {
      packages.finish();
      this.packages.merge(packages);
    }
  }
}

class AnalysisBatch implements RecordBatch {
  count = 0;

  constructor(
    private readonly stream: HostLogStream,
    private partial: LogRuleAccumulator | null,
    private templates: TemplateAccumulator | null,
    /** Only for apt's history and dpkg's log: decided once per job, not per line. */
    private packages: PackageTransactions | null,
  ) {}

  add(record: LogRecord): void {
    if (!this.partial) return;
    this.count++;
    this.stream.take(record, this.partial, this.templates);
    this.packages?.add(record);
  }

  commit(): void {
    if (this.partial) this.stream.keep(this.partial, this.templates, this.packages);
    this.partial = null;
    this.templates = null;
    this.packages = null;
  }

  discard(): void {
    this.partial = null;
    this.templates = null;
    this.packages = null;
  }
}

/** The built-in rules' index, built once per process. */
export function defaultIndex(): RuleIndex {
  return builtInIndex();
}

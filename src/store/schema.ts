/**
 * The typed shape of the store, shared by SQLite and PostgreSQL (see migrations/0001_initial.js).
 *
 * Portable column choices, so one set of repositories works on both dialects:
 * - Timestamps are ISO-8601 UTC text from `Date.prototype.toISOString()` (`2026-01-02T03:04:05.678Z`). The format is
 *   fixed-width, so text comparison and ORDER BY sort chronologically in both dialects, and no driver converts them.
 * - Booleans are integer 0/1 (SQLite has no boolean type).
 * - JSON is text, written with JSON.stringify and parsed by the repositories (SQLite has no json type; PostgreSQL
 *   jsonb would come back parsed, the SQLite text would not).
 * - Ids are `integer primary key autoincrement` on SQLite and `serial` on PostgreSQL; both come back as numbers.
 * - Byte counts, line counts, inodes and offsets are `bigint` on PostgreSQL (`integer` is 64-bit on SQLite anyway);
 *   openStore makes postgres.js parse int8, and therefore count(*), into a JS number.
 * - Metric values are `double precision` on PostgreSQL and `real` (8-byte) on SQLite.
 * Columns are snake_case as stored; repositories map rows to the camelCase stage types in ../types.ts.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { HealthStatus, HostRunStatus, Severity } from '../types.js';

/** ISO-8601 UTC text, as produced by `toISOString()`. */
export type IsoTimestamp = string;
/** A JSON document stored as text. */
export type JsonText = string;
/** 0 = false, 1 = true. */
export type IntBoolean = number;

/** Lifecycle of one pass. `failed` also marks a pass found still `running` after its process died. */
export type RunStatus = 'running' | 'complete' | 'timed_out' | 'failed';

/** A configured host; synced from the YAML at the start of every pass. */
export interface HostTable {
  id: Generated<number>;
  /** Unique config name. */
  name: string;
  hostname: string;
  port: number;
  user: string;
  site: string | null;
  /** JSON array of strings. */
  tags: JsonText;
  enabled: IntBoolean;
  transport: 'ssh' | 'local';
  created_at: IsoTimestamp;
  updated_at: IsoTimestamp;
  /** When the host was last reachable. */
  last_seen: IsoTimestamp | null;
  last_report_sent: IsoTimestamp | null;
}

/** One `dthostmon run` pass. */
export interface RunTable {
  id: Generated<number>;
  started_at: IsoTimestamp;
  finished_at: IsoTimestamp | null;
  status: RunStatus;
  /** Hostname of the machine that ran the pass. */
  runner: string;
  pid: number;
  host_count: number;
  hosts_ok: number;
  hosts_failed: number;
  duration_ms: number | null;
  /** The name the workers of one sharded pass share (`run --worker`); null for an ordinary pass. */
  pass_key: string | null;
}

/** The outcome of one host in one pass. */
export interface HostRunTable {
  id: Generated<number>;
  run_id: number;
  host_id: number;
  started_at: IsoTimestamp;
  finished_at: IsoTimestamp;
  status: HostRunStatus;
  error: string | null;
  score: number | null;
  previous_score: number | null;
  health: HealthStatus | null;
  /** JSON array of ScoreReason. */
  reasons: JsonText;
  findings_crit: number;
  findings_warn: number;
  findings_info: number;
  log_bytes_read: number;
  log_lines_read: number;
  duration_ms: number;
  report_path: string | null;
  /** JSON HostFacts, null when the host could not be reached. */
  facts: JsonText | null;
  /** JSON array of LogSourceResult. */
  log_sources: JsonText;
  /** JSON array of CollectFailure. */
  failures: JsonText;
}

export interface FindingTable {
  id: Generated<number>;
  host_run_id: number;
  run_id: number;
  host_id: number;
  /** A FindingCategory; kept as text so a new category needs no migration. */
  category: string;
  severity: Severity;
  rule_id: string;
  title: string;
  key: string;
  subject: string | null;
  count: number;
  /** JSON array of Evidence. */
  evidence: JsonText;
  recommendation: string | null;
  created_at: IsoTimestamp;
}

/** Narrow metric rows for trends: one value per name (`disk.used_percent`) and label (mount point or ''). */
export interface MetricTable {
  id: Generated<number>;
  host_id: number;
  host_run_id: number;
  collected_at: IsoTimestamp;
  name: string;
  label: string;
  value: number;
}

/** The last known state of a host by kind (`facts`, `users`), for change detection. */
export interface BaselineTable {
  id: Generated<number>;
  host_id: number;
  kind: string;
  data: JsonText;
  updated_at: IsoTimestamp;
  /** Null once retention removed the host run that wrote it. */
  host_run_id: number | null;
}

/** Log byte cursors, one per host and file. */
export interface CursorTable {
  id: Generated<number>;
  host_id: number;
  path: string;
  inode: number;
  offset: number;
  fingerprint: string;
  fingerprint_len: number;
  updated_at: IsoTimestamp;
  /** Null once retention removed the host run that wrote it. */
  host_run_id: number | null;
}

/** Positions of non-file log sources (migration 0003), one per host and source (`journal`, `docker:<name>`). */
export interface SourceCursorTable {
  id: Generated<number>;
  host_id: number;
  source: string;
  /** JSON object: the source's own position (`{ cursor }` for the journal, `{ id, lastTimestamp }` for docker). */
  state: JsonText;
  updated_at: IsoTimestamp;
  /** Null once retention removed the host run that wrote it. */
  host_run_id: number | null;
}

/** The log templates a host has produced (migration 0004), one per host and template hash. */
export interface LogTemplateTable {
  id: Generated<number>;
  host_id: number;
  /** 16 hex digits of the SHA-256 of the template text. */
  hash: string;
  template: string;
  /** 1 when the template is error-level. */
  is_error: number;
  first_seen: IsoTimestamp;
  last_seen: IsoTimestamp;
  /** Lines seen with this template, all passes together. */
  line_count: number;
  /** The host run that first saw it (null once retention removed that run). */
  first_host_run_id: number | null;
}

/** One difference between a host's baseline and the host at a pass (migration 0005), expected or not. */
export interface ChangeTable {
  id: Generated<number>;
  host_id: number;
  host_run_id: number;
  run_id: number;
  /** A ChangeKind: user, group, sudoers, authorized_keys, package, service, listener, cron, container, image, file, disk, kernel, boot. */
  kind: string;
  action: 'added' | 'removed' | 'changed';
  subject: string;
  /** The finding category it falls under. */
  category: string;
  detail: string;
  before: string | null;
  after: string | null;
  expected: IntBoolean;
  reason: string | null;
  /** When it happened, when known. */
  changed_at: IsoTimestamp | null;
  detected_at: IsoTimestamp;
}

/** One row per host and finding key while its condition lasts (migration 0005): a persisting finding is one item. */
export interface FindingStateTable {
  id: Generated<number>;
  host_id: number;
  key: string;
  category: string;
  severity: Severity;
  title: string;
  first_seen: IsoTimestamp;
  last_seen: IsoTimestamp;
  /** Passes in a row that reported it. */
  passes: number;
  /** Set when a pass that looked no longer reports it; null while open. */
  resolved_at: IsoTimestamp | null;
}

/** Host keys pinned on first use: one per host and key type (see src/collect/host-key-policy.ts). */
export interface HostKeyTable {
  id: Generated<number>;
  host_id: number;
  /** Key type: `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, ... */
  algorithm: string;
  /** Base64 public key blob. */
  key: string;
  /** `SHA256:...`, as OpenSSH prints it. */
  fingerprint: string;
  first_seen: IsoTimestamp;
  last_seen: IsoTimestamp;
}

/** Append-only (enforced by database triggers): who did what, when. */
export interface AuditLogTable {
  id: Generated<number>;
  at: IsoTimestamp;
  /** `run`, `serve`, `setup`, a user name, ... */
  actor: string;
  /** `host.collected`, `host.failed`, ... */
  action: string;
  host_id: number | null;
  run_id: number | null;
  /** JSON object. Never holds a secret. */
  detail: JsonText;
}

/** At most one row per lock name; see pass-lock.ts. */
export interface PassLockTable {
  name: string;
  /** Hostname of the machine holding the lock. */
  owner_host: string;
  owner_pid: number;
  acquired_at: IsoTimestamp;
  expires_at: IsoTimestamp;
}

/** The alert state machine's record per host and finding key (migration 0006; see src/alert/state-machine.ts). */
export interface AlertStateTable {
  id: Generated<number>;
  host_id: number;
  key: string;
  category: string;
  severity: Severity;
  title: string;
  status: 'pending' | 'open' | 'resolved';
  first_seen: IsoTimestamp;
  last_seen: IsoTimestamp;
  passes: number;
  notified_at: IsoTimestamp | null;
  notified_severity: Severity | null;
  resolved_at: IsoTimestamp | null;
  /** Why the last notification due was not sent (host unreachable, a silence, a maintenance window). */
  muted_by: string | null;
  /** 1 for a condition that can recover (gets a recovery notice), 0 for an event. */
  condition: IntBoolean;
}

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'dead';

/** A message to deliver (migration 0006): stored before it is sent, marked when sent, retried, dead-lettered. */
export interface OutboxTable {
  id: Generated<number>;
  created_at: IsoTimestamp;
  run_id: number | null;
  /** `alert`, `report`, `admin`. */
  kind: string;
  /** `email` or `pushover`. */
  channel: string;
  /** Unique: the same message is never queued twice (`alert:<run>:<recipients>`, `report:host:web-01:<time>`). */
  dedupe_key: string;
  /** JSON array of addresses (email) or `[]` (Pushover). */
  recipients: JsonText;
  subject: string;
  /** JSON: the raw RFC 5322 message (email) or the Pushover form fields. Never holds a credential. */
  payload: JsonText;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: IsoTimestamp;
  last_error: string | null;
  sent_at: IsoTimestamp | null;
  /** Where it went: `smtp://host:port`, `pushover`, or the .eml file path. */
  delivered_to: string | null;
}

/** One report delivered or rendered on demand (migration 0006). */
export interface ReportSentTable {
  id: Generated<number>;
  /** `host` or `site`. */
  kind: string;
  /** The host name or site id. */
  scope: string;
  generated_at: IsoTimestamp;
  period_start: IsoTimestamp;
  period_end: IsoTimestamp;
  /** `schedule` or `on-demand`. */
  trigger: string;
  /** JSON: the scores it showed (`{ score }` for a host, `{ scores: { host: score } }` for a site). */
  summary: JsonText;
  outbox_id: number | null;
  /** The HTML file written, if any. */
  path: string | null;
}

/** What one metrics source said for one host in one pass (migration 0008; docs/metrics.md). */
export interface MetricSourceTable {
  id: Generated<number>;
  host_id: number;
  host_run_id: number;
  collected_at: IsoTimestamp;
  /** `prometheus`, `influxdb` or `glances`. */
  source: string;
  /** Base URL without credentials. */
  url: string;
  status: 'ok' | 'failed';
  error: string | null;
  detail: string;
  duration_ms: number;
  window_seconds: number;
  /** JSON SourceSummary (src/analyze/metric-summary.ts), redacted. */
  data: JsonText;
}

export type MetricSourceRow = Selectable<MetricSourceTable>;
export type NewMetricSourceRow = Insertable<MetricSourceTable>;

/** What the AI stage did for one host in one pass (migration 0007; see src/analyze/llm/). */
export interface AiAnalysisTable {
  id: Generated<number>;
  host_run_id: number;
  run_id: number;
  host_id: number;
  created_at: IsoTimestamp;
  /** `ok`, `cached`, `unavailable` (every provider failed), `skipped` (a budget). */
  status: 'ok' | 'cached' | 'unavailable' | 'skipped';
  /** `new` (something new this pass), `summary` (due), `catch-up` (an earlier pass's kept input). */
  trigger: 'new' | 'summary' | 'catch-up';
  /** Why it was skipped or unavailable (the providers' errors), one line. */
  reason: string | null;
  provider: string | null;
  model: string | null;
  input_hash: string | null;
  /** Estimated input tokens of the prompt. */
  input_tokens: number;
  summary: string | null;
  /** The model's own health view (0-100), shown beside the deterministic score. */
  llm_score: number | null;
  /** JSON array of texts. */
  recommendations: JsonText;
  dropped_claims: number;
  /** JSON digest (redacted) kept for a later pass when no provider answered; null once analyzed or superseded. */
  pending_input: JsonText | null;
  /** The ai_analyses row of the pass that analyzed (or superseded) this kept input. */
  caught_up_by: number | null;
}

/** One provider call (migration 0007). */
export interface AiCallTable {
  id: Generated<number>;
  run_id: number | null;
  host_id: number;
  created_at: IsoTimestamp;
  provider: string;
  model: string | null;
  /** `ok`, `failed` (no answer), `invalid` (an answer that did not verify). */
  status: 'ok' | 'failed' | 'invalid';
  error: string | null;
  tokens_in: number | null;
  tokens_out: number | null;
  /** Estimated USD (provider-reported or tokens x price); null when no price is known. */
  cost_usd: number | null;
  duration_ms: number;
  attempts: number;
}

/** Verified answers by input hash (migration 0007). */
export interface AiCacheTable {
  input_hash: string;
  provider: string;
  model: string;
  /** JSON AiAnswer (redacted, verified). */
  answer: JsonText;
  created_at: IsoTimestamp;
  expires_at: IsoTimestamp;
}

/** One host of a sharded pass: who works on it and until when (migration 0010). */
export interface PassLeaseTable {
  run_id: number;
  host_id: number;
  status: 'pending' | 'claimed' | 'done';
  /** The worker id holding (or last holding) the lease. */
  worker: string | null;
  /** How many times a worker claimed it (above 1: a worker died or lost it). */
  attempts: number;
  /** 1 when the host had never been collected before this pass. */
  first_look: number;
  claimed_at: IsoTimestamp | null;
  /** The database's clock: a `claimed` lease past this is free to take. */
  expires_at: IsoTimestamp | null;
  finished_at: IsoTimestamp | null;
}

/**
 * Metrics rolled up per host, name, label and UTC hour (`metrics_hourly`) or day (`metrics_daily`) by retention
 * (migration 0011; src/store/retention-rollup.ts). Keyed by (host_id, name, bucket, label).
 */
export interface MetricRollupTable {
  host_id: number;
  name: string;
  /** Start of the hour or day, ISO (`2026-01-02T03:00:00.000Z`). */
  bucket: IsoTimestamp;
  label: string;
  min_value: number;
  max_value: number;
  avg_value: number;
  /** Raw samples the bucket summarises. */
  samples: number;
}

/** One row (`retention`): when retention last ran and who runs it now (migration 0011). */
export interface RetentionStateTable {
  name: string;
  last_run_at: IsoTimestamp | null;
  /** `host:pid:random` of the process pruning now; null when none. */
  owner: string | null;
  heartbeat_at: IsoTimestamp | null;
}

/** Present only inside retention's own DELETE transaction: audit rows older than `cutoff` may be deleted. */
export interface RetentionGateTable {
  id: Generated<number>;
  cutoff: IsoTimestamp;
}

/**
 * One measured value of a benchmark run (migration 0012; src/store/benchmarks-repo.ts): `npm run bench*` and the CI
 * gate store every result here (DTHOSTMON_BENCH_DB), and `npm run bench:trend` reads it per series.
 */
export interface BenchmarkTable {
  id: Generated<number>;
  /** Random id shared by the rows of one script run. */
  run_id: string;
  run_at: IsoTimestamp;
  /** The script: `bench`, `bench:ci`, `bench:fleet`, ... */
  suite: string;
  /** `git rev-parse HEAD` (with `-dirty` for uncommitted changes), or `unknown`. */
  git_commit: string;
  /** Hostname of the machine that measured. */
  machine: string;
  cpus: number;
  node_version: string;
  benchmark: string;
  /** What was measured: `dthostmon`, or the baseline it is compared with (`logwatch`, `sh`, ...). */
  variant: string;
  /** `wall_s`, `cpu_s`, `rss_mib`, `ratio`, ... */
  metric: string;
  value: number;
  /** The variant this row's ratio is relative to; null when none. */
  baseline_variant: string | null;
  /** value / the baseline variant's value (the CI gate's median of pair ratios); null without a baseline. */
  ratio: number | null;
}

/** Every table of the store, for `Kysely<Database>`. */
export interface Database {
  hosts: HostTable;
  runs: RunTable;
  host_runs: HostRunTable;
  findings: FindingTable;
  metrics: MetricTable;
  baselines: BaselineTable;
  cursors: CursorTable;
  source_cursors: SourceCursorTable;
  log_templates: LogTemplateTable;
  changes: ChangeTable;
  finding_state: FindingStateTable;
  audit_log: AuditLogTable;
  pass_lock: PassLockTable;
  pass_leases: PassLeaseTable;
  host_keys: HostKeyTable;
  alert_state: AlertStateTable;
  outbox: OutboxTable;
  reports_sent: ReportSentTable;
  ai_analyses: AiAnalysisTable;
  metric_sources: MetricSourceTable;
  ai_calls: AiCallTable;
  ai_cache: AiCacheTable;
  benchmarks: BenchmarkTable;
  metrics_hourly: MetricRollupTable;
  metrics_daily: MetricRollupTable;
  retention_state: RetentionStateTable;
  retention_gate: RetentionGateTable;
}

export type HostRow = Selectable<HostTable>;
export type NewHostRow = Insertable<HostTable>;
export type HostUpdate = Updateable<HostTable>;

export type RunRow = Selectable<RunTable>;
export type NewRunRow = Insertable<RunTable>;
export type RunUpdate = Updateable<RunTable>;

export type HostRunRow = Selectable<HostRunTable>;
export type NewHostRunRow = Insertable<HostRunTable>;
export type HostRunUpdate = Updateable<HostRunTable>;

export type FindingRow = Selectable<FindingTable>;
export type NewFindingRow = Insertable<FindingTable>;

export type MetricRow = Selectable<MetricTable>;
export type NewMetricRow = Insertable<MetricTable>;

export type BaselineRow = Selectable<BaselineTable>;
export type NewBaselineRow = Insertable<BaselineTable>;

export type CursorRow = Selectable<CursorTable>;
export type NewCursorRow = Insertable<CursorTable>;

export type AuditLogRow = Selectable<AuditLogTable>;
export type NewAuditLogRow = Insertable<AuditLogTable>;

export type HostKeyRow = Selectable<HostKeyTable>;
export type NewHostKeyRow = Insertable<HostKeyTable>;

export type PassLockRow = Selectable<PassLockTable>;
export type NewPassLockRow = Insertable<PassLockTable>;

export type ChangeRow = Selectable<ChangeTable>;
export type NewChangeRow = Insertable<ChangeTable>;

export type AlertStateRow = Selectable<AlertStateTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type NewOutboxRow = Insertable<OutboxTable>;
export type ReportSentRow = Selectable<ReportSentTable>;
export type NewReportSentRow = Insertable<ReportSentTable>;

export type BenchmarkRow = Selectable<BenchmarkTable>;
export type NewBenchmarkRow = Insertable<BenchmarkTable>;

/**
 * The plain data that flows between the stages of a pass (see ../shared/DESIGN.md, "One pass as data").
 * Stages exchange only these shapes; nothing here imports an I/O library.
 */

import type { RuleIndex } from './analyze/rules/index.js';
import type { DuResult } from './collect/du.js';
import type { HostMetricsSettings, MetricSourceResult } from './collect/metrics/types.js';
import type { MetricsAnalysis } from './analyze/metric-findings.js';

// ---------------------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------------------

export type Severity = 'info' | 'warn' | 'crit';

/** The stable finding taxonomy. Rules, silences and the API use these names. */
export const FINDING_CATEGORIES = [
  'auth.failed_login',
  'auth.bruteforce',
  'auth.root_login',
  'auth.invalid_user',
  'privilege.sudo',
  'privilege.su',
  'account.user_added',
  'account.user_removed',
  'account.group_changed',
  'account.sudoer_changed',
  'ssh.authorized_keys_changed',
  'package.installed',
  'package.removed',
  'package.upgraded',
  'service.failed',
  'service.crash_loop',
  'service.added',
  'service.removed',
  'network.listener_added',
  'network.listener_removed',
  'kernel.oom_kill',
  'kernel.segfault',
  'kernel.io_error',
  'kernel.panic',
  'kernel.error',
  'disk.usage',
  'disk.growth',
  'disk.readonly',
  'memory.usage',
  'cpu.load',
  'docker.container_restart',
  'docker.container_added',
  'docker.container_removed',
  'docker.container_unhealthy',
  'file.changed',
  'cron.changed',
  'log.new_pattern',
  'log.error_burst',
  'host.unreachable',
  'host.rebooted',
  'metric.threshold',
  'ssh.host_key_changed',
  'collect.source_failed',
  'ai.finding',
] as const;

export type FindingCategory = (typeof FINDING_CATEGORIES)[number];

/** What caused a finding: the source and the (redacted) lines or values. */
export interface Evidence {
  /** A log path, `facts:df`, `facts:meminfo`, ... */
  source: string;
  /** Redacted, control-character-free log lines (a few examples, never whole logs). */
  lines?: string[];
  /** Measured values, e.g. `{ mount: '/', usedPercent: 93.1 }`. */
  values?: Record<string, string | number>;
}

/** What a change is about (the `changes` table, `expected_changes` in config). */
export const CHANGE_KINDS = [
  'user',
  'group',
  'sudoers',
  'authorized_keys',
  'package',
  'service',
  'listener',
  'cron',
  'container',
  'image',
  'file',
  'disk',
  'kernel',
  'boot',
] as const;

export type ChangeKind = (typeof CHANGE_KINDS)[number];

/**
 * One difference between the stored baseline and the host now. Every change is recorded (table `changes`), expected
 * or not; only the unexpected ones raise findings. `reason` says why a change is expected (the apt transaction that
 * made it, the maintenance window, the `expected_changes` rule), or what made it suspicious.
 */
export interface Change {
  kind: ChangeKind;
  action: 'added' | 'removed' | 'changed';
  /** The user, group, package, unit, `tcp *:8080`, file path, mount, ... */
  subject: string;
  /** One line saying what changed (`shell /bin/bash -> /bin/sh`, `1.2.3 -> 1.2.4`). */
  detail: string;
  before?: string | null;
  after?: string | null;
  expected: boolean;
  /** Why it is expected, or null. */
  reason: string | null;
  /** The finding category it falls under when unexpected. */
  category: FindingCategory;
  /** When it happened, when known (a transaction's time, a boot time, a file's mtime); ISO. */
  at?: string | null;
}

export interface Finding {
  category: FindingCategory;
  severity: Severity;
  /** Id of the rule that produced it (`sshd.failed_password`, `resource.disk`, ...). */
  ruleId: string;
  title: string;
  /** Stable identity across passes (category + subject), used by alert state and dedupe. */
  key: string;
  /** What the finding is about: an IP, a user, a mount, a program. */
  subject?: string;
  /** How many events it groups (1 for a single event). */
  count: number;
  evidence: Evidence[];
  recommendation?: string;
  /**
   * When the condition was first reported (ISO): the pass time for a new finding, an earlier pass's for one still
   * open since then (table finding_state). A quiet pass has no finding whose `since` is its own time.
   */
  since?: string;
  /** Passes in a row that reported it (1 for a new finding). */
  passes?: number;
}

// ---------------------------------------------------------------------------------------------
// Resolved configuration (what every stage after config loading sees)
// ---------------------------------------------------------------------------------------------

export interface Band {
  low: number;
  high: number;
}

/** The original dthostmon resource bands (`global.resource_thresholds`), in percent. */
export interface ResourceThresholds {
  health: Band;
  info: Band;
  warning: Band;
  critical: Band;
}

export type BandName = keyof ResourceThresholds;

export interface AlertThresholds {
  cpuPercent: number;
  memoryPercent: number;
  diskPercent: number;
  /** Failed logins from one source within one pass before `auth.bruteforce`. */
  failedLoginAttempts: number;
}

/** `disk_growth` resolved. Exactly one of stepBytes and stepPercent is set. */
export interface DiskGrowthSettings {
  stepBytes: number | null;
  stepPercent: number | null;
  fullWithinDays: number;
  /** Run a bounded du on the mount that grew past the step (`du`, default true). */
  du: boolean;
  duDepth: number;
  duTimeoutSeconds: number;
}

/** A weekly time window when changes are planned. Days 0 = Sunday; minutes since midnight in `timezone`. */
export interface MaintenanceWindow {
  days: number[];
  startMinute: number;
  endMinute: number;
  timezone: string;
  /** How it is shown: `maintenance window sun 02:00-04:00 UTC` or the configured name. */
  label: string;
}

/** An `expected_changes` entry. */
export interface ExpectedChangeRule {
  kind: ChangeKind;
  /** Glob on the subject (`*` any run of characters, `?` one). */
  subject: string;
  action: Change['action'] | null;
  reason: string;
}

/** Where a resolved value came from. */
export type Origin = 'default' | 'global' | 'site' | 'host';

/** One host with every setting resolved global -> site -> host. Frozen after loading. */
export interface ResolvedHost {
  name: string;
  /** DNS name or address; `localhost` for the local transport. */
  hostname: string;
  port: number;
  user: string;
  site: string | null;
  tags: string[];
  enabled: boolean;
  transport: 'ssh' | 'local';
  /** Every file the collector reads is read under this directory (default `/`). */
  rootfs: string;
  /** Log files and globs (the original's `logs` and `log_paths`, unified). */
  logs: string[];
  ssh: {
    /** Absolute path of the private key, or null for agent / none. */
    keyPath: string | null;
    connectTimeoutMs: number;
    /** Offer the keys of the ssh-agent at `SSH_AUTH_SOCK` too (`ssh.use_agent`; always when keyPath is null). */
    useAgent?: boolean;
    /** Name of the environment variable holding the key's passphrase (`ssh.key_passphrase_env`), never the value. */
    passphraseEnv?: string | null;
    /** `accept-new` (default) or `strict` (`ssh.host_key_policy`, per host). */
    hostKeyPolicy?: 'accept-new' | 'strict';
    /** Absolute path of the OpenSSH known_hosts file (`ssh.known_hosts`, default ~/.ssh/known_hosts). */
    knownHostsPath?: string;
  };
  /** Timeout for one remote command. */
  commandTimeoutMs: number;
  /** Bytes read per log source per pass at most; the rest is skipped with a visible note. */
  logMaxBytesPerPass: number;
  /** Read the systemd journal incrementally (`journal`, default false). */
  journal?: boolean;
  /** List docker containers and read their logs (`check_docker`, default false). */
  docker?: boolean;
  /** Passes of template learning before `log.new_pattern` findings (`learning_passes`, default 3). */
  learningPasses?: number;
  /** Follow the shell histories of root and of every /home user (`shell_history`, default false). */
  shellHistory?: boolean;
  /**
   * Run the probe and the read as root through `sudo -n sh -s` (`sudo`, default false), for root-only logs. sudo must
   * allow the user `sh` without a password; when it asks for one, the host is partial with one clear failure line.
   */
  sudo?: boolean;
  resourceThresholds: ResourceThresholds;
  thresholds: AlertThresholds;
  reportFrequency: string;
  /** Disk growth (`disk_growth`): the step that counts, the fill horizon, and the bounded du. */
  diskGrowth?: DiskGrowthSettings;
  /** Compare the host's state with the last pass (`track_changes`, default true). */
  trackChanges?: boolean;
  /** Files whose sha256 is watched (`watch_files` merged with the defaults). */
  watchFiles?: string[];
  /** When changes are planned (`maintenance_windows`). */
  maintenanceWindows?: MaintenanceWindow[];
  /** Planned changes (`expected_changes`, all levels). */
  expectedChanges?: ExpectedChangeRule[];
  /** Who gets this host's alerts (`alert_recipients`, inherited global email -> site -> host). */
  alertRecipients: string[];
  /** Send scheduled host reports by email (`send_host_reports`, default true). */
  sendHostReports?: boolean;
  /** Who gets this host's reports (`report_recipients`, host -> site -> email, else the alert recipients). */
  reportRecipients?: string[];
  /** Where each resolved key came from (`port` -> `site`, ...). */
  origin: Record<string, Origin>;
  /**
   * The log rules and ignore patterns for this host: the built-ins merged with the `rules` and `ignore` of global,
   * its site and itself (config/resolve-rules.ts). Hosts with the same effective rules share one index. Absent: the
   * built-in rules alone.
   */
  logRules?: RuleIndex;
  /** Prometheus, InfluxDB and Glances for this host, and custom queries (`metrics`); absent or null when none. */
  metrics?: HostMetricsSettings | null;
}

// ---------------------------------------------------------------------------------------------
// Transport
// ---------------------------------------------------------------------------------------------

export interface ExecOptions {
  timeoutMs: number;
  /**
   * The command's stdin. A string is written and stdin closed. An async iterable keeps stdin open: each part is
   * written as it comes, and stdin is closed when the iterable ends (a conversation with `sh -s`, see shell-session.ts).
   */
  stdin?: string | AsyncIterable<string>;
  /** When given, stdout is streamed here and `ExecResult.stdout` is empty. */
  onStdout?: (chunk: Buffer) => void;
  signal?: AbortSignal;
}

export interface ExecResult {
  /** Exit status, or null when killed (timeout, abort, lost connection). */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** SSH: the connection itself went away while the command ran (why, when known; else ''). */
  connectionLost?: string;
}

/** One connection to one host for one pass. Commands are multiplexed over it. */
export interface Transport {
  /** e.g. `ssh dtmon@10.0.0.5:22` or `local`. Never contains a secret. */
  readonly description: string;
  /** SSH only: the host key the server presented and verification accepted, to pin. */
  readonly hostKey?: AcceptedHostKey;
  /** SSH only: our end of the TCP connection (socket local address and port), so analysis can tell our login apart. */
  readonly localEndpoint?: { address: string; port: number };
  /** Runs a POSIX sh command line on the host. */
  exec(command: string, options: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
}

/** A host key the store pinned on first use (table `host_keys`), one per host and key type. */
export interface PinnedHostKey {
  /** Key type: `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, ... */
  algorithm: string;
  /** Base64 public key blob (public, but never printed: messages show the fingerprint). */
  key: string;
  /** `SHA256:...` as OpenSSH prints it. */
  fingerprint: string;
  firstSeen: string;
  lastSeen: string;
}

/** The host key a connection presented and verification accepted; pinned in the host's transaction. */
export interface AcceptedHostKey {
  algorithm: string;
  key: string;
  fingerprint: string;
}

/** What a pass knows up front that a transport needs. */
export interface TransportOptions {
  /** Host keys the store pinned for this host (PreviousHostState.hostKeys). */
  pinnedHostKeys?: readonly PinnedHostKey[];
  /** Told the number (from 1) of each connection attempt a retrying factory makes (for the audit trail). */
  onAttempt?: (attempt: number) => void;
}

/** Wrappers (retries) must pass `options` through unchanged: it carries the pinned host keys. */
export type TransportFactory = (host: ResolvedHost, signal: AbortSignal, options?: TransportOptions) => Promise<Transport>;

// ---------------------------------------------------------------------------------------------
// Collection
// ---------------------------------------------------------------------------------------------

/** Byte cursor of one log file: inode + offset + fingerprint of its first bytes. */
export interface LogCursor {
  /** The file path on the host, without rootfs (e.g. `/var/log/auth.log`). */
  path: string;
  inode: number;
  /** Bytes consumed so far (always at a line boundary). */
  offset: number;
  /** cksum of the first `fingerprintLen` bytes. */
  fingerprint: string;
  fingerprintLen: number;
}

/** One log line as collected. */
export interface LogRecord {
  /** The file path without rootfs. */
  source: string;
  /** Raw line, control characters removed, capped in length. Not yet redacted. */
  line: string;
  /** Parsed syslog fields when the line has a syslog header. */
  time: string | null;
  hostname: string | null;
  program: string | null;
  pid: number | null;
  /** The message after the syslog header (the whole line otherwise). */
  message: string;
  /** syslog priority 0 (emerg) - 7 (debug), when the source says (the journal). */
  priority?: number;
  /** The systemd unit that logged it (the journal). */
  unit?: string;
  /** The account a shell history belongs to. */
  user?: string;
}

/**
 * The records of one read job (a file range, the journal, a container's log) on their way to analysis. They are
 * handed over as they are parsed, so no pass has to hold a log in memory, but they only count once the job is known
 * to be whole and trusted: the collector calls `commit()` for a job whose source settled as read (its cursor
 * advances) and `discard()` for one that was cut off or failed its integrity check (its cursor stays, the same bytes
 * are read again next pass). After either call, `add` is ignored.
 */
export interface RecordBatch {
  /** Records added so far (lines read for the source), including any the receiver chose to leave out. */
  readonly count: number;
  add(record: LogRecord): void;
  commit(): void;
  discard(): void;
}

/** Makes the batch of one job, given the job's log source. */
export type RecordBatchFactory = (source: string) => RecordBatch;

/**
 * Where an incremental source that is not a file stopped (stored in `source_cursors`, in the same transaction as
 * what was read). `source` is `journal` or `docker:<container name>`; `state` is the source's own JSON position.
 */
export interface SourceCursor {
  source: string;
  state: Record<string, unknown>;
}

/** One docker container as `docker ps -a` and `docker inspect` describe it. */
export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  /** `running`, `exited`, `restarting`, ... */
  state: string;
  /** `healthy`, `unhealthy`, `starting`, or null without a health check. */
  health: string | null;
  restartCount: number;
  exitCode: number | null;
  startedAt: string | null;
}

export type LogSourceStatus = 'read' | 'unchanged' | 'missing' | 'unreadable' | 'error';

export interface LogSourceResult {
  /** The configured path or glob this came from. */
  pattern: string;
  /** The file read (for a glob, one result per matched file). */
  path: string;
  status: LogSourceStatus;
  bytesRead: number;
  linesRead: number;
  /** Bytes skipped because of the per-pass cap (0 normally). */
  skippedBytes: number;
  /** Human note: `rotated (remainder of auth.log.1 read)`, `truncated`, `first pass: read last 8 MiB`. */
  note?: string;
}

export interface DiskUsage {
  mount: string;
  filesystem: string;
  sizeBytes: number;
  usedBytes: number;
  availBytes: number;
  usedPercent: number;
}

export interface PasswdUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** Aggregate `/proc/stat` jiffies (idle includes iowait) at a point in time. */
export interface CpuCounters {
  totalJiffies: number;
  idleJiffies: number;
  /** ISO time of the sample. */
  at: string;
}

/**
 * The state of a host at collection time. A fact whose probe section failed is null (never a placeholder 0 or []),
 * so it is shown as unknown, stored as no metric, and never overwrites a baseline.
 */
export interface HostFacts {
  hostname: string;
  os: { id: string; name: string; version: string; prettyName: string };
  kernel: string;
  uptimeSeconds: number | null;
  load: { one: number; five: number; fifteen: number } | null;
  cpu: {
    cores: number;
    /** Busy percent averaged over `windowSeconds`, or null when it could not be measured. */
    usedPercent: number | null;
    /**
     * The window the percent covers: the time since the previous pass (the counters are kept in the facts baseline),
     * a 1 s sample on a host's first pass, or the time since boot after a reboot reset the counters.
     */
    windowSeconds: number | null;
    /** The `/proc/stat` counters at collection time, for the next pass. */
    counters: CpuCounters | null;
  };
  memory: {
    totalBytes: number;
    availableBytes: number;
    usedPercent: number;
    swapTotalBytes: number;
    swapUsedBytes: number;
  } | null;
  disks: DiskUsage[] | null;
  users: PasswdUser[] | null;
  /** Docker containers, when `check_docker` is on and docker answered. */
  containers?: ContainerInfo[];
}

/** A config file as dumped by the probe (sudoers, crontabs, authorized_keys). */
export interface ConfigFile {
  state: 'ok' | 'unreadable';
  /** sha256 of the content (hex), null when unreadable. */
  hash: string | null;
  /** The content lines (null for a file only hashed, like the scripts in /etc/cron.daily). Not yet redacted. */
  lines: string[] | null;
  /** For per-user dumps: the account (authorized_keys) or `user` (a user crontab). */
  tag?: string;
}

/** One key of an authorized_keys file (the key itself is not kept: its fingerprint says which it is). */
export interface AuthorizedKey {
  type: string;
  /** `SHA256:...` as `ssh-keygen -l` prints it. */
  fingerprint: string;
  comment: string;
  /** The options before the key (`command="..."`, `from="..."`), or null. */
  options: string | null;
}

/** A watched file's sha256 (issue #4: `watch_files`). */
export interface WatchedFile {
  state: 'ok' | 'missing' | 'notfile' | 'unreadable';
  sha256: string | null;
  size: number | null;
  /** Modification time, epoch seconds. */
  mtime: number | null;
}

/** A systemd service: its unit-file state (`enabled`, `disabled`, `masked`, `static`...) and its runtime state. */
export interface ServiceState {
  enabled: string | null;
  /** `active`, `inactive`, `failed`, ... (null when the unit is not loaded). */
  active: string | null;
  /** `running`, `dead`, `exited`, ... */
  sub: string | null;
}

/** A listening socket (`ss -ltun`). `address` is `*` for every address. */
export interface Listener {
  proto: 'tcp' | 'udp';
  address: string;
  port: number;
  /** The process name (`ss -p`; only visible as root or for our own processes), or null. */
  process: string | null;
}

/**
 * What a host IS (change detection compares it with the stored baseline). A part whose probe section failed or is
 * not available on the host (no systemd, no ss) is null and named in `unavailable`: nothing is compared for it.
 */
export interface HostState {
  /** `/proc/sys/kernel/random/boot_id`: changes on every boot. */
  bootId: string | null;
  users: PasswdUser[] | null;
  groups: Record<string, { gid: number; members: string[] }> | null;
  /** /etc/sudoers and /etc/sudoers.d/*, by path. */
  sudoers: Record<string, ConfigFile> | null;
  /** System and user crontabs, anacrontab, and the scripts of /etc/cron.{hourly,daily,weekly,monthly} (hash only). */
  cron: Record<string, ConfigFile> | null;
  /** Keys per account. */
  authorizedKeys: Record<string, AuthorizedKey[]> | null;
  watched: Record<string, WatchedFile> | null;
  /** Installed packages: name -> version. */
  packages: Record<string, string> | null;
  services: Record<string, ServiceState> | null;
  /** Fingerprint of the unit directories (and the boot) the unit-file states were read with; null when unknown. */
  unitFingerprint?: string | null;
  listeners: Listener[] | null;
  /** Docker images (`repo:tag` -> id), when `check_docker`. */
  images?: Record<string, string> | null;
  /** Packages owning a watched file or crontab that was modified since the previous pass (from the dpkg lists). */
  owners: Record<string, string[]>;
  /** Section -> why it could not be read. */
  unavailable: Record<string, string>;
}

export interface CollectFailure {
  /** `connect`, `probe`, `facts:df`, a log path, ... */
  source: string;
  message: string;
}

/** Everything collected from one host in one pass. A dead host is a snapshot with failures, not a throw. */
export interface HostSnapshot {
  host: string;
  collectedAt: string;
  durationMs: number;
  /** False when no connection could be made (then facts is null and logs are empty). */
  reachable: boolean;
  facts: HostFacts | null;
  logs: LogRecord[];
  logSources: LogSourceResult[];
  /** Cursors to store (in the same transaction as what was read). */
  cursors: LogCursor[];
  /** Journal and docker positions to store, likewise. */
  sourceCursors?: SourceCursor[];
  failures: CollectFailure[];
  /** Our own SSH session on the host, so analysis can leave its log lines out of the auth findings. */
  monitorIdentity?: MonitorIdentity;
  /** The bounded du of the one mount that grew past the step this pass (absent when none did). */
  du?: { mount: string; usedBytes: number; sizeBytes: number; result: DuResult };
  /** What the host is (users, packages, services, ...), for change detection; absent when not probed. */
  state?: HostState | null;
  /** What the metrics sources said (one result per configured source, failed ones included); absent when none. */
  metrics?: MetricSourceResult[];
}

/**
 * The monitor's own SSH login to a host during one pass, as the host's sshd logs it: `Accepted publickey for
 * <user> from <address> port <sourcePort>`. Built from the transport's connection (our socket's local address and
 * port) and the pass clock.
 */
export interface MonitorIdentity {
  /** The login user (`host.user`). */
  user: string;
  /** Our address(es) as the host sees them (the socket's local address; IPv4-mapped IPv6 written as IPv4). */
  addresses: string[];
  /** Our source port(s) of the connection; when given, only logins from these ports are ours. */
  sourcePorts?: number[];
  /** ISO time the connection was opened (monitor clock). */
  since: string;
  /** ISO time the collection ended (monitor clock). */
  until: string;
}

// ---------------------------------------------------------------------------------------------
// Analysis
// ---------------------------------------------------------------------------------------------

export interface ScoreReason {
  /** Points lost (positive number). */
  points: number;
  reason: string;
  category?: FindingCategory | 'resource';
}

export type HealthStatus = 'healthy' | 'minor' | 'critical';

export interface HostAnalysis {
  findings: Finding[];
  /** 0-100. */
  score: number;
  status: HealthStatus;
  reasons: ScoreReason[];
  /** The log templates of this pass, to store (when the logs were analyzed as a stream). */
  logTemplates?: Array<{ hash: string; template: string; isError: boolean; count: number }>;
  /** The host's log rates after this pass (baseline `log_rates`). */
  logRates?: { passes: number; errorsPerHour: number | null };
  /** What changed since the previous pass, expected or not (empty on a first pass). */
  changes?: Change[];
  /** Per mount, bytes used more (negative: fewer) than at the last pass, ~24 h and ~7 d ago (null: no history yet). */
  diskDeltas?: Array<{ mount: string; sinceLastPass: number | null; day: number | null; week: number | null }>;
  /** Baselines to store (kind -> data), redacted: the host's state for the next pass's change detection. */
  baselines?: Record<string, unknown>;
  /** The metrics sources' trends and their comparison with the SSH facts (absent without sources). */
  metrics?: Omit<MetricsAnalysis, 'findings'>;
}

/** What the store knew about a host before this pass (read once, up front). */
export interface PreviousHostState {
  hostId: number | null;
  cursors: LogCursor[];
  /** Journal and docker positions (absent when none is stored). */
  sourceCursors?: SourceCursor[];
  lastScore: number | null;
  lastRunAt: string | null;
  /** Consecutive passes that failed to reach the host, before this one. */
  consecutiveFailures: number;
  /** Start of the first of those failed passes (absent or null when there are none). */
  failingSince?: string | null;
  /** Stored baselines by kind (`facts`, `users`, ...), as parsed JSON. */
  baselines: Record<string, unknown>;
  /** Host keys pinned on first use (absent before the first successful connection). */
  hostKeys?: PinnedHostKey[];
  /** Findings still open after the previous pass, by key (table finding_state). */
  openFindings?: Record<string, { since: string; passes: number }>;
}

// ---------------------------------------------------------------------------------------------
// Pass result (printed with --json)
// ---------------------------------------------------------------------------------------------

export type HostRunStatus = 'ok' | 'partial' | 'failed';

export interface HostPassResult {
  name: string;
  site: string | null;
  status: HostRunStatus;
  /** One line explaining a failure or partial collection. */
  error: string | null;
  score: number | null;
  previousScore: number | null;
  health: HealthStatus | null;
  reasons: ScoreReason[];
  findings: Finding[];
  /** What changed on the host since the previous pass, expected or not (absent when not compared). */
  changes?: Change[];
  logBytesRead: number;
  durationMs: number;
  reportPath: string | null;
  /** What the AI stage did for this host (absent when AI is off or the host was not analyzed). */
  ai?: HostAiSummary;
}

/** The AI stage of one host, for the run output (`--json`) and the CLI summary. */
export interface HostAiSummary {
  /** `quiet`: nothing new, no call made. */
  status: 'ok' | 'cached' | 'unavailable' | 'skipped' | 'quiet';
  provider: string | null;
  model: string | null;
  /** Why skipped or unavailable. */
  reason: string | null;
  /** The model's own health view, beside the deterministic score. */
  llmScore: number | null;
  findings: number;
  droppedClaims: number;
  calls: number;
  tokensIn: number;
  tokensOut: number;
  /** Known cost in USD (calls without a price are left out). */
  costUsd: number;
}

/** What the pass delivered (alerts queued, messages sent, dead letters), for the run output. */
export interface DeliveryOutcome {
  /** Alerts notified this pass (each once, whatever the channels). */
  alertsNotified: number;
  /** Notifications muted (host down, silence, maintenance window). */
  alertsMuted: Array<{ host: string; key: string; mutedBy: string }>;
  /** Notified alerts that had no recipient at all. */
  alertsUnrouted: number;
  /** Reports queued this pass (host and site), by scope. */
  reports?: Array<{ kind: 'host' | 'site'; scope: string; path: string | null }>;
  /** Messages queued this pass. */
  queued: number;
  /** Messages delivered by this pass (earlier passes' retries included; .eml files count). */
  sent: number;
  /** Failed attempts to be retried by a later pass. */
  failed: number;
  /** Messages given up on (dead-lettered) by this pass. */
  dead: Array<{ id: number; channel: string; subject: string; error: string }>;
  /** .eml files written (no SMTP configured). */
  written: string[];
}

export interface PassResult {
  runId: number | null;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** `timed_out` when the pass deadline stopped some hosts. */
  status: 'complete' | 'timed_out';
  hosts: HostPassResult[];
  /** Alerts and deliveries of the pass (absent when the pass did not get that far). */
  delivery?: DeliveryOutcome;
  /** A sharded pass (`run --worker`): this worker's share. `hosts` then holds only the hosts this worker stored. */
  shard?: ShardOutcome;
  /** Retention, when this pass ran it (at most once a day, after the pass: docs/retention.md). */
  retention?: PassRetention;
}

/** What the daily retention run after a pass did, summed over tables. */
export interface PassRetention {
  archivedRows: number;
  deletedRows: number;
  /** Raw metric rows merged into hourly rows plus hourly rows merged into daily rows. */
  rolledUp: number;
  archiveFiles: string[];
  durationMs: number;
}

/** What one worker of a sharded pass did. */
export interface ShardOutcome {
  worker: string;
  passKey: string;
  /** This worker created the pass (the others joined it). */
  created: boolean;
  /** The pass was already over when this worker started: it did nothing. */
  alreadyFinished: boolean;
  /** Hosts whose lease another worker had held before (that worker died or gave up). */
  retaken: number;
  /** Hosts this worker ran whose lease was taken over by another worker meanwhile (their results were dropped). */
  lost: number;
  /** This worker produced the pass's alerts and reports (exactly one worker does). */
  finisher: boolean;
}

/** Injected time source, so tests control "now". */
export type Clock = () => Date;

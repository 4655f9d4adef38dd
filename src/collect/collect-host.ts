import { randomBytes } from 'node:crypto';
import type {
  Clock,
  CollectFailure,
  ContainerInfo,
  CpuCounters,
  HostSnapshot,
  LogCursor,
  LogRecord,
  LogSourceResult,
  PreviousHostState,
  ResolvedHost,
  SourceCursor,
  Transport,
} from '../types.js';
import type { CursorPlan } from './cursor-plan.js';
import { parseDockerSection } from './docker.js';
import { planDockerLogs, settleDockerLogs, type DockerLogJob } from './docker-logs.js';
import { JOURNAL_SOURCE, planJournal, settleJournal, type JournalJob } from './journald.js';
import { planFile, probedFiles, settleFile, sourceResult } from './file-sources.js';
import type { ProbedLogFile } from './parse-log-section.js';
import { buildReadCommand, LogReader, type AnyReadJob, type RangeOutcome, type ReadJob } from './log-reader.js';
import { buildCpuSampleScript, buildProbeScript } from './probe.js';
import { BufferedBatch, type RecordBatchFactory } from './record-batch.js';
import { historyOwner, historyParser, SHELL_HISTORY_PATTERNS } from './shell-history.js';
import { factsFromProbe } from './facts-from-probe.js';
import { parseProbeOutput, type ProbeSection } from './parse-probe-output.js';
import { runShellSession } from './shell-session.js';
import { stateFromProbe } from './parsers/state.js';
import { readStoredState } from '../analyze/changes/stored-state.js';
import { buildDuScript, parseDu, readDuBaseline } from './du.js';
import { readDiskHistory } from '../analyze/disk-history.js';
import { mountsToInspect, type DiskLook } from '../analyze/disk-growth.js';
import { DEFAULT_WATCH_FILES } from './state-probe.js';
import { sudoOptions } from './sudo.js';

export interface CollectDeps {
  clock: Clock;
  /** The pass deadline: aborting stops the running command and the snapshot says so. */
  signal: AbortSignal;
  /** Seconds between the two CPU samples of the probe (default 1). */
  cpuSampleSeconds?: number;
  /**
   * Where each read job's records stream as they are parsed (analysis, without holding the log in memory). Default:
   * the records are kept and the snapshot's `logs` holds those of the sources read whole.
   */
  records?: RecordBatchFactory;
}

/** The shortest CPU sampling window of a first pass that needs no sleep (jiffies are 10 ms: 50 per core). */
const MIN_CPU_WINDOW_SECONDS = 0.5;

/** A log file that was stat-ed and planned, waiting for its bytes. */
interface PlannedFile {
  file: ProbedLogFile;
  plan: CursorPlan;
  jobIndexes: number[];
}

/**
 * Collects one host over an open transport in ONE command, a remote `sh -s` held open as a conversation
 * (shell-session.ts): the probe (facts, the state of every log file, and the docker containers when `check_docker`),
 * then one read of every planned byte range, the journal (when `journal`) and the logs of the containers, then on a
 * first pass the second CPU sample. The records of each read job stream into `deps.records` as they are parsed. Partial failure is data: a failed fact section, an unreadable log or a
 * timed-out read becomes a `CollectFailure` or a log source status, and everything else is kept. A cursor (file or
 * source position) is returned only for a source read completely this pass or confirmed unchanged, so what was read
 * and where the cursor points always agree.
 */
export async function collectHost(
  host: ResolvedHost,
  transport: Transport,
  previous: PreviousHostState,
  deps: CollectDeps,
): Promise<HostSnapshot> {
  const started = deps.clock();
  const failures: CollectFailure[] = [];
  const logSources: LogSourceResult[] = [];
  const configured = host.shellHistory ? [...new Set([...host.logs, ...SHELL_HISTORY_PATTERNS])] : host.logs;
  const patterns = configured.filter((pattern) => {
    const problem = !pattern.startsWith('/') ? 'log path must be absolute' : pattern.includes('\0') ? 'log path contains NUL' : null;
    if (problem) {
      logSources.push(sourceResult(pattern, pattern, 'error', problem));
      failures.push({ source: pattern, message: problem });
    }
    return problem === null;
  });

  const probeToken = randomBytes(12).toString('hex');
  const previousState = readStoredState(previous.baselines.state);
  const previousCpu = previousCpuCounters(previous);
  const cpuSampleSeconds = deps.cpuSampleSeconds ?? 1;
  const entries: Array<LogSourceResult | PlannedFile> = [];
  const streams: Array<{ index: number; plan: JournalJob | DockerLogJob }> = [];
  const logs: LogRecord[] = [];
  let sections = new Map<string, ProbeSection>();
  let containers: ContainerInfo[] | null = null;
  let outcomes: RangeOutcome[] = [];
  let readFailure: string | null = null;
  let cpuAt = started;
  let cpuWindowSeconds = cpuSampleSeconds;
  let du: HostSnapshot['du'];

  // ONE remote shell for the whole host: the probe, then the read of what it planned, then (first pass only) the
  // second CPU sample, taken after the read so that no pass sleeps just to measure the CPU.
  const session = await runShellSession(
    transport,
    { stepTimeoutMs: host.commandTimeoutMs, signal: deps.signal, ...sudoOptions(host) },
    async (send) => {
      const probe = await send(
        buildProbeScript({
          rootfs: host.rootfs,
          logPatterns: patterns,
          cursors: previous.cursors,
          token: probeToken,
          docker: host.docker === true,
          ...(host.trackChanges !== false
            ? {
                state: {
                  watchFiles: host.watchFiles ?? DEFAULT_WATCH_FILES,
                  docker: host.docker === true,
                  sinceEpoch: previous.lastRunAt ? Math.floor(Date.parse(previous.lastRunAt) / 1000) : null,
                  // Only with the services it belongs to: without them, the unit-file states must be read.
                  unitFingerprint: previousState?.services ? (previousState.unitFingerprint ?? null) : null,
                },
              }
            : {}),
        }),
      );
      const probedAt = deps.clock();
      cpuAt = probedAt;
      sections = parseProbeOutput(probe.text, probeToken);
      if (probe.failure) {
        failures.push({ source: 'probe', message: probe.failure });
        // The shell is gone or stuck: nothing else can be read, and every log says so (not probed).
        probedFiles(patterns, sections, logSources, failures);
        return;
      }
      containers = host.docker ? dockerContainers(sections, failures) : null;

      // In configured order: a final result for a file that cannot be read, a plan for one that can.
      const jobs: AnyReadJob[] = [];
      const cursorByPath = new Map(previous.cursors.map((c) => [c.path, c]));
      // A default log this host does not have (/var/log/secure on Debian) is not news; a configured one is.
      const isDefaultLogs = host.origin?.logs === 'default';
      for (const file of probedFiles(patterns, sections, logSources, failures)) {
        if (isDefaultLogs && file.state === 'missing') continue;
        const result = planFile(file, cursorByPath.get(file.path) ?? null, host.logMaxBytesPerPass);
        if ('ranges' in result) {
          const owner = historyOwner(file.path);
          // One parser per file: a bash timestamp line dates the command after it, across the file's ranges.
          const parse = owner ? historyParser(owner.user, owner.shell) : undefined;
          const jobIndexes = result.ranges.map((range) => jobs.push({ range, source: file.path, ...(parse ? { parse } : {}) }) - 1);
          entries.push({ file, plan: result, jobIndexes });
        } else {
          entries.push(result);
        }
      }
      const previousSources = previous.sourceCursors ?? [];
      const journal = host.journal
        ? planJournal(host.rootfs, previousSources.find((c) => c.source === JOURNAL_SOURCE), host.logMaxBytesPerPass)
        : null;
      const dockerLogs = containers ? planDockerLogs(containers, previousSources, host.logMaxBytesPerPass) : [];
      for (const plan of [...(journal ? [journal] : []), ...dockerLogs]) streams.push({ index: jobs.push(plan.job) - 1, plan });

      if (jobs.length > 0) {
        const readToken = `@@dthm-read-${randomBytes(12).toString('hex')}`;
        const batchFor =
          deps.records ??
          (() =>
            new BufferedBatch((records) => {
              for (const record of records) logs.push(record);
            }));
        const reader = new LogReader(jobs, readToken, started, (job) => batchFor(job.source));
        const read = await send(buildReadCommand(host.rootfs, jobs, readToken), (chunk) => reader.push(chunk));
        const finished = reader.finish();
        outcomes = finished.outcomes;
        readFailure = read.failure;
        if (read.failure) failures.push({ source: 'logs', message: `reading logs: ${read.failure}` });
        if (finished.problems.length > 0) failures.push({ source: 'logs', message: finished.problems.slice(0, 3).join('; ') });
        if (read.failure) return;
      }

      // A mount that grew past the step since the last look: a bounded du of that ONE mount names the directories.
      const growth = host.diskGrowth;
      const disks = growth?.du && host.trackChanges !== false ? factsFromProbe(sections, host.rootfs).facts?.disks : null;
      const mount = disks ? mountsToInspect(disks, { history: readDiskHistory(previous.baselines.disk_history), lastDu: lastDuLooks(previous) }, growth!)[0] : undefined;
      const disk = disks?.find((d) => d.mount === mount);
      if (growth && disk) {
        // Within the step's own timeout, with room for the sort and the output.
        const timeoutSeconds = Math.max(1, Math.min(growth.duTimeoutSeconds, Math.floor(host.commandTimeoutMs / 1000) - 5));
        const step = await send(buildDuScript(host.rootfs, disk.mount, { depth: growth.duDepth, timeoutSeconds }));
        if (step.failure) failures.push({ source: `du:${disk.mount}`, message: step.failure });
        else du = { mount: disk.mount, usedBytes: disk.usedBytes, sizeBytes: disk.sizeBytes, result: parseDu(step.text) };
        if (step.failure) return;
      }

      if (previousCpu === null) {
        // A first pass has no stored counters to compare with: a second sample. The read since the first one usually
        // gives the window; only when it was shorter than MIN_CPU_WINDOW_SECONDS does the host sleep to make it
        // cpuSampleSeconds (a sleeping slot would hold up the hosts waiting for it).
        const elapsedSeconds = (deps.clock().getTime() - probedAt.getTime()) / 1000;
        const waitSeconds = elapsedSeconds >= Math.min(MIN_CPU_WINDOW_SECONDS, cpuSampleSeconds) ? 0 : cpuSampleSeconds - elapsedSeconds;
        const cpu = await send(buildCpuSampleScript(waitSeconds));
        if (cpu.isComplete) {
          for (const [name, section] of parseProbeOutput(cpu.text, probeToken)) sections.set(name, section);
          cpuAt = deps.clock();
          cpuWindowSeconds = Math.round((cpuAt.getTime() - probedAt.getTime()) / 100) / 10;
        } else {
          failures.push({ source: 'facts:cpu-2', message: cpu.failure ?? 'not reported' });
        }
      }
    },
  );
  if (session.failure) failures.push({ source: 'shell', message: session.failure });

  const { facts, failures: factFailures } = factsFromProbe(sections, host.rootfs, {
    previous: previousCpu,
    now: cpuAt,
    sampleSeconds: cpuWindowSeconds,
  });
  failures.push(...factFailures);
  if (facts && containers !== null) facts.containers = containers;
  // The state of a host whose probe did not get that far is unknown (null), never empty.
  const state = facts && host.trackChanges !== false && sections.has('boot-id') ? stateFromProbe(sections, facts.users, previousState?.services ?? null) : null;

  const cursors: LogCursor[] = [];
  for (const entry of entries) {
    let result: LogSourceResult;
    if ('plan' in entry) {
      const mine = entry.jobIndexes.map((i) => outcomes[i]).filter((o): o is RangeOutcome<ReadJob> => o !== undefined);
      const settled = settleFile(entry.file, entry.plan, mine, readFailure);
      result = settled.source;
      if (settled.cursor) cursors.push(settled.cursor);
      for (const batch of settled.batches) batch.commit();
    } else {
      result = entry;
    }
    logSources.push(result);
    if (result.status === 'unreadable' || result.status === 'error') failures.push({ source: result.path, message: result.note ?? result.status });
  }
  const sourceCursors: SourceCursor[] = [];
  for (const { index, plan } of streams) {
    const outcome = outcomes[index];
    // A stream whose bytes failed the integrity check settles as an interrupted read: no records, position kept.
    const why = outcome?.integrityFailure ? `integrity check failed: ${outcome.integrityFailure}` : readFailure;
    const settled = 'container' in plan ? settleDockerLogs(plan, outcome, why) : settleJournal(plan, outcome, why);
    logSources.push(settled.source);
    for (const batch of settled.batches) batch.commit();
    if (settled.cursor) sourceCursors.push(settled.cursor);
    if (settled.failure) failures.push({ source: settled.source.path, message: settled.failure });
  }

  // Whatever was not committed (cut off, unverified, removed while read) never counts.
  for (const outcome of outcomes) outcome.batch.discard();

  return {
    host: host.name,
    collectedAt: started.toISOString(),
    durationMs: deps.clock().getTime() - started.getTime(),
    reachable: true,
    facts,
    logs,
    logSources,
    cursors,
    ...(sourceCursors.length > 0 ? { sourceCursors } : {}),
    failures,
    ...(state ? { state } : {}),
    ...(du ? { du } : {}),
  };
}

/** The containers of the probe's `docker` section; null (and a failure) when docker did not answer. */
function dockerContainers(sections: ReturnType<typeof parseProbeOutput>, failures: CollectFailure[]): ContainerInfo[] | null {
  const section = sections.get('docker');
  if (!section || section.code === null) {
    failures.push({ source: 'docker', message: 'not reported (probe ended early)' });
    return null;
  }
  if (section.code !== 0) {
    failures.push({ source: 'docker', message: section.stderr.split('\n')[0] || `exit status ${section.code}` });
    return null;
  }
  // No docker command: nothing to monitor, which is not a failure of the host.
  return parseDockerSection(section.stdout);
}

/** The CPU counters the previous pass stored in the facts baseline, if they are usable. */
export function previousCpuCounters(previous: PreviousHostState): CpuCounters | null {
  const facts = previous.baselines.facts as { cpu?: { counters?: Partial<CpuCounters> | null } } | undefined;
  const c = facts?.cpu?.counters;
  if (!c || typeof c.totalJiffies !== 'number' || typeof c.idleJiffies !== 'number' || typeof c.at !== 'string') return null;
  if (!Number.isFinite(Date.parse(c.at))) return null;
  return { totalJiffies: c.totalJiffies, idleJiffies: c.idleJiffies, at: c.at };
}

/** Usage of each mount at its last du (the `du:<mount>` baselines). */
function lastDuLooks(previous: PreviousHostState): Record<string, DiskLook> {
  const looks: Record<string, DiskLook> = {};
  for (const [kind, data] of Object.entries(previous.baselines)) {
    if (!kind.startsWith('du:')) continue;
    const baseline = readDuBaseline(data);
    if (baseline) looks[kind.slice(3)] = { usedBytes: baseline.usedBytes, sizeBytes: baseline.sizeBytes };
  }
  return looks;
}

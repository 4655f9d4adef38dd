import { randomBytes } from 'node:crypto';
import type {
  Clock,
  CollectFailure,
  CpuCounters,
  HostSnapshot,
  LogCursor,
  LogRecord,
  LogSourceResult,
  PreviousHostState,
  ResolvedHost,
  Transport,
} from '../types.js';
import { planCursor, type CursorPlan } from './cursor-plan.js';
import { parseLogSection, type ProbedLogFile } from './parse-log-section.js';
import { buildReadCommand, LogReader, type RangeOutcome, type ReadJob } from './log-reader.js';
import { buildProbeScript } from './probe.js';
import { factsFromProbe } from './facts-from-probe.js';
import { parseProbeOutput } from './parse-probe-output.js';
import { runScript } from './run-script.js';

export interface CollectDeps {
  clock: Clock;
  /** The pass deadline: aborting stops the running command and the snapshot says so. */
  signal: AbortSignal;
  /** Seconds between the two CPU samples of the probe (default 1). */
  cpuSampleSeconds?: number;
}

/** A log file that was stat-ed and planned, waiting for its bytes. */
interface PlannedFile {
  file: ProbedLogFile;
  plan: CursorPlan;
  jobIndexes: number[];
}

/**
 * Collects one host over an open transport in at most two commands: the probe (facts + state of every log file),
 * then one read of every planned byte range. Partial failure is data: a failed fact section, an unreadable log or a
 * timed-out read becomes a `CollectFailure` or a log source status, and everything else is kept. A cursor is
 * returned only for a file read completely this pass or confirmed unchanged, so what was read and where the cursor
 * points always agree.
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
  const patterns = host.logs.filter((pattern) => {
    const problem = !pattern.startsWith('/') ? 'log path must be absolute' : pattern.includes('\0') ? 'log path contains NUL' : null;
    if (problem) {
      logSources.push(sourceResult(pattern, pattern, 'error', problem));
      failures.push({ source: pattern, message: problem });
    }
    return problem === null;
  });

  const probeToken = randomBytes(12).toString('hex');
  const previousCpu = previousCpuCounters(previous);
  const cpuSampleSeconds = deps.cpuSampleSeconds ?? 1;
  const probe = await runScript(
    transport,
    buildProbeScript({
      rootfs: host.rootfs,
      logPatterns: patterns,
      cursors: previous.cursors,
      token: probeToken,
      cpuSampleSeconds,
      cpuSecondSample: previousCpu === null,
    }),
    { timeoutMs: host.commandTimeoutMs, signal: deps.signal },
  );
  if (probe.failure) failures.push({ source: 'probe', message: probe.failure });
  const sections = parseProbeOutput(probe.stdout, probeToken);
  const { facts, failures: factFailures } = factsFromProbe(sections, host.rootfs, {
    previous: previousCpu,
    now: deps.clock(),
    sampleSeconds: cpuSampleSeconds,
  });
  failures.push(...factFailures);

  const cursorByPath = new Map(previous.cursors.map((c) => [c.path, c]));
  // In configured order: a final result for a file that cannot be read, a plan for one that can.
  const entries: Array<LogSourceResult | PlannedFile> = [];
  const jobs: ReadJob[] = [];
  for (const file of probedFiles(patterns, sections, logSources, failures)) {
    const result = planFile(file, cursorByPath.get(file.path) ?? null, host.logMaxBytesPerPass);
    if ('ranges' in result) {
      const jobIndexes = result.ranges.map((range) => jobs.push({ range, source: file.path }) - 1);
      entries.push({ file, plan: result, jobIndexes });
    } else {
      entries.push(result);
    }
  }

  let outcomes: RangeOutcome[] = [];
  let readFailure: string | null = null;
  if (jobs.length > 0) {
    const readToken = `@@dthm-read-${randomBytes(12).toString('hex')}`;
    const reader = new LogReader(jobs, readToken, started);
    const read = await runScript(transport, buildReadCommand(host.rootfs, jobs, readToken), {
      timeoutMs: host.commandTimeoutMs,
      signal: deps.signal,
      onStdout: (chunk) => reader.push(chunk),
    });
    const finished = reader.finish();
    outcomes = finished.outcomes;
    readFailure = read.failure;
    if (read.failure) failures.push({ source: 'logs', message: `reading logs: ${read.failure}` });
    if (finished.problems.length > 0) failures.push({ source: 'logs', message: finished.problems.slice(0, 3).join('; ') });
  }

  const logs: LogRecord[] = [];
  const cursors: LogCursor[] = [];
  for (const entry of entries) {
    let result: LogSourceResult;
    if ('plan' in entry) {
      const mine = entry.jobIndexes.map((i) => outcomes[i]).filter((o): o is RangeOutcome => o !== undefined);
      const settled = settleFile(entry.file, entry.plan, mine, readFailure);
      result = settled.source;
      if (settled.cursor) cursors.push(settled.cursor);
      for (const record of settled.records) logs.push(record);
    } else {
      result = entry;
    }
    logSources.push(result);
    if (result.status === 'unreadable' || result.status === 'error') failures.push({ source: result.path, message: result.note ?? result.status });
  }

  return {
    host: host.name,
    collectedAt: started.toISOString(),
    durationMs: deps.clock().getTime() - started.getTime(),
    reachable: true,
    facts,
    logs,
    logSources,
    cursors,
    failures,
  };
}

/** The CPU counters the previous pass stored in the facts baseline, if they are usable. */
export function previousCpuCounters(previous: PreviousHostState): CpuCounters | null {
  const facts = previous.baselines.facts as { cpu?: { counters?: Partial<CpuCounters> | null } } | undefined;
  const c = facts?.cpu?.counters;
  if (!c || typeof c.totalJiffies !== 'number' || typeof c.idleJiffies !== 'number' || typeof c.at !== 'string') return null;
  if (!Number.isFinite(Date.parse(c.at))) return null;
  return { totalJiffies: c.totalJiffies, idleJiffies: c.idleJiffies, at: c.at };
}

/** The probed files of every pattern, each path once (the first pattern that matched it wins). */
function probedFiles(
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
function planFile(file: ProbedLogFile, previous: LogCursor | null, maxBytes: number): CursorPlan | LogSourceResult {
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

/** Joins a file's plan with what its ranges delivered: its records, its source status and its new cursor. */
function settleFile(
  file: ProbedLogFile,
  plan: CursorPlan,
  outcomes: RangeOutcome[],
  readFailure: string | null,
): { source: LogSourceResult; cursor: LogCursor | null; records: LogRecord[] } {
  const notes = [...plan.notes];
  if (plan.ranges.length === 0) {
    return { source: sourceResult(file.pattern, file.path, 'unchanged', notes.join('; ')), cursor: plan.cursor, records: [] };
  }
  if (outcomes.length < plan.ranges.length || outcomes.some((o) => !o.isComplete)) {
    // Dropping the partial lines keeps records and cursor in step: the next pass reads them again.
    notes.push(`read interrupted (${readFailure ?? 'output ended early'}); will be read again next pass`);
    return { source: sourceResult(file.pattern, file.path, 'error', notes.join('; ')), cursor: null, records: [] };
  }
  const current = outcomes.find((o) => o.job.range.isCurrent);
  if (current?.status === 'missing') {
    return { source: sourceResult(file.pattern, file.path, 'missing', 'removed while being read'), cursor: null, records: [] };
  }
  if (outcomes.some((o) => o.status === 'missing')) notes.push('the rotated file disappeared before it was read');
  const records = outcomes.flatMap((o) => o.records);
  const cursor = current ? { ...plan.cursor, offset: current.job.range.startByte + current.consumedBytes } : plan.cursor;
  return {
    source: {
      pattern: file.pattern,
      path: file.path,
      status: 'read',
      bytesRead: outcomes.reduce((sum, o) => sum + o.bytesRead, 0),
      linesRead: records.length,
      skippedBytes: plan.skippedBytes,
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    },
    cursor,
    records,
  };
}

function sourceResult(pattern: string, path: string, status: LogSourceResult['status'], note?: string): LogSourceResult {
  return { pattern, path, status, bytesRead: 0, linesRead: 0, skippedBytes: 0, ...(note ? { note } : {}) };
}

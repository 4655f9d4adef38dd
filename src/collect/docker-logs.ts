import type { ContainerInfo, SourceCursor } from '../types.js';
import { formatBytes } from './format-bytes.js';
import type { LineParser, RangeOutcome, StreamJob } from './log-reader.js';
import { interruptedStream, streamResult, type SettledStream } from './stream-settle.js';
import { shQuote } from './shell.js';

/** Lines read of a container seen for the first time: its newest ones, not its whole history. */
export const DOCKER_FIRST_PASS_LINES = 10_000;

const NOT_INSTALLED = '127';

/** A container's stored position: its id and the `--timestamps` stamp of the last line read. */
export interface DockerLogState {
  id: string;
  lastTimestamp: string | null;
}

export interface DockerLogJob {
  container: ContainerInfo;
  job: StreamJob;
  /** The newest stamp read so far (updated while the read streams). */
  lastTimestamp(): string | null;
  /** How this read started: after a stored stamp, the whole log of a recreated container, or a first pass. */
  start: 'since' | 'recreated' | 'first';
}

/** `docker:<container name>`: the records' source and the key of the container's stored position. */
export function dockerSource(name: string): string {
  return `docker:${name}`;
}

/**
 * The containers whose logs are read this pass, each as a `docker logs --timestamps` stream: running and
 * restarting ones, and any other that has a stored position with the same id (a container that stopped since the
 * last pass still has its last words read). A stored stamp becomes `--since <stamp + 1 ns>`, and lines at or
 * before it are dropped as well, so nothing is read twice.
 */
export function planDockerLogs(containers: ContainerInfo[], previous: SourceCursor[], capBytes: number): DockerLogJob[] {
  const stored = new Map(previous.map((c) => [c.source, dockerState(c)]));
  const jobs: DockerLogJob[] = [];
  for (const container of containers) {
    const state = stored.get(dockerSource(container.name)) ?? null;
    const isSame = state !== null && state.id === container.id;
    if (!isSame && container.state !== 'running' && container.state !== 'restarting') continue;
    const after = isSame ? state.lastTimestamp : null;
    const start = after !== null ? 'since' : state !== null && !isSame ? 'recreated' : 'first';
    const since = after !== null ? sinceArgument(after) : null;
    const range = since !== null ? `--since ${since}` : start === 'first' ? `--tail ${DOCKER_FIRST_PASS_LINES}` : '';
    const body = [
      `command -v docker >/dev/null 2>&1 || return ${NOT_INSTALLED}`,
      `docker logs --timestamps ${range} ${shQuote(container.id)}`.replace(/ {2,}/g, ' '),
    ].join('\n');
    let last: string | null = after;
    const parse: LineParser = (line) => {
      const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z) ?(.*)$/.exec(line);
      if (!match) return null;
      const stamp = normalizeStamp(match[1] ?? '');
      if (after !== null && stamp <= after) return 'skip';
      if (last === null || stamp > last) last = stamp;
      const message = match[2] ?? '';
      return { line: message, time: stamp, hostname: null, program: container.name, pid: null, message };
    };
    jobs.push({ container, job: { source: dockerSource(container.name), body, capBytes, parse }, lastTimestamp: () => last, start });
  }
  return jobs;
}

/** Joins a container's log job with its outcome; records and position come together or not at all. */
export function settleDockerLogs(
  plan: DockerLogJob,
  outcome: RangeOutcome | undefined,
  readFailure: string | null,
): SettledStream {
  const result = streamResult('docker', plan.job.source);
  if (!outcome?.isComplete) return interruptedStream(result, readFailure);
  if (outcome.status === NOT_INSTALLED) return { source: result('missing', 'docker not found'), batches: [], cursor: null, failure: null };
  if (outcome.status !== '0') {
    const note = outcome.otherLines[0] ?? `docker logs exit status ${outcome.status ?? '?'}`;
    return { source: result('error', note), batches: [], cursor: null, failure: note };
  }
  const notes: string[] = [];
  if (plan.start === 'first') notes.push(`first pass: read the newest ${DOCKER_FIRST_PASS_LINES} lines at most`);
  if (plan.start === 'recreated') notes.push('container recreated: its whole log read');
  if (outcome.isCapped) notes.push(`more than the cap of ${formatBytes(plan.job.capBytes)}: older lines skipped, read the newest`);
  const last = plan.lastTimestamp();
  const state: DockerLogState = { id: plan.container.id, lastTimestamp: last };
  return {
    source: result(outcome.batch.count > 0 ? 'read' : 'unchanged', notes.join('; '), {
      bytesRead: outcome.bytesRead,
      linesRead: outcome.batch.count,
    }),
    batches: [outcome.batch],
    cursor: last === null ? null : { source: plan.job.source, state: { ...state } },
    failure: null,
  };
}

function dockerState(cursor: SourceCursor): DockerLogState | null {
  const { id, lastTimestamp } = cursor.state;
  if (typeof id !== 'string') return null;
  const stamp = typeof lastTimestamp === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/.test(lastTimestamp) ? lastTimestamp : null;
  return { id, lastTimestamp: stamp };
}

/** `2026-11-25T10:00:00.5Z` -> `2026-11-25T10:00:00.500000000Z`: fixed width, so text order is time order. */
export function normalizeStamp(stamp: string): string {
  const [base = '', fraction = ''] = stamp.replace(/Z$/, '').split('.');
  return `${base}.${fraction.padEnd(9, '0').slice(0, 9)}Z`;
}

/** One nanosecond after a normalized stamp, as the `<seconds>.<nanoseconds>` docker's --since accepts. */
export function sinceArgument(stamp: string): string {
  const [base = '', fraction = '0'] = stamp.replace(/Z$/, '').split('.');
  let seconds = Math.floor(Date.parse(`${base}Z`) / 1000);
  let nanos = Number(fraction) + 1;
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  return `${seconds}.${String(nanos).padStart(9, '0')}`;
}

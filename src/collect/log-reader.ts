import type { LogRecord } from '../types.js';
import type { ReadRange } from './cursor-plan.js';
import { LineSplitter } from './line-splitter.js';
import { LogDemux } from './log-demux.js';
import { parseSyslogLine } from './parsers/syslog-line.js';
import { rootPrefix } from './probe.js';
import { MAX_LINE_BYTES, sanitizeLine } from './sanitize-line.js';
import { shQuote } from './shell.js';

/**
 * Turns one sanitized line into a record (without its `source`). `'skip'`: a line of the format that makes no record
 * (a bash history timestamp, a docker line already read); null: not the source's format (for a stream, an error
 * message, kept for its note). Parsers may keep state across the lines of one job.
 */
export type LineParser = (line: string, isTruncated: boolean) => Omit<LogRecord, 'source'> | 'skip' | null;

/** One planned file range and the log source its lines belong to (a rotated remainder counts as its current file). */
export interface ReadJob {
  range: ReadRange;
  source: string;
  /** How lines become records; default: a syslog header is parsed. */
  parse?: LineParser;
}

/**
 * A command whose output is one log source (the journal, one container's logs). Only its newest `capBytes` are
 * kept, by `tail -c` on the host, so a flood costs one capped pass and the position still reaches the end.
 */
export interface StreamJob {
  source: string;
  /** Body of an sh function that writes the source to stdout (stderr is merged into it). */
  body: string;
  capBytes: number;
  /** Longest line accepted before it is cut (a journal entry's JSON may be longer than a log line). */
  maxLineBytes?: number;
  parse: LineParser;
}

export type AnyReadJob = ReadJob | StreamJob;

export function isStreamJob(job: AnyReadJob): job is StreamJob {
  return 'body' in job;
}

/** What became of one job after the read command. */
export interface RangeOutcome<J extends AnyReadJob = AnyReadJob> {
  job: J;
  records: LogRecord[];
  /** Bytes received for the job (a file that shrank since the probe gives fewer than planned). */
  bytesRead: number;
  /** Bytes up to the end of the last whole line (where a cursor may advance to, relative to startByte). */
  consumedBytes: number;
  /** False when the output ended before the job's end marker (timeout, abort, lost connection). */
  isComplete: boolean;
  /** What the read command reported: `0`, `missing`, or null when cut off; for a stream, its command's exit status. */
  status: string | null;
  /** A stream that filled its cap: older output was dropped on the host. */
  isCapped: boolean;
  /** A stream's lines that are not its format (error messages), the first few. */
  otherLines: string[];
}

/** `\n<token> rc 255\n`: the trailer a stream ends with, inside the tail window. */
function streamTrailerBytes(token: string): number {
  return `\n${token} rc 255\n`.length;
}

/** Bytes a stream's `tail -c` keeps: the cap, the blank line it starts with, and its exit status line. */
export function streamWindowBytes(job: StreamJob, token: string): number {
  return job.capBytes + 1 + streamTrailerBytes(token);
}

/**
 * Builds the ONE command (for `sh -s`) that streams every job, each between marker lines carrying the per-pass
 * random token: a file range as `tail -c +N FILE | head -c LEN` (paths quoted and under rootfs); a stream as its
 * function's output (stderr merged, then `<token> rc <status>`), kept to its newest bytes by `tail -c`. A stream
 * starts with one blank line so that the reader can always drop its first line: the blank one, or the partial line
 * where the window began.
 */
export function buildReadCommand(rootfs: string, jobs: AnyReadJob[], token: string): string {
  const lines = [
    '{',
    `R=${shQuote(rootPrefix(rootfs))}`,
    `B=${shQuote(token)}`,
    `rd() {
  printf '%s begin %s\\n' "$B" "$1"
  if [ -r "$2" ]; then tail -c +"$3" "$2" | head -c "$4"; _s=$?; else _s=missing; fi
  printf '\\n%s end %s %s\\n' "$B" "$1" "$_s"
}`,
    `st() {
  printf '%s begin %s\\n' "$B" "$1"
  { echo; "$3" 2>&1; printf '\\n%s rc %s\\n' "$B" "$?"; } | tail -c "$2"
  printf '\\n%s end %s 0\\n' "$B" "$1"
}`,
  ];
  jobs.forEach((job, index) => {
    if (isStreamJob(job)) {
      lines.push(`s_${index}() {\n${job.body}\n}`, `st ${index} ${streamWindowBytes(job, token)} s_${index}`);
    } else {
      const { range } = job;
      lines.push(`rd ${index} "$R"${shQuote(range.path)} ${range.startByte + 1} ${range.lengthBytes}`);
    }
  });
  lines.push('} </dev/null', '');
  return lines.join('\n');
}

/** How many non-format lines of a stream are kept for its error note. */
const OTHER_LINES_KEPT = 3;

/**
 * Turns the read command's stdout back into log records as it streams: demultiplexes the jobs, splits lines,
 * sanitizes them (UTF-8, control characters, 64 KiB cap) and parses them (syslog header by default).
 */
export class LogReader {
  private readonly demux: LogDemux;
  private readonly outcomes: RangeOutcome[];
  private readonly splitters: LineSplitter[];

  /** `reference` dates syslog lines that carry no year. */
  constructor(jobs: AnyReadJob[], token: string, reference: Date) {
    this.outcomes = jobs.map((job) => ({
      job,
      records: [],
      bytesRead: 0,
      consumedBytes: 0,
      isComplete: false,
      status: null,
      isCapped: false,
      otherLines: [],
    }));
    const trailer = `${token} rc `;
    this.splitters = this.outcomes.map((outcome) => {
      const { job } = outcome;
      const parse: LineParser = job.parse ?? ((line) => ({ line, ...parseSyslogLine(line, reference) }));
      if (!isStreamJob(job)) {
        return new LineSplitter({
          dropsPartialFirstLine: job.range.dropsPartialFirstLine,
          maxLineBytes: MAX_LINE_BYTES,
          onLine: (bytes, isTruncated) => {
            const record = parse(sanitizeLine(bytes, isTruncated), isTruncated);
            if (record !== null && record !== 'skip') outcome.records.push({ source: job.source, ...record });
          },
        });
      }
      return new LineSplitter({
        dropsPartialFirstLine: true,
        maxLineBytes: job.maxLineBytes ?? MAX_LINE_BYTES,
        onLine: (bytes, isTruncated) => {
          const line = sanitizeLine(bytes, isTruncated);
          if (line.startsWith(trailer)) {
            outcome.status = line.slice(trailer.length);
            return;
          }
          if (line === '') return;
          const record = parse(line, isTruncated);
          if (record === 'skip') return;
          if (record !== null) outcome.records.push({ source: job.source, ...record });
          else if (outcome.otherLines.length < OTHER_LINES_KEPT) outcome.otherLines.push(line);
        },
      });
    });
    this.demux = new LogDemux(token, {
      onBegin: () => undefined,
      onData: (index, chunk) => {
        const outcome = this.outcomes[index];
        const splitter = this.splitters[index];
        if (!outcome || !splitter) return;
        outcome.bytesRead += chunk.length;
        splitter.push(chunk);
      },
      onEnd: (index, status) => {
        const outcome = this.outcomes[index];
        const splitter = this.splitters[index];
        if (!outcome || !splitter) return;
        const { job } = outcome;
        if (isStreamJob(job)) {
          // A stream is complete when it ends: its last line is final even without a newline.
          splitter.end(true);
          outcome.isCapped = outcome.bytesRead >= streamWindowBytes(job, token);
          // No exit status line means the stream's pipeline was cut short on the host.
          outcome.isComplete = outcome.status !== null;
        } else {
          splitter.end(!job.range.isCurrent);
          outcome.isComplete = true;
          outcome.status = status;
        }
        outcome.consumedBytes = splitter.consumedBytes;
      },
    });
  }

  push(chunk: Buffer): void {
    this.demux.push(chunk);
  }

  /** Call once the command has ended. */
  finish(): { outcomes: RangeOutcome[]; problems: string[] } {
    this.demux.end();
    return { outcomes: this.outcomes, problems: this.demux.problems };
  }
}

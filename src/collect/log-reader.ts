import type { LogRecord } from '../types.js';
import type { ReadRange } from './cursor-plan.js';
import { LineSplitter } from './line-splitter.js';
import { LogDemux } from './log-demux.js';
import { parseSyslogLine } from './parsers/syslog-line.js';
import { BufferedBatch, type RecordBatch } from './record-batch.js';
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
  /**
   * Where the job's records went as they were parsed; the settling code commits or discards it. `count` is the
   * number of lines read.
   */
  batch: RecordBatch;
  /** The records themselves when the batch keeps them (a BufferedBatch, the default); empty otherwise. */
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
  /** Why the bytes received cannot be trusted (checksum mismatch or none to check); the job then is not complete. */
  integrityFailure?: string | null;
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
 *
 * Integrity: the begin marker names the checksum (`sha256`, else POSIX `cksum`, else `none`) and the end marker
 * carries it, computed over exactly the bytes sent: they go through `tee` into a FIFO read by the hash tool, so a
 * file is read once. The FIFO lives in a private directory under $TMPDIR (`mktemp -d`, else `mkdir -m 700`; removed on exit); when it
 * cannot be made, a file range is hashed by a second read of the same range (costs a second read; an appended file
 * does not change a range already planned), and a stream, which cannot be replayed, is sent unverified (`none`).
 */
export function buildReadCommand(rootfs: string, jobs: AnyReadJob[], token: string): string {
  const lines = [
    '{',
    `R=${shQuote(rootPrefix(rootfs))}`,
    `B=${shQuote(token)}`,
    `if command -v sha256sum >/dev/null 2>&1; then H=sha256sum; A=sha256
elif busybox sha256sum </dev/null >/dev/null 2>&1; then H='busybox sha256sum'; A=sha256
elif command -v cksum >/dev/null 2>&1; then H=cksum; A=cksum
else H=; A=none; fi`,
    // mktemp -d makes a fresh private directory (a leftover of a killed read cannot be in the way); mkdir -m 700 where
    // there is no mktemp. PIPE: a lost connection kills the shell with SIGPIPE, which must clean up too.
    `D=
if [ "$A" != none ]; then
  D=$(mktemp -d "\${TMPDIR:-/tmp}/dthm-read.XXXXXX" 2>/dev/null) || { D=\${TMPDIR:-/tmp}/dthm-read.$$; mkdir -m 700 "$D" 2>/dev/null || D=; }
fi
if [ -n "$D" ]; then
  trap 'rm -rf "$D"' EXIT
  trap 'rm -rf "$D"; exit 1' HUP INT TERM PIPE
  mkfifo "$D/f" 2>/dev/null || { rm -rf "$D"; D=; }
fi`,
    // hs: copies stdin to stdout through tee, the hash tool reading the FIFO writes the checksum to $D/h.
    `hs() {
  if [ -z "$D" ]; then cat; return; fi
  $H <"$D/f" >"$D/h" &
  tee "$D/f"; _t=$?
  wait
  return $_t
}`,
    `hv() { _h=; if [ -n "$D" ]; then read -r _h <"$D/h"; rm -f "$D/h"; fi; }`,
    `rd() {
  printf '%s begin %s %s\\n' "$B" "$1" "$A"
  _h=
  if [ -r "$2" ]; then
    tail -c +"$3" "$2" | head -c "$4" | hs; _s=$?
    if [ -n "$D" ]; then hv; elif [ -n "$H" ]; then _h=$(tail -c +"$3" "$2" | head -c "$4" | $H); fi
  else _s=missing; [ -z "$H" ] || _h=$($H </dev/null); fi
  printf '\\n%s end %s %s %s %s\\n' "$B" "$1" "$_s" "$A" "$_h"
}`,
    `st() {
  _a=none; [ -z "$D" ] || _a=$A
  printf '%s begin %s %s\\n' "$B" "$1" "$_a"
  { echo; "$3" 2>&1; printf '\\n%s rc %s\\n' "$B" "$?"; } | tail -c "$2" | hs
  hv
  printf '\\n%s end %s 0 %s %s\\n' "$B" "$1" "$_a" "$_h"
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

  /**
   * `reference` dates syslog lines that carry no year. `batchFor` gives each job the batch its records stream into
   * (default: a BufferedBatch per job, whose records are kept in the outcome).
   */
  constructor(jobs: AnyReadJob[], token: string, reference: Date, batchFor: (job: AnyReadJob) => RecordBatch = () => new BufferedBatch()) {
    this.outcomes = jobs.map((job) => {
      const batch = batchFor(job);
      return {
        job,
        batch,
        records: batch instanceof BufferedBatch ? batch.records : [],
        bytesRead: 0,
        consumedBytes: 0,
        isComplete: false,
        status: null,
        isCapped: false,
        otherLines: [],
        integrityFailure: null,
      };
    });
    const trailer = `${token} rc `;
    this.splitters = this.outcomes.map((outcome) => {
      const { job } = outcome;
      const { source } = job;
      if (!isStreamJob(job)) {
        const { parse } = job;
        return new LineSplitter({
          dropsPartialFirstLine: job.range.dropsPartialFirstLine,
          maxLineBytes: MAX_LINE_BYTES,
          onLine: (bytes, start, end, isTruncated, isPlainAscii) => {
            // Plain ASCII is its own sanitized text (sanitizeLine would decode it as latin1 and change nothing).
            const isPlain = isPlainAscii && !isTruncated;
            const line = isPlain ? bytes.toString('latin1', start, end) : sanitizeLine(bytes, isTruncated, start, end);
            if (!parse) {
              // The common case, a syslog file: one record object per line, always of the same shape.
              const f = parseSyslogLine(line, reference, isPlain);
              outcome.batch.add({ source, line, time: f.time, hostname: f.hostname, program: f.program, pid: f.pid, message: f.message });
              return;
            }
            const record = parse(line, isTruncated);
            if (record !== null && record !== 'skip') outcome.batch.add({ source, ...record });
          },
        });
      }
      const { parse } = job;
      return new LineSplitter({
        dropsPartialFirstLine: true,
        maxLineBytes: job.maxLineBytes ?? MAX_LINE_BYTES,
        onLine: (bytes, start, end, isTruncated) => {
          const line = sanitizeLine(bytes, isTruncated, start, end);
          if (line.startsWith(trailer)) {
            outcome.status = line.slice(trailer.length);
            return;
          }
          if (line === '') return;
          const record = parse(line, isTruncated);
          if (record === 'skip') return;
          if (record !== null) outcome.batch.add({ source, ...record });
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
      onEnd: (index, status, integrity) => {
        const outcome = this.outcomes[index];
        const splitter = this.splitters[index];
        if (!outcome || !splitter) return;
        const { job } = outcome;
        if (integrity === null || !integrity.ok) {
          // Records parsed from untrusted bytes are dropped with the job, so no cursor moves past them.
          outcome.integrityFailure = integrity?.reason ?? 'not verified: no checksum announced';
          outcome.batch.discard();
          outcome.records = [];
          return;
        }
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

import type { LogRecord } from '../types.js';
import type { ReadRange } from './cursor-plan.js';
import { LineSplitter } from './line-splitter.js';
import { LogDemux } from './log-demux.js';
import { parseSyslogLine } from './parsers/syslog-line.js';
import { rootPrefix } from './probe.js';
import { MAX_LINE_BYTES, sanitizeLine } from './sanitize-line.js';
import { shQuote } from './shell.js';

/** One planned range and the log source its lines belong to (a rotated remainder counts as its current file). */
export interface ReadJob {
  range: ReadRange;
  source: string;
}

/** What became of one range after the read command. */
export interface RangeOutcome {
  job: ReadJob;
  records: LogRecord[];
  /** Bytes received for the range (a file that shrank since the probe gives fewer than planned). */
  bytesRead: number;
  /** Bytes up to the end of the last whole line (where a cursor may advance to, relative to startByte). */
  consumedBytes: number;
  /** False when the output ended before the range's end marker (timeout, abort, lost connection). */
  isComplete: boolean;
  /** What the read command reported: `0`, `missing`, or null when cut off. */
  status: string | null;
}

/**
 * Builds the ONE command (for `sh -s`) that streams every planned range, each between marker lines carrying the
 * per-pass random token: `tail -c +N FILE | head -c LEN`, paths quoted and under rootfs.
 */
export function buildReadCommand(rootfs: string, jobs: ReadJob[], token: string): string {
  const lines = [
    '{',
    `R=${shQuote(rootPrefix(rootfs))}`,
    `B=${shQuote(token)}`,
    `rd() {
  printf '%s begin %s\\n' "$B" "$1"
  if [ -r "$2" ]; then tail -c +"$3" "$2" | head -c "$4"; _s=$?; else _s=missing; fi
  printf '\\n%s end %s %s\\n' "$B" "$1" "$_s"
}`,
  ];
  jobs.forEach(({ range }, index) => {
    lines.push(`rd ${index} "$R"${shQuote(range.path)} ${range.startByte + 1} ${range.lengthBytes}`);
  });
  lines.push('} </dev/null', '');
  return lines.join('\n');
}

/**
 * Turns the read command's stdout back into log records as it streams: demultiplexes the ranges, splits lines,
 * sanitizes them (UTF-8, control characters, 8 KiB cap) and parses their syslog header.
 */
export class LogReader {
  private readonly demux: LogDemux;
  private readonly outcomes: RangeOutcome[];
  private readonly splitters: LineSplitter[];

  /** `reference` dates syslog lines that carry no year. */
  constructor(jobs: ReadJob[], token: string, reference: Date) {
    this.outcomes = jobs.map((job) => ({ job, records: [], bytesRead: 0, consumedBytes: 0, isComplete: false, status: null }));
    this.splitters = this.outcomes.map(
      (outcome) =>
        new LineSplitter({
          dropsPartialFirstLine: outcome.job.range.dropsPartialFirstLine,
          maxLineBytes: MAX_LINE_BYTES,
          onLine: (bytes, isTruncated) => {
            const line = sanitizeLine(bytes, isTruncated);
            outcome.records.push({ source: outcome.job.source, line, ...parseSyslogLine(line, reference) });
          },
        }),
    );
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
        splitter.end(!outcome.job.range.isCurrent);
        outcome.consumedBytes = splitter.consumedBytes;
        outcome.isComplete = true;
        outcome.status = status;
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

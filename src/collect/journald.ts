import type { LogRecord, SourceCursor } from '../types.js';
import { formatBytes } from './format-bytes.js';
import type { LineParser, RangeOutcome, StreamJob } from './log-reader.js';
import { interruptedStream, streamResult, type SettledStream } from './stream-settle.js';
import { rootPrefix } from './probe.js';
import { sanitizeText, TRUNCATED_MARK } from './sanitize-line.js';
import { shQuote } from './shell.js';

/** The `source` of journal records and the key of its stored position. */
export const JOURNAL_SOURCE = 'journal';

/** Entries read on the first pass (no stored cursor): the newest ones, so a years-long journal is not replayed. */
export const JOURNAL_FIRST_PASS_ENTRIES = 10_000;

/** A journal entry's JSON line may hold a 64 KiB message plus its fields; longer ones are cut. */
const JOURNAL_MAX_LINE_BYTES = 1024 * 1024;

/** Fields asked for (systemd >= 236); `__CURSOR` and `__REALTIME_TIMESTAMP` always come. */
const OUTPUT_FIELDS = 'MESSAGE,PRIORITY,_SYSTEMD_UNIT,SYSLOG_IDENTIFIER,_COMM,_PID,SYSLOG_PID,_HOSTNAME';

/** Exit statuses the journal function uses for "nothing to read here". */
const NOT_INSTALLED = '127';
const NO_JOURNAL_DIR = '126';

/** The journal's stored position: the `__CURSOR` of the last entry read, null to start over as on a first pass. */
export interface JournalState {
  cursor: string | null;
}

export interface JournalJob {
  job: StreamJob;
  /** The cursor of the last entry parsed so far (updated while the read streams). */
  lastCursor(): string | null;
  hadCursor: boolean;
}

/**
 * Plans the journal read for the read command: `journalctl -o json --all --after-cursor=<stored>` (or the newest
 * JOURNAL_FIRST_PASS_ENTRIES entries without one), only the fields we use when journalctl knows
 * `--output-fields`. Under a rootfs other than `/`, the host's journal is read with `-D <rootfs>/var/log/journal`.
 */
export function planJournal(rootfs: string, previous: SourceCursor | undefined, capBytes: number): JournalJob {
  const cursor = journalCursor(previous);
  const root = rootPrefix(rootfs);
  const body = [
    `command -v journalctl >/dev/null 2>&1 || return ${NOT_INSTALLED}`,
    root === '' ? 'set --' : `[ -d "$R/var/log/journal" ] || return ${NO_JOURNAL_DIR}\nset -- -D "$R/var/log/journal"`,
    // Older journalctl (systemd < 236) has no --output-fields: it then sends every field.
    `if journalctl "$@" -q -n 0 --output-fields=MESSAGE >/dev/null 2>&1; then set -- "$@" --output-fields=${OUTPUT_FIELDS}; fi`,
    `journalctl "$@" --no-pager -q -o json --all ${cursor === null ? `-n ${JOURNAL_FIRST_PASS_ENTRIES}` : `--after-cursor=${shQuote(cursor)}`}`,
  ].join('\n');
  let last: string | null = null;
  const parse: LineParser = (line, isTruncated) => {
    const entry = parseEntry(line, isTruncated);
    if (entry?.cursor) last = entry.cursor;
    return entry?.record ?? null;
  };
  return {
    job: { source: JOURNAL_SOURCE, body, capBytes, maxLineBytes: JOURNAL_MAX_LINE_BYTES, parse },
    lastCursor: () => last,
    hadCursor: cursor !== null,
  };
}

/**
 * Joins the journal job with its outcome: the source result, the records, the position to store (null: keep the
 * stored one) and a failure message. Records and position come together or not at all.
 */
export function settleJournal(
  plan: JournalJob,
  outcome: RangeOutcome | undefined,
  readFailure: string | null,
): SettledStream {
  const result = streamResult(JOURNAL_SOURCE, JOURNAL_SOURCE);
  if (!outcome?.isComplete) return interruptedStream(result, readFailure);
  if (outcome.status === NOT_INSTALLED) return { source: result('missing', 'journalctl not found'), batches: [], cursor: null, failure: null };
  if (outcome.status === NO_JOURNAL_DIR) {
    return { source: result('missing', 'no journal in var/log/journal under rootfs'), batches: [], cursor: null, failure: null };
  }
  if (outcome.status !== '0') {
    const why = outcome.otherLines[0] ?? `journalctl exit status ${outcome.status ?? '?'}`;
    // A cursor journalctl cannot seek to (journal replaced, cursor damaged) would fail every pass: start over.
    const reset = plan.hadCursor && /cursor/i.test(why);
    const note = reset ? `${why}; the stored cursor is dropped, the next pass starts over` : why;
    return {
      source: result('error', note),
      batches: [],
      cursor: reset ? { source: JOURNAL_SOURCE, state: { cursor: null } } : null,
      failure: `journal: ${note}`,
    };
  }
  const notes: string[] = [];
  if (!plan.hadCursor) notes.push(`first pass: read the newest ${JOURNAL_FIRST_PASS_ENTRIES} entries at most`);
  if (outcome.isCapped) notes.push(`more than the cap of ${formatBytes(plan.job.capBytes)}: older entries skipped, read the newest`);
  if (outcome.otherLines.length > 0) notes.push(`${outcome.otherLines.length} line(s) not in the journal's JSON format ignored`);
  const last = plan.lastCursor();
  return {
    source: result(outcome.batch.count > 0 ? 'read' : 'unchanged', notes.join('; '), {
      bytesRead: outcome.bytesRead,
      linesRead: outcome.batch.count,
    }),
    batches: [outcome.batch],
    cursor: last === null ? null : { source: JOURNAL_SOURCE, state: { cursor: last } },
    failure: null,
  };
}

function journalCursor(previous: SourceCursor | undefined): string | null {
  const cursor = previous?.state.cursor;
  // journalctl cursors are printable ASCII (`s=...;i=...`); anything else is not ours to pass to a shell.
  return typeof cursor === 'string' && /^[\x21-\x7e]+$/.test(cursor) ? cursor : null;
}

type JournalEntry = Record<string, unknown>;

/** One `-o json` line -> its cursor and record; a line that is not an entry gives null. */
function parseEntry(line: string, isTruncated: boolean): { cursor: string | null; record: Omit<LogRecord, 'source'> | null } | null {
  let entry: JournalEntry;
  try {
    if (isTruncated) throw new SyntaxError('cut');
    const value = JSON.parse(line) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
    entry = value as JournalEntry;
  } catch {
    // An entry longer than JOURNAL_MAX_LINE_BYTES: keep its position so it is not read again, and say it was cut.
    const cursor = /"__CURSOR":"([^"]+)"/.exec(line)?.[1] ?? null;
    if (cursor === null) return null;
    const message = `journal entry over ${formatBytes(JOURNAL_MAX_LINE_BYTES)}${TRUNCATED_MARK}`;
    return { cursor, record: { line: message, time: null, hostname: null, program: null, pid: null, message } };
  }
  const cursor = typeof entry.__CURSOR === 'string' ? entry.__CURSOR : null;
  const message = sanitizeText(fieldText(entry.MESSAGE) ?? '');
  const program = fieldText(entry.SYSLOG_IDENTIFIER) ?? fieldText(entry._COMM);
  const pid = toInt(fieldText(entry._PID) ?? fieldText(entry.SYSLOG_PID));
  const priority = toInt(fieldText(entry.PRIORITY));
  const unit = fieldText(entry._SYSTEMD_UNIT);
  const micros = toInt(fieldText(entry.__REALTIME_TIMESTAMP));
  const tag = program === null ? '' : `${program}${pid === null ? '' : `[${pid}]`}: `;
  const record: Omit<LogRecord, 'source'> = {
    line: `${tag}${message}`,
    time: micros === null ? null : new Date(Math.floor(micros / 1000)).toISOString(),
    hostname: fieldText(entry._HOSTNAME),
    program,
    pid,
    message,
    ...(priority !== null && priority <= 7 ? { priority } : {}),
    ...(unit !== null ? { unit } : {}),
  };
  return { cursor, record };
}

/** A journal field as text: JSON gives a string, an array of byte values for binary data, or null. */
function fieldText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((b) => typeof b === 'number')) {
    return Buffer.from(value as number[]).toString('utf8');
  }
  return null;
}

function toInt(text: string | null): number | null {
  return text !== null && /^\d+$/.test(text) ? Number(text) : null;
}

/** Longest line kept, in bytes of the raw log; longer lines are cut and marked. */
export const MAX_LINE_BYTES = 64 * 1024;
export const TRUNCATED_MARK = '…[truncated]';

// CSI (`ESC [ ... final`), OSC (`ESC ] ... BEL|ST`) and the other two-byte escapes, as terminals would eat them.
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]/g;
// C0 controls except tab, DEL, and C1 controls (which some terminals also obey).
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Turns the raw bytes of one log line (without its `\n`) into text safe to store, print and mail: invalid UTF-8
 * becomes U+FFFD, ANSI escape sequences and control characters (tab excepted) are removed, and a line that was cut
 * at MAX_LINE_BYTES gets TRUNCATED_MARK.
 */
export function sanitizeLine(bytes: Buffer, isTruncated: boolean, start = 0, end = bytes.length): string {
  const text = isPlainAscii(bytes, start, end) ? bytes.toString('latin1', start, end) : clean(decoder.decode(bytes.subarray(start, end)));
  return isTruncated ? `${text}${TRUNCATED_MARK}` : text;
}

/**
 * The same cleaning for text that arrives decoded (a journal MESSAGE out of its JSON, where escapes such as
 * `\u001b` come back as control characters): ANSI sequences and control characters removed, cut at
 * MAX_LINE_BYTES characters and marked.
 */
export function sanitizeText(text: string): string {
  const cleaned = clean(text);
  return cleaned.length > MAX_LINE_BYTES ? `${cleaned.slice(0, MAX_LINE_BYTES)}${TRUNCATED_MARK}` : cleaned;
}

// Any character `clean` would touch (ESC starts every ANSI sequence and is itself a control character).
const NEEDS_CLEANING = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

/** Printable ASCII and tabs only: the bytes are the text as they are (most log lines). */
function isPlainAscii(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number;
    if (b < 0x20 ? b !== 0x09 : b >= 0x7f) return false;
  }
  return true;
}

function clean(text: string): string {
  // Most lines are plain text: one test instead of two replacements.
  if (!NEEDS_CLEANING.test(text)) return text;
  return text.replace(ANSI, '').replace(CONTROL, '');
}

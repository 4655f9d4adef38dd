/** Longest line kept, in bytes of the raw log; longer lines are cut and marked. */
export const MAX_LINE_BYTES = 8 * 1024;
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
export function sanitizeLine(bytes: Uint8Array, isTruncated: boolean): string {
  const text = decoder.decode(bytes).replace(ANSI, '').replace(CONTROL, '');
  return isTruncated ? `${text}${TRUNCATED_MARK}` : text;
}

import { excerpt, toNumber, type ParseResult } from './parse-result.js';

/** Parses `/proc/uptime` (`12345.67 23456.78`): seconds since boot, or null when unreadable. */
export function parseUptime(text: string): ParseResult<number | null> {
  const first = text.trim().split(/\s+/)[0];
  const seconds = toNumber(first);
  if (seconds === null || seconds < 0) {
    return { value: null, problems: [`uptime: cannot read "${excerpt(text.trim())}"`] };
  }
  return { value: seconds, problems: [] };
}

import type { HostFacts } from '../../types.js';
import { excerpt, toNumber, type ParseResult } from './parse-result.js';

export type LoadAverage = HostFacts['load'];

/** Parses `/proc/loadavg` (`0.10 0.20 0.30 1/234 5678`): the 1, 5 and 15 minute load averages. */
export function parseLoadavg(text: string): ParseResult<LoadAverage | null> {
  const [a, b, c] = text.trim().split(/\s+/);
  const one = toNumber(a);
  const five = toNumber(b);
  const fifteen = toNumber(c);
  if (one === null || five === null || fifteen === null) {
    return { value: null, problems: [`loadavg: cannot read "${excerpt(text.trim())}"`] };
  }
  return { value: { one, five, fifteen }, problems: [] };
}

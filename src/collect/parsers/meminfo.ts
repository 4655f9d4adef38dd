import type { HostFacts } from '../../types.js';
import { roundPercent, type ParseResult } from './parse-result.js';

export type MemoryInfo = HostFacts['memory'];

/**
 * Parses `/proc/meminfo` (`MemTotal:  24683620 kB`). Used memory is `MemTotal - MemAvailable`; kernels before
 * 3.14 have no MemAvailable, so it is estimated as `MemFree + Buffers + Cached + SReclaimable` and noted.
 */
export function parseMeminfo(text: string): ParseResult<MemoryInfo | null> {
  const problems: string[] = [];
  const kib = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line.trim());
    if (m && m[1] !== undefined && m[2] !== undefined) kib.set(m[1], Number(m[2]));
  }
  const total = kib.get('MemTotal');
  if (total === undefined || total <= 0) {
    return { value: null, problems: ['meminfo: no MemTotal'] };
  }
  let available = kib.get('MemAvailable');
  if (available === undefined) {
    const parts = ['MemFree', 'Buffers', 'Cached', 'SReclaimable'].map((k) => kib.get(k) ?? 0);
    available = Math.min(
      total,
      parts.reduce((a, b) => a + b, 0),
    );
    problems.push('meminfo: no MemAvailable (kernel < 3.14); estimated from MemFree + Buffers + Cached');
  }
  const swapTotal = kib.get('SwapTotal') ?? 0;
  const swapFree = kib.get('SwapFree') ?? swapTotal;
  return {
    value: {
      totalBytes: total * 1024,
      availableBytes: available * 1024,
      usedPercent: roundPercent(((total - available) / total) * 100),
      swapTotalBytes: swapTotal * 1024,
      swapUsedBytes: Math.max(0, swapTotal - swapFree) * 1024,
    },
    problems,
  };
}

import { formatBytes } from '../../../src/collect/format-bytes.js';
import { formatSeconds } from '../../../src/collect/format-seconds.js';

describe('formatBytes and formatSeconds', () => {
  it('uses binary units with at most one decimal', () => {
    expect([0, 300, 1024, 1536, 8 * 1024 * 1024, 5 * 1024 ** 3 + 1].map(formatBytes)).toEqual(['0 B', '300 B', '1 KiB', '1.5 KiB', '8 MiB', '5 GiB']);
  });

  it('formats durations in seconds', () => {
    expect([10_000, 1500, 400].map(formatSeconds)).toEqual(['10 s', '1.5 s', '0.4 s']);
  });
});

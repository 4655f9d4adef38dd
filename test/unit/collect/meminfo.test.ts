import { parseMeminfo } from '../../../src/collect/parsers/meminfo.js';
import { fixture } from './fixture.js';

describe('parseMeminfo', () => {
  it('uses MemAvailable', () => {
    const r = parseMeminfo(fixture('meminfo', 'debian-12'));
    expect(r.problems).toEqual([]);
    expect(r.value).toMatchObject({ totalBytes: 24683620 * 1024, swapTotalBytes: 0, swapUsedBytes: 0 });
    const { totalBytes, availableBytes, usedPercent } = r.value!;
    expect(usedPercent).toBeCloseTo(((totalBytes - availableBytes) / totalBytes) * 100, 1);
  });

  it('estimates available memory on kernels without MemAvailable, and reads swap', () => {
    const r = parseMeminfo(fixture('meminfo', 'old-kernel'));
    expect(r.value).toEqual({
      totalBytes: 2048000 * 1024,
      availableBytes: 912000 * 1024,
      usedPercent: 55.5,
      swapTotalBytes: 1024000 * 1024,
      swapUsedBytes: 256000 * 1024,
    });
    expect(r.problems[0]).toMatch(/no MemAvailable/);
  });

  it('returns null with a note on garbage', () => {
    expect(parseMeminfo(fixture('meminfo', 'garbage'))).toEqual({ value: null, problems: ['meminfo: no MemTotal'] });
  });
});

import {
  effectiveStepSeconds,
  formatDuration,
  matcherString,
  promqlString,
  rateWindowSeconds,
  standardQueries,
} from '../../../../src/collect/metrics/prometheus-promql.js';

describe('promqlString', () => {
  it('quotes plain values as they are', () => {
    expect(promqlString('web-01:9100')).toBe('"web-01:9100"');
  });

  it('escapes backslash and double quote (PromQL string rules)', () => {
    expect(promqlString('a\\b"c')).toBe('"a\\\\b\\"c"');
  });

  it('escapes control characters so a value cannot end the string or the line', () => {
    expect(promqlString('a\nb\tc\rd\u0001')).toBe('"a\\nb\\tc\\rd\\x01"');
  });

  it('keeps non-ASCII text', () => {
    expect(promqlString('hôte-ü')).toBe('"hôte-ü"');
  });
});

describe('matcherString', () => {
  it('joins the matchers in configured order', () => {
    expect(matcherString({ instance: 'web-01:9100', job: 'node' })).toBe('instance="web-01:9100",job="node"');
    expect(matcherString({ job: 'node', instance: 'web-01:9100' })).toBe('job="node",instance="web-01:9100"');
  });

  it('escapes values', () => {
    expect(matcherString({ host: 'we"b\\01' })).toBe('host="we\\"b\\\\01"');
  });

  it('is empty without matchers', () => {
    expect(matcherString({})).toBe('');
  });

  it('refuses a label name PromQL cannot express, naming it and the key', () => {
    expect(() => matcherString({ 'host-name': 'x' })).toThrow('invalid label name "host-name" in metrics.prometheus.match (letters, digits and _ only)');
    expect(() => matcherString({ '1abc': 'x' })).toThrow(/invalid label name "1abc"/);
    expect(() => matcherString({ 'a}or{b': 'x' })).toThrow(/invalid label name/);
  });
});

describe('rateWindowSeconds', () => {
  it('is at least 4 default scrapes (240 s)', () => {
    expect(rateWindowSeconds(1)).toBe(240);
    expect(rateWindowSeconds(60)).toBe(240);
    expect(rateWindowSeconds(180)).toBe(240);
  });

  it('covers the step plus one scrape for coarse steps, so no increase falls between two points', () => {
    expect(rateWindowSeconds(300)).toBe(360);
    expect(rateWindowSeconds(3600)).toBe(3660);
    expect(rateWindowSeconds(299.5)).toBe(360);
  });
});

describe('effectiveStepSeconds', () => {
  it('keeps the configured step when the range fits in 11,000 points', () => {
    expect(effectiveStepSeconds(3600, 60)).toBe(60);
    expect(effectiveStepSeconds(3600, 1)).toBe(1);
  });

  it('raises the step for a range that would exceed the limit', () => {
    const step = effectiveStepSeconds(30 * 86_400, 60);
    expect(step).toBe(236);
    expect(30 * 86_400 / step).toBeLessThan(11_000);
  });

  it('never sends a step below 1 s', () => {
    expect(effectiveStepSeconds(60, 0)).toBe(1);
    expect(effectiveStepSeconds(60, 0.2)).toBe(1);
  });
});

describe('standardQueries', () => {
  const qs = standardQueries('instance="web-01:9100"', 60);
  const byName = new Map(qs.map((q) => [q.metric, q]));

  it('has one query per standard metric', () => {
    expect(qs.map((q) => q.metric)).toEqual([
      'cpu.used_percent',
      'memory.used_percent',
      'swap.used_percent',
      'load.1',
      'disk.used_percent',
      'disk.avail_bytes',
      'disk.size_bytes',
      'net.rx_bytes_per_second',
      'net.tx_bytes_per_second',
    ]);
    expect(qs.filter((q) => q.labelKey === 'mountpoint').map((q) => q.metric)).toEqual(['disk.used_percent', 'disk.avail_bytes', 'disk.size_bytes']);
  });

  it('cpu: 100 * (1 - average idle rate) over the rate window', () => {
    expect(byName.get('cpu.used_percent')?.promql).toBe('100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle",instance="web-01:9100"}[240s])))');
  });

  it('memory from MemAvailable / MemTotal, swap only where SwapTotal > 0', () => {
    expect(byName.get('memory.used_percent')?.promql).toBe(
      '100 * (1 - sum(node_memory_MemAvailable_bytes{instance="web-01:9100"}) / sum(node_memory_MemTotal_bytes{instance="web-01:9100"}))',
    );
    expect(byName.get('swap.used_percent')?.promql).toContain('/ (sum(node_memory_SwapTotal_bytes{instance="web-01:9100"}) > 0)');
  });

  it('disk per mountpoint without pseudo file systems, keeping an overlay root', () => {
    const size = byName.get('disk.size_bytes')?.promql ?? '';
    expect(size).toMatch(/^max by \(mountpoint\) \(\(node_filesystem_size_bytes\{fstype!~"tmpfs\|devtmpfs\|.*overlay.*",instance="web-01:9100"\} or /);
    expect(size).toContain('node_filesystem_size_bytes{fstype="overlay",mountpoint="/",instance="web-01:9100"}');
    // The regex dot of fuse.lxcfs is escaped once for the regex and once for the PromQL string.
    expect(size).toContain('fuse\\\\.lxcfs');
    expect(byName.get('disk.used_percent')?.promql).toMatch(/^100 \* \(max by \(mountpoint\).*node_filesystem_size_bytes.* - max by \(mountpoint\).*node_filesystem_free_bytes.*\) \/ \(\(.*\) \+ max by \(mountpoint\).*node_filesystem_avail_bytes/);
  });

  it('network summed over real interfaces (no lo, no veth/bridges)', () => {
    const rx = byName.get('net.rx_bytes_per_second')?.promql ?? '';
    expect(rx).toMatch(/^sum\(rate\(node_network_receive_bytes_total\{device!~"lo\|veth\.\*\|docker\.\*\|br-\.\*.*",instance="web-01:9100"\}\[240s\]\)\)$/);
    expect(byName.get('net.tx_bytes_per_second')?.promql).toContain('node_network_transmit_bytes_total{device!~"lo|');
  });

  it('without matchers, selectors keep only their own matchers (no stray comma)', () => {
    const bare = standardQueries('', 60);
    expect(bare.find((q) => q.metric === 'load.1')?.promql).toBe('max(node_load1{})');
    expect(bare.find((q) => q.metric === 'cpu.used_percent')?.promql).toContain('node_cpu_seconds_total{mode="idle"}');
  });

  it('uses the window of the step', () => {
    expect(standardQueries('job="node"', 600).find((q) => q.metric === 'cpu.used_percent')?.promql).toContain('[660s]');
  });
});

describe('formatDuration', () => {
  it('picks the largest unit that divides evenly', () => {
    expect(formatDuration(3600)).toBe('1 h');
    expect(formatDuration(86_400 * 2)).toBe('2 d');
    expect(formatDuration(60)).toBe('1 min');
    expect(formatDuration(5400)).toBe('90 min');
    expect(formatDuration(90)).toBe('90 s');
    expect(formatDuration(0)).toBe('0 s');
  });
});

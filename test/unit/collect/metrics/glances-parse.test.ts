/**
 * The Glances answer mappers: the real Glances 3.3 answers (test/fixtures/glances/v3), the documented v3 (3.4) and v4
 * shapes, and what a hostile or broken server could send instead.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cpuSeries,
  fsSeries,
  loadSeries,
  MAX_LIST_ENTRIES,
  memSeries,
  networkSeries,
  parseContainers,
  swapSeries,
} from '../../../../src/collect/metrics/glances-parse.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'glances');
const fixture = (path: string): unknown => JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as unknown;
const T = 1767323045;
const one = (name: string, label: string, v: number) => ({ name, label, points: [{ t: T, v }] });

describe('Glances 3.3 answers (captured)', () => {
  it('cpu total, mem percent, load min1', () => {
    expect(cpuSeries(fixture('v3/cpu.json'), T)).toEqual([one('cpu.used_percent', '', 50)]);
    expect(memSeries(fixture('v3/mem.json'), T)).toEqual([one('memory.used_percent', '', 2.7)]);
    expect(loadSeries(fixture('v3/load.json'), T)).toEqual([one('load.1', '', 0.912109375)]);
  });

  it('no swap series for a host without swap (total 0)', () => {
    expect(swapSeries(fixture('v3/memswap.json'), T)).toEqual([]);
    expect(swapSeries({ total: 1024, percent: 12.5 }, T)).toEqual([one('swap.used_percent', '', 12.5)]);
  });

  it('fs: used percent, size and free bytes per mount point', () => {
    expect(fsSeries(fixture('v3/fs.json'), T)).toEqual([
      one('disk.used_percent', '/', 23.3),
      one('disk.size_bytes', '/', 270553174016),
      one('disk.avail_bytes', '/', 83554193408),
    ]);
  });

  it('network: rx / tx bytes since the last refresh over time_since_update, summed without lo', () => {
    // eth0 290054 and 58011 bytes in 2 s; lo (364 each way) left out; ifb0, ifb1 add 0.
    expect(networkSeries(fixture('v3/network.json'), 3, T)).toEqual([one('net.rx_bytes_per_second', '', 145027), one('net.tx_bytes_per_second', '', 29005.5)]);
  });

  it('docker plugin without the docker library (`{}`): no containers', () => {
    expect(parseContainers(fixture('v3/docker.json'))).toEqual([]);
  });
});

describe('documented shapes', () => {
  it('v3 containers (Glances 3.4): {containers: [...]} with capitalised Status', () => {
    expect(parseContainers(fixture('v3/containers-3.4.json'))).toEqual([
      { name: 'frosty_bouman', status: 'running', cpuPercent: 1.2768348293282041e-6, memoryBytes: 1282048 },
      { name: 'portainer', status: 'running', cpuPercent: 0, memoryBytes: 19238912 },
    ]);
  });

  it('v4 network: the documented rate fields; the byte delta over the interval when a version has no rate', () => {
    const answer = [
      { interface_name: 'eth0', bytes_recv_rate_per_sec: 100, bytes_sent_rate_per_sec: 50, bytes_recv: 999, bytes_sent: 999, time_since_update: 1 },
      { interface_name: 'eth1', bytes_recv: 3000, bytes_sent: 1000, time_since_update: 2 },
    ];
    expect(networkSeries(answer, 4, T)).toEqual([one('net.rx_bytes_per_second', '', 1600), one('net.tx_bytes_per_second', '', 550)]);
  });

  it('network leaves out loopback and the virtual ends of containers and VMs (their bytes also cross a real interface)', () => {
    const answer = ['lo', 'docker0', 'veth1a2b', 'br-5f3c', 'virbr0', 'tun0', 'eth0', 'eno1', 'wlan0'].map((name) => ({
      interface_name: name,
      bytes_recv_rate_per_sec: 10,
      bytes_sent_rate_per_sec: 1,
    }));
    expect(networkSeries(answer, 4, T)).toEqual([one('net.rx_bytes_per_second', '', 30), one('net.tx_bytes_per_second', '', 3)]);
  });

  it('v4 network right after Glances starts (null rates and deltas): no series', () => {
    const answer = fixture('v4/network.json') as Array<Record<string, unknown>>;
    const fresh = answer.map((i) => ({ ...i, bytes_recv: null, bytes_sent: null, bytes_recv_rate_per_sec: null, bytes_sent_rate_per_sec: null }));
    expect(networkSeries(fresh, 4, T)).toEqual([]);
  });

  it('v4 containers: memory without the inactive file cache, unless the cache is larger than the usage', () => {
    expect(parseContainers([{ name: 'a', status: 'running', cpu_percent: 3, memory_usage: 1000, memory_inactive_file: 200 }])).toEqual([
      { name: 'a', status: 'running', cpuPercent: 3, memoryBytes: 800 },
    ]);
    expect(parseContainers([{ name: 'b', status: 'running', memory_usage: 100, memory_inactive_file: 500 }])?.[0]?.memoryBytes).toBe(100);
  });
});

describe('hostile or broken answers', () => {
  it.each([
    ['a string value', { total: '50' }, { percent: '50' }],
    ['a negative value', { total: -1 }, { percent: -1 }],
    ['a value above 100', { total: 100.5 }, { percent: 100.5 }],
    ['null', null, null],
    ['a list', [{ total: 5 }], [{ percent: 5 }]],
    ['a number', 42, 42],
  ])('cpu and mem with %s: no series', (_what, cpu, mem) => {
    expect(cpuSeries(cpu, T)).toEqual([]);
    expect(memSeries(mem, T)).toEqual([]);
  });

  it('load: a negative or non-numeric min1 gives nothing', () => {
    expect(loadSeries({ min1: -0.5 }, T)).toEqual([]);
    expect(loadSeries({ min1: 'high' }, T)).toEqual([]);
  });

  it('fs: bad entries skipped, duplicates once, names cleaned, each value checked on its own', () => {
    const answer = [
      'not an entry',
      { mnt_point: 42, percent: 10 },
      { mnt_point: '', percent: 10 },
      { mnt_point: '/data\u001b[31m\n', percent: 55, size: -5, free: 'lots' },
      { mnt_point: '/data', percent: 99, size: 1, free: 1 },
      { mnt_point: '/var', percent: 250, size: 2048, free: 1024 },
    ];
    expect(fsSeries(answer, T)).toEqual([one('disk.used_percent', '/data', 55), one('disk.size_bytes', '/var', 2048), one('disk.avail_bytes', '/var', 1024)]);
    expect(fsSeries({ mnt_point: '/' }, T)).toEqual([]);
  });

  it('network: entries without a name, negative deltas and zero intervals are skipped', () => {
    const answer = [
      null,
      { rx: 100, tx: 100, time_since_update: 1 },
      { interface_name: 'eth0', rx: -100, tx: 400, time_since_update: 2 },
      { interface_name: 'eth1', rx: 100, tx: 100, time_since_update: 0 },
      { interface_name: 'lo:1', rx: 100, tx: 100, time_since_update: 1 },
    ];
    expect(networkSeries(answer, 3, T)).toEqual([one('net.tx_bytes_per_second', '', 200)]);
    expect(networkSeries({ interface_name: 'eth0' }, 3, T)).toEqual([]);
  });

  it('a list longer than any host has is cut at MAX_LIST_ENTRIES', () => {
    const answer = Array.from({ length: MAX_LIST_ENTRIES + 50 }, (_, i) => ({ mnt_point: `/m${i}`, percent: 1 }));
    expect(fsSeries(answer, T)).toHaveLength(MAX_LIST_ENTRIES);
    const containers = Array.from({ length: MAX_LIST_ENTRIES + 1 }, (_, i) => ({ name: `c${i}`, status: 'running' }));
    expect(parseContainers(containers)).toHaveLength(MAX_LIST_ENTRIES);
  });

  it('containers: unnamed entries skipped, names and status cleaned and capped, bad numbers null', () => {
    const long = 'x'.repeat(500);
    const parsed = parseContainers([
      { status: 'running' },
      7,
      { name: 'web\u001b]0;pwned\u0007\r\n', status: 42, cpu_percent: 'hot', memory_usage: -1 },
      { name: long, Status: 'paused', cpu_percent: 250.5, memory_usage: 1e9 },
    ]);
    expect(parsed).toEqual([
      { name: 'web', status: 'unknown', cpuPercent: null, memoryBytes: null },
      { name: `${'x'.repeat(199)}…`, status: 'paused', cpuPercent: 250.5, memoryBytes: 1e9 },
    ]);
  });

  it.each([
    ['a number', 3],
    ['a string', 'containers'],
    ['containers that is not a list', { containers: 'none' }],
    ['an object with other keys', { version: {} }],
  ])('containers answer that is %s: null (not a container list)', (_what, body) => {
    expect(parseContainers(body)).toBeNull();
  });
});

import { createHash } from 'node:crypto';
import type { ChunkIntegrity } from '../../../src/collect/chunk-digest.js';
import { LogDemux } from '../../../src/collect/log-demux.js';

const TOKEN = '@@dthm-read-0123abcd';

/** What a read command prints for these ranges (the format buildReadCommand's script produces). */
function stream(ranges: Array<{ data: string; status: string }>): Buffer {
  return Buffer.concat(
    ranges.map((r, i) => Buffer.concat([Buffer.from(`${TOKEN} begin ${i}\n`), Buffer.from(r.data, 'latin1'), Buffer.from(`\n${TOKEN} end ${i} ${r.status}\n`)])),
  );
}

function demux(chunks: Buffer[]): { data: string[]; ends: string[]; problems: string[] } {
  const data: string[] = [];
  const ends: string[] = [];
  const d = new LogDemux(TOKEN, {
    onBegin: (i) => {
      data[i] = '';
    },
    onData: (i, chunk) => {
      data[i] = (data[i] ?? '') + chunk.toString('latin1');
    },
    onEnd: (i, status) => {
      ends[i] = status;
    },
  });
  for (const c of chunks) d.push(c);
  d.end();
  return { data, ends, problems: d.problems };
}

describe('LogDemux', () => {
  const ranges = [
    { data: 'line one\nline two\n', status: '0' },
    { data: '', status: 'missing' },
    // Looks like the start of a marker, and ends without a newline.
    { data: `\n@@dthm-read-0123abc\n${TOKEN} begi\n\n\x00\xff\x1b[31mred`, status: '0' },
    { data: '\n\n', status: '0' },
  ];
  const whole = stream(ranges);
  const expected = { data: ranges.map((r) => r.data), ends: ranges.map((r) => r.status), problems: [] };

  it('splits a stream back into ranges', () => {
    expect(demux([whole])).toEqual(expected);
  });

  it('gives the same result with a chunk boundary at every position', () => {
    for (let i = 0; i <= whole.length; i++) {
      expect(demux([whole.subarray(0, i), whole.subarray(i)])).toEqual(expected);
    }
  });

  it('gives the same result one byte at a time', () => {
    const bytes = [...whole].map((b) => Buffer.from([b]));
    expect(demux(bytes)).toEqual(expected);
  });

  it('holds back no more than a marker length of data', () => {
    const seen: number[] = [];
    const d = new LogDemux(TOKEN, { onBegin: () => undefined, onData: (_i, c) => seen.push(c.length), onEnd: () => undefined });
    d.push(Buffer.from(`${TOKEN} begin 0\n`));
    d.push(Buffer.alloc(100_000, 0x61));
    expect(seen.reduce((a, b) => a + b, 0)).toBeGreaterThan(100_000 - 40);
  });

  it('passes on what it has of a range cut off by a timeout, without an end', () => {
    const cut = whole.subarray(0, whole.indexOf('line two') + 4);
    expect(demux([cut])).toEqual({ data: ['line one\nline'], ends: [], problems: [] });
  });

  it('notes bytes outside any range', () => {
    const r = demux([Buffer.from('sh: noise\n'), whole]);
    expect(r.data).toEqual(expected.data);
    expect(r.problems).toEqual(['ignored 9 bytes outside any range']);
  });
});

describe('LogDemux integrity', () => {
  const data = Buffer.from('line one\n\x00\xff tail', 'latin1');
  const sha = createHash('sha256').update(data).digest('hex');
  const framed = (checksum: string): Buffer =>
    Buffer.concat([Buffer.from(`${TOKEN} begin 0 sha256\n`), data, Buffer.from(`\n${TOKEN} end 0 0 sha256 ${checksum} -\n`)]);

  function integrityOf(chunks: Buffer[]): Array<ChunkIntegrity | null> {
    const seen: Array<ChunkIntegrity | null> = [];
    const d = new LogDemux(TOKEN, { onBegin: () => undefined, onData: () => undefined, onEnd: (_i, _s, integrity) => seen.push(integrity) });
    for (const c of chunks) d.push(c);
    d.end();
    return seen;
  }

  it('verifies the sha256 of a chunk whatever the chunk boundaries', () => {
    const whole = framed(sha);
    for (let i = 0; i <= whole.length; i++) {
      expect(integrityOf([whole.subarray(0, i), whole.subarray(i)])).toEqual([{ ok: true }]);
    }
  });

  it('reports a mismatch, and null when the begin marker names no algorithm', () => {
    expect(integrityOf([framed('0'.repeat(64))])).toEqual([{ ok: false, reason: 'sha256 of the received bytes differs from the one the host sent' }]);
    expect(integrityOf([Buffer.from(`${TOKEN} begin 0\nx\n${TOKEN} end 0 0\n`)])).toEqual([null]);
  });
});

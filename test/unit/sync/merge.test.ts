import { mergeLayers, sameValue } from '../../../src/sync/merge.js';
import type { Layer } from '../../../src/sync/types.js';

const layer = (data: Record<string, unknown>, origins: Record<string, string> = {}): Layer => ({
  data,
  origins: new Map(Object.entries(origins).map(([k, file]) => [k, { file }])),
});

describe('mergeLayers', () => {
  it('merges maps deeply, replaces lists and scalars, keeps keys only the lower layers set (GAP-S8)', () => {
    const merged = mergeLayers([
      layer({ hand: 1, port: 22, tags: ['a', 'b'], thresholds: { cpu_percent: 70, disk_percent: 80 } }),
      layer({ port: 2222, tags: ['c'], thresholds: { disk_percent: 95 } }, { port: 'env', tags: 'env', 'thresholds.disk_percent': 'env' }),
    ]);
    expect(merged.data).toEqual({ hand: 1, port: 2222, tags: ['c'], thresholds: { cpu_percent: 70, disk_percent: 95 } });
    expect([...merged.origins.keys()].sort()).toEqual(['port', 'tags', 'thresholds.disk_percent']);
  });

  it('a value replacing a map drops the origins inside it', () => {
    const merged = mergeLayers([
      layer({ thresholds: { disk_percent: 95 } }, { 'thresholds.disk_percent': 'yaml' }),
      layer({ thresholds: 'oops' }, { thresholds: 'env' }),
    ]);
    expect([...merged.origins]).toEqual([['thresholds', { file: 'env' }]]);
  });

  it('does not share data with its inputs', () => {
    const source = layer({ tags: ['a'] });
    const merged = mergeLayers([source]);
    (merged.data.tags as string[]).push('b');
    expect(source.data.tags).toEqual(['a']);
  });
});

describe('sameValue', () => {
  it('compares plain data deeply, maps without regard to order', () => {
    expect(sameValue({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] })).toBe(true);
    expect(sameValue([1, 2], [2, 1])).toBe(false);
    expect(sameValue({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameValue('22', 22)).toBe(false);
  });
});

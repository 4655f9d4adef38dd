import { aggregate } from '../../../src/store/retention-rollup.js';
import { dayBucket, hourBucket } from '../../../src/store/retention-plan.js';

const sample = (at: string, value: number, label = '') => ({ host_id: 1, name: 'cpu.used_percent', label, at, min_value: value, max_value: value, avg_value: value, samples: 1 });

describe('aggregate', () => {
  it('summarises raw samples per host, name, label and hour', () => {
    const rows = aggregate([sample('2026-01-02T03:00:00.000Z', 10), sample('2026-01-02T03:45:00.000Z', 30), sample('2026-01-02T04:00:00.000Z', 5), sample('2026-01-02T03:15:00.000Z', 1, '/var')], hourBucket);
    expect(rows).toEqual([
      { host_id: 1, name: 'cpu.used_percent', label: '', bucket: '2026-01-02T03:00:00.000Z', min_value: 10, max_value: 30, avg_value: 20, samples: 2 },
      { host_id: 1, name: 'cpu.used_percent', label: '', bucket: '2026-01-02T04:00:00.000Z', min_value: 5, max_value: 5, avg_value: 5, samples: 1 },
      { host_id: 1, name: 'cpu.used_percent', label: '/var', bucket: '2026-01-02T03:00:00.000Z', min_value: 1, max_value: 1, avg_value: 1, samples: 1 },
    ]);
  });

  it('weighs summaries by their sample counts when it combines them into a day', () => {
    const hour = (at: string, min: number, max: number, avg: number, samples: number) => ({ host_id: 1, name: 'x', label: '', at, min_value: min, max_value: max, avg_value: avg, samples });
    expect(aggregate([hour('2026-01-02T03:00:00.000Z', 0, 3, 1.5, 4), hour('2026-01-02T04:00:00.000Z', 10, 13, 11.5, 1)], dayBucket)).toEqual([
      { host_id: 1, name: 'x', label: '', bucket: '2026-01-02T00:00:00.000Z', min_value: 0, max_value: 13, avg_value: 3.5, samples: 5 },
    ]);
  });
});

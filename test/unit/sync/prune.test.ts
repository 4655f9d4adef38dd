import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPrunable } from '../../../src/sync/prune.js';

describe('findPrunable (GAP-S13)', () => {
  const sites = mkdtempSync(join(tmpdir(), 'dthm-prune-'));
  beforeAll(() => {
    for (const dir of ['s01/web', 's01/media', 's02/web']) mkdirSync(join(sites, dir), { recursive: true });
  });
  afterAll(() => rmSync(sites, { recursive: true, force: true }));

  const existing = [
    { index: 0, name: 'web', site: 's01' },
    { index: 1, name: 'web.s02', site: 's02' },
    { index: 2, name: 'gone', site: 's01' },
    { index: 3, name: 'gone2.s02', site: 's02' },
    { index: 4, name: 'old', site: 's09' },
    { index: 5, name: 'manual', site: null },
    { index: 6, name: 'media', site: 's01' },
    { index: 7, name: 'app', site: 's00-shared' },
  ];

  it('lists entries whose host folder is gone; never entries without a site or whose site has no folder', () => {
    // s09 has no folder: a site written by hand looks the same as a removed site folder, so its hosts are kept.
    expect(findPrunable(sites, existing, new Set([0, 1]), {}).map((p) => [p.name, p.reason])).toEqual([
      ['gone', 'host folder s01/gone is gone'],
      ['gone2.s02', 'host folder s02/gone2 is gone'],
    ]);
  });

  it('entries matched to a folder in this run are never candidates', () => {
    expect(findPrunable(sites, existing, new Set([0, 1, 2, 3, 4]), {})).toEqual([]);
  });

  it('respects --site and --host', () => {
    expect(findPrunable(sites, existing, new Set(), { site: 's02' }).map((p) => p.name)).toEqual(['gone2.s02']);
    expect(findPrunable(sites, existing, new Set(), { host: 'gone2' }).map((p) => p.name)).toEqual(['gone2.s02']);
  });
});

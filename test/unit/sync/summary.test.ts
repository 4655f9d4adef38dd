import type { SyncPlan } from '../../../src/sync/plan.js';
import { summaryJson, summaryLines } from '../../../src/sync/summary.js';

function plan(overrides: Partial<SyncPlan> = {}): SyncPlan {
  return {
    configPath: '/c/dthostmon.yaml',
    sitesDir: '/sites',
    isNewFile: false,
    oldText: 'a\n',
    newText: 'b\n',
    isChanged: true,
    sites: [
      { id: 's01', status: 'updated' },
      { id: 's02', status: 'no settings' },
    ],
    hosts: [
      { name: 'web', site: 's01', folder: 'web', status: 'added', notes: ['hostname defaulted to the folder name "web"'] },
      { name: 'db', site: 's01', folder: 'db', status: 'updated', notes: [] },
      { name: 'nas', site: 's02', folder: 'nas', status: 'unchanged', notes: [] },
    ],
    skipped: [{ site: 's01', folder: 'media', reason: 'no dthostmon configuration' }],
    pruned: [],
    prunable: [{ index: 3, name: 'old', site: 's01', reason: 'host folder s01/old is gone' }],
    log: {
      errors: [],
      warnings: ['f:2 name: not used'],
      unresolved: [{ file: '/sites/s01/web/dthm-web.yaml', line: 4, key: 'logs[0]', name: 'LOG_DIR' }],
      debug: ['read f'],
    },
    ...overrides,
  };
}

describe('summaryLines', () => {
  it('says what changed, what was skipped and what needs attention', () => {
    expect(summaryLines(plan(), { kind: 'written', write: { path: '/c/dthostmon.yaml', backupPath: '/c/dthostmon.yaml.bak' } }, { quiet: false, debug: false })).toEqual([
      'sync-config: /sites -> /c/dthostmon.yaml',
      'sites: s01 updated, s02 no settings',
      'hosts: 1 added, 1 updated, 1 unchanged',
      '  + web (s01/web): hostname defaulted to the folder name "web"',
      '  ~ db (s01/db)',
      'skipped s01/media: no dthostmon configuration',
      'would be pruned with --prune: old (s01): host folder s01/old is gone',
      'unresolved: /sites/s01/web/dthm-web.yaml:4 logs[0]: ${LOG_DIR} is not set at sync time; written as ${LOG_DIR} (dthostmon resolves it when it runs)',
      'warning: f:2 name: not used',
      '/c/dthostmon.yaml updated (backup: /c/dthostmon.yaml.bak)',
    ]);
  });

  it('--quiet keeps the problems; --debug adds the file notes', () => {
    expect(summaryLines(plan(), { kind: 'up-to-date' }, { quiet: true, debug: true })).toEqual([
      'debug: read f',
      'unresolved: /sites/s01/web/dthm-web.yaml:4 logs[0]: ${LOG_DIR} is not set at sync time; written as ${LOG_DIR} (dthostmon resolves it when it runs)',
      'warning: f:2 name: not used',
    ]);
    const refused = summaryLines(plan({ log: { errors: ['e1', 'e2'], warnings: [], unresolved: [], debug: [] } }), { kind: 'refused' }, { quiet: true, debug: false });
    expect(refused).toEqual(['error: e1', 'error: e2', 'sync-config: 2 problems; nothing written to /c/dthostmon.yaml']);
  });

  it('the last line of each outcome', () => {
    const last = (p: SyncPlan, kind: 'dry-run' | 'up-to-date') => summaryLines(p, { kind }, { quiet: false, debug: false }).at(-1);
    expect(last(plan(), 'dry-run')).toBe('dry run: /c/dthostmon.yaml would be updated (nothing written)');
    expect(last(plan({ isNewFile: true }), 'dry-run')).toBe('dry run: /c/dthostmon.yaml would be created (nothing written)');
    expect(last(plan({ isChanged: false }), 'dry-run')).toBe('/c/dthostmon.yaml is up to date');
    expect(last(plan({ log: { errors: ['x'], warnings: [], unresolved: [], debug: [] } }), 'dry-run')).toBe('dry run: 1 problem; /c/dthostmon.yaml would not be written');
    expect(summaryLines(plan(), { kind: 'written', write: { path: '/c/n.yaml', backupPath: null } }, { quiet: false, debug: false }).at(-1)).toBe('/c/n.yaml created');
  });
});

describe('summaryJson', () => {
  it('groups the hosts by outcome and carries the diff of a dry run', () => {
    const json = summaryJson(plan(), { kind: 'dry-run' }, '--- a\n');
    expect(json).toMatchObject({ dryRun: true, changed: true, written: false, created: false, backup: null, diff: '--- a\n', errors: [] });
    expect(json.hosts).toMatchObject({
      added: [{ name: 'web' }],
      updated: [{ name: 'db' }],
      unchanged: [{ name: 'nas' }],
      pruned: [],
      wouldPrune: [{ name: 'old', site: 's01', reason: 'host folder s01/old is gone' }],
    });
    expect(summaryJson(plan(), { kind: 'up-to-date' }, null)).not.toHaveProperty('diff');
  });
});

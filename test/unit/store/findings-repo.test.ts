import { findingEvidenceOfRun } from '../../../src/store/findings-repo.js';
import { saveHostResult } from '../../../src/store/host-result-repo.js';
import { syncHosts } from '../../../src/store/hosts-repo.js';
import { createRun } from '../../../src/store/runs-repo.js';
import { sampleAnalysis, sampleFinding, sampleHost, sampleSnapshot } from './sample-data.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

const AT = '2026-03-01T10:00:00.000Z';

describe.each(await testDialects())('findingEvidenceOfRun on %s', (dialect) => {
  let store: TestStore;
  afterEach(async () => {
    await store.cleanup();
  });

  it("reads back one host's evidence of one run, by finding key", async () => {
    store = await openTestStore(dialect);
    const ids = await syncHosts(store.db, [sampleHost('web1'), sampleHost('web2')], AT);
    const run1 = await createRun(store.db, { startedAt: AT, runner: 'm', pid: 1, hostCount: 2 });
    const run2 = await createRun(store.db, { startedAt: AT, runner: 'm', pid: 1, hostCount: 2 });
    const save = (runId: number, host: string, lines: string[]) =>
      saveHostResult(store.db, {
        runId,
        hostId: ids.get(host) as number,
        snapshot: sampleSnapshot(),
        analysis: sampleAnalysis([
          sampleFinding({ key: 'auth.bruteforce:192.0.2.1', evidence: [{ source: '/var/log/auth.log', lines }] }),
          sampleFinding({ key: 'disk.usage:/', category: 'disk.usage', evidence: [] }),
        ]),
        status: 'ok',
        error: null,
        previousScore: null,
        reportPath: null,
        startedAt: AT,
        finishedAt: AT,
      });
    await save(run1, 'web1', ['run 1 web1']);
    await save(run1, 'web2', ['run 1 web2']);
    await save(run2, 'web1', ['run 2 web1']);

    const evidence = await findingEvidenceOfRun(store.db, run1, 'web1');
    expect([...evidence]).toEqual([
      ['auth.bruteforce:192.0.2.1', [{ source: '/var/log/auth.log', lines: ['run 1 web1'] }]],
      ['disk.usage:/', []],
    ]);
    expect((await findingEvidenceOfRun(store.db, run2, 'web1')).get('auth.bruteforce:192.0.2.1')?.[0]?.lines).toEqual(['run 2 web1']);
    expect((await findingEvidenceOfRun(store.db, run1, 'nope')).size).toBe(0);
  });
});

import { sql } from 'kysely';
import type { SourceCursor } from '../../../src/types.js';
import { saveHostResult } from '../../../src/store/host-result-repo.js';
import { syncHosts } from '../../../src/store/hosts-repo.js';
import { createRun } from '../../../src/store/runs-repo.js';
import { loadPreviousState } from '../../../src/store/state-repo.js';
import { sampleHost, sampleSnapshot } from './sample-data.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

const at = (pass: number) => new Date(Date.UTC(2026, 2, 1, 10 + pass)).toISOString();

describe.each(await testDialects())('journal and docker positions (source_cursors) on %s', (dialect) => {
  let store: TestStore;
  let ids: Map<string, number>;
  beforeEach(async () => {
    store = await openTestStore(dialect);
    ids = await syncHosts(store.db, [sampleHost('web1'), sampleHost('web2')], at(0));
  });
  afterEach(async () => {
    await store.cleanup();
  });

  async function save(host: string, pass: number, sourceCursors: SourceCursor[] | undefined, fail = false): Promise<void> {
    const runId = await createRun(store.db, { startedAt: at(pass), runner: 'monitor1', pid: 1, hostCount: 1 });
    const snapshot = sampleSnapshot(sourceCursors ? { sourceCursors } : {});
    await saveHostResult(store.db, {
      runId,
      hostId: ids.get(host) ?? -1,
      snapshot,
      // A finding without a title violates NOT NULL after the positions were written: all of it must roll back.
      analysis: fail ? { findings: [{ category: 'kernel.error', severity: 'warn', ruleId: 'x', title: null as never, key: 'x', count: 1, evidence: [] }], score: 1, status: 'critical', reasons: [] } : null,
      status: 'ok',
      error: null,
      previousScore: null,
      reportPath: null,
      startedAt: at(pass),
      finishedAt: at(pass),
    });
  }

  it('stores them with the host result, upserts them per source, and loads them per host', async () => {
    await save('web1', 1, [
      { source: 'journal', state: { cursor: 's=1;i=2' } },
      { source: 'docker:web', state: { id: 'a'.repeat(64), lastTimestamp: '2026-11-26T10:00:02.500000000Z' } },
    ]);
    await save('web1', 2, [{ source: 'journal', state: { cursor: 's=1;i=9' } }]);
    await save('web2', 2, undefined);

    const states = await loadPreviousState(store.db, ids);
    expect(states.get('web1')?.sourceCursors).toEqual([
      { source: 'docker:web', state: { id: 'a'.repeat(64), lastTimestamp: '2026-11-26T10:00:02.500000000Z' } },
      { source: 'journal', state: { cursor: 's=1;i=9' } },
    ]);
    expect(states.get('web2')?.sourceCursors).toBeUndefined();
    const rows = await store.db.selectFrom('source_cursors').select(['source', 'updated_at']).orderBy('source').execute();
    expect(rows).toEqual([
      { source: 'docker:web', updated_at: at(1) },
      { source: 'journal', updated_at: at(2) },
    ]);
  });

  it('moves a position only together with the rest of the host result', async () => {
    await save('web1', 1, [{ source: 'journal', state: { cursor: 's=1;i=2' } }]);
    // better-sqlite3's errors come from another realm, so compare the message rather than use toThrow.
    const failure = await save('web1', 2, [{ source: 'journal', state: { cursor: 's=1;i=3' } }], true).then(() => null, (err: unknown) => String(err));
    expect(failure).toMatch(/not.?null/i);
    const states = await loadPreviousState(store.db, ids);
    expect(states.get('web1')?.sourceCursors).toEqual([{ source: 'journal', state: { cursor: 's=1;i=2' } }]);
  });

  it('leaves out a stored state that is not a JSON object, so that source starts over', async () => {
    await save('web1', 1, [{ source: 'journal', state: { cursor: 's=1;i=2' } }]);
    await sql`update source_cursors set state = ${'[1, 2'}`.execute(store.db);
    const states = await loadPreviousState(store.db, ids);
    expect(states.get('web1')?.sourceCursors).toBeUndefined();
  });
});

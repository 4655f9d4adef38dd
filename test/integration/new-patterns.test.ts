import { appendFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { createTransport } from '../../src/collect/create-transport.js';
import { runPass, type PassDeps } from '../../src/run-pass.js';
import { openTestStore, testDialects, type TestStore } from '../helpers/store.js';
import { tempDir } from '../helpers/cli.js';

describe.each(await testDialects())('log templates through runPass on %s', (dialect) => {
  let store: TestStore;
  afterEach(async () => {
    await store.cleanup();
  });

  it('learns for learning_passes passes, then reports only never-seen messages; a quiet pass reports nothing', async () => {
    store = await openTestStore(dialect);
    const dir = tempDir('dthm-templates-');
    const log = join(dir, 'app.log');
    writeFileSync(log, '');
    const config = join(dir, 'dthostmon.yaml');
    writeFileSync(config, ['global:', '  learning_passes: 2', 'hosts:', '  - name: self', '    transport: local', `    logs: ["${log}"]`, ''].join('\n'));
    const loaded = await loadConfig(config);
    const deps: PassDeps = { store, clock: () => new Date(), createTransport, runner: hostname(), pid: process.pid, isPidAlive: () => false };
    const line = (message: string): string => `Nov 26 10:00:00 web app[42]: ${message}\n`;
    const newPatterns = async (): Promise<Array<[string, string, number]>> => {
      const result = await runPass(loaded, deps);
      return result.hosts[0]!.findings.filter((f) => f.category === 'log.new_pattern').map((f) => [f.title, f.severity, f.count]);
    };

    appendFileSync(log, line('job 1 done in 30 ms') + line('cache warmed (512 entries)'));
    expect(await newPatterns()).toEqual([]); // learning pass 1
    appendFileSync(log, line('job 2 done in 31 ms') + line('upstream 10.0.0.5:8080 failed: timeout'));
    expect(await newPatterns()).toEqual([]); // learning pass 2: the failure is learned too
    appendFileSync(log, line('job 3 done in 29 ms') + line('upstream 10.0.0.9:8080 failed: timeout') + line('disk quota exceeded for tenant 7') + line('disk quota exceeded for tenant 8'));
    expect(await newPatterns()).toEqual([['New log message from app: disk quota exceeded for tenant <*>', 'warn', 2]]);
    // Nothing new to read: a quiet pass, no log finding at all (this machine's own load may give a resource band one).
    const quiet = await runPass(loaded, deps);
    expect(quiet.hosts[0]!.findings.filter((f) => !f.ruleId.startsWith('resource.'))).toEqual([]);

    const rows = await store.db.selectFrom('log_templates').select(['template', 'line_count']).orderBy('template').execute();
    expect(rows.map((r) => [r.template, Number(r.line_count)])).toEqual([
      ['app: cache warmed (<*> entries)', 1],
      ['app: disk quota exceeded for tenant <*>', 2],
      ['app: job <*> done in <*> ms', 3],
      ['app: upstream <*> failed: timeout', 2],
    ]);
  });
});

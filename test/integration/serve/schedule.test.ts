/**
 * `serve --schedule` through the programmatic command (in-process, real config file, real store, local transport
 * slowed down by the injected factory): `@every 2s` with a pass of ~3 s starts two passes that never overlap and
 * logs the skipped tick; a pass lock held by another process's `run` makes a tick skip with one line.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTransport } from '../../../src/collect/create-transport.js';
import { serve } from '../../../src/cli/commands/serve.js';
import type { CliIo } from '../../../src/cli/output.js';
import { openStore, type Store } from '../../../src/store/open-store.js';
import type { TransportFactory } from '../../../src/types.js';
import { tempDir } from '../../helpers/cli.js';
import { createTestSchema } from '../../helpers/pg.js';
import { testDialects } from '../../helpers/store.js';
import { waitUntil } from '../../helpers/wait.js';
import { TEST_API_KEY } from '../../helpers/api-server.js';

const dialects = await testDialects();

function bufferIo(env: NodeJS.ProcessEnv = {}): CliIo & { text(): { stdout: string; stderr: string } } {
  let stdout = '';
  let stderr = '';
  return {
    stdout: { write: (t: string) => (stdout += t), isTTY: false },
    stderr: { write: (t: string) => (stderr += t), isTTY: false },
    env: { NO_COLOR: '1', DTHOSTMON_LOG_FORMAT: 'text', ...env },
    cwd: process.cwd(),
    text: () => ({ stdout, stderr }),
  };
}

/** The real local transport, opened `delayMs` late: a pass that takes that long. */
const slowFactory = (delayMs: number): TransportFactory => async (host, signal, options) => {
  await new Promise((r) => setTimeout(r, delayMs));
  return createTransport(host, signal, options);
};

describe.each(dialects)('serve --schedule on %s', (dialect) => {
  let dir: string;
  let configPath: string;
  let pg: Awaited<ReturnType<typeof createTestSchema>> = null;
  let store: Store;

  beforeEach(async () => {
    dir = tempDir('dthm-serve-schedule-');
    writeFileSync(join(dir, 'auth.log'), 'Nov 25 10:00:00 web sshd[1]: Accepted publickey for deploy from 198.51.100.4 port 5000 ssh2\n');
    let database = '  path: dthostmon.db';
    if (dialect === 'postgres') {
      pg = await createTestSchema('serve_schedule');
      database = `  url: "${pg!.url}"`;
    }
    configPath = join(dir, 'dthostmon.yaml');
    writeFileSync(
      configPath,
      [
        'global:',
        '  pass_timeout: 30',
        '  reports_dir: reports',
        'database:',
        database,
        'api:',
        '  api_key: ${KEY}',
        'hosts:',
        '  - name: self',
        '    transport: local',
        `    logs: ["${join(dir, 'auth.log')}"]`,
        '',
      ].join('\n'),
    );
    store = await openStore(dialect === 'sqlite' ? { dialect: 'sqlite', path: join(dir, 'dthostmon.db') } : { dialect: 'postgres', url: pg!.url, display: 'test' });
  });
  afterEach(async () => {
    await store.close();
    await pg?.drop();
    pg = null;
  });

  it('@every 2s with a 3 s pass: two passes, never overlapping, the tick in between skipped', async () => {
    let stop!: () => void;
    const stopWhen = new Promise<void>((r) => (stop = r));
    const io = bufferIo({ KEY: TEST_API_KEY });
    let url = '';
    const done = serve(
      // Not --quiet: the passes' start and end lines are info.
      { config: configPath, verbose: false, quiet: false, json: false, io, port: 0, bind: '127.0.0.1', schedule: '@every 2s' },
      { createTransport: slowFactory(3000), stopWhen, onListening: (u) => (url = u) },
    );
    try {
      const finishedRuns = async () => {
        try {
          return await store.db.selectFrom('runs').selectAll().where('status', '!=', 'running').orderBy('id').execute();
        } catch {
          return []; // not migrated yet
        }
      };
      await waitUntil('two scheduled passes finished', async () => (await finishedRuns()).length >= 2, 25_000);
      const runs = await finishedRuns();
      expect(runs.map((r) => r.status)).toEqual(['complete', 'complete']);
      const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
      // Never two at once: the second started after the first finished.
      expect(b.started_at >= (a.finished_at as string)).toBe(true);
      expect(Date.parse(a.finished_at as string) - Date.parse(a.started_at)).toBeGreaterThanOrEqual(2900);
      const { stdout, stderr } = io.text();
      expect(stdout).toBe(`serving on ${url}\n`);
      expect(stderr).toMatch(/schedule "@every 2s": next pass at \S+Z/);
      expect(stderr).toMatch(/schedule: tick at \S+Z skipped: the previous pass is still running/);
      expect(stderr).toMatch(/schedule: pass \d+ complete: 1 host\(s\), 1 ok, 0 failed, \d+\.\d s/);
      // The API answers while passes run, and /health knows the schedule's interval.
      const health = (await (await fetch(`${url}/health`)).json()) as { checks: { last_pass: { expected_interval_seconds: number } } };
      expect(health.checks.last_pass.expected_interval_seconds).toBe(2);
    } finally {
      stop();
      expect(await done).toBe(0);
    }
  }, 40_000);

  it('a pass lock held by another process: the tick is skipped with one line', async () => {
    const { migrateToLatest } = await import('../../../src/store/migrate.js');
    await migrateToLatest(store.db);
    const now = Date.now();
    await store.db
      .insertInto('pass_lock')
      .values({ name: 'pass', owner_host: 'other-monitor', owner_pid: 99999, acquired_at: new Date(now).toISOString(), expires_at: new Date(now + 600_000).toISOString() })
      .execute();
    let stop!: () => void;
    const stopWhen = new Promise<void>((r) => (stop = r));
    const io = bufferIo({ KEY: TEST_API_KEY });
    const done = serve({ config: configPath, verbose: false, quiet: true, json: false, io, port: 0, bind: '127.0.0.1', schedule: '@every 1s' }, { stopWhen });
    try {
      await waitUntil('a skipped tick', async () => io.text().stderr.includes('schedule: skipped: another pass is running'), 10_000);
      expect(io.text().stderr).toMatch(/schedule: skipped: another pass is running \(pid 99999 on host other-monitor since \S+\)\n/);
      const runs = await store.db.selectFrom('runs').select('id').execute();
      expect(runs).toEqual([]);
    } finally {
      stop();
      expect(await done).toBe(0);
    }
  });
});

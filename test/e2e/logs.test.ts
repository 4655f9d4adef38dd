/**
 * Logs of the built binary: `serve --log-file` rotated the logrotate way (mv, then SIGHUP): the old lines stay in the
 * moved file, the new ones land in a new file at the same path, and the last lines are flushed at exit; a SIGHUP
 * during `run` does not end the pass; off a terminal `serve` logs JSON lines by default (auto).
 */
import { once } from 'node:events';
import { existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assertBuilt, spawnCli, tempDir, writeFile, type CliResult } from '../helpers/cli.js';
import type { LogEvent } from '../helpers/logs.js';
import { waitUntil } from '../helpers/wait.js';

const KEY = 'e2e-logs-key-8d1f3c7a';

const readEvents = (file: string): LogEvent[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as LogEvent);

describe('logs (built binary)', () => {
  const dir = tempDir('dthm-e2e-logs-');
  const config = join(dir, 'dthostmon.yaml');

  beforeAll(() => {
    assertBuilt();
    writeFile(join(dir, 'syslog'), 'Nov 25 10:00:00 h kernel: [1.0] Out of memory: Killed process 12 (java) total-vm:1kB\n');
    writeFile(
      config,
      ['global:', '  pass_timeout: 60', 'database:', '  path: dthostmon.db', 'api:', '  api_key: ${DTHOSTMON_API_KEY}', 'hosts:', '  - name: self', '    transport: local', `    logs: ["${join(dir, 'syslog')}"]`, ''].join('\n'),
    );
  });

  it('serve --log-file: mv + SIGHUP moves the logging to a new file; old lines stay in the moved one', async () => {
    const file = join(dir, 'serve.log');
    // DTHOSTMON_LOG_FORMAT empty: auto, which is JSON for a file.
    const { child, done } = spawnCli(['serve', '-c', config, '--port', '0', '--log-file', file], { env: { DTHOSTMON_API_KEY: KEY, DTHOSTMON_LOG_FORMAT: '' } });
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    let result: CliResult | null = null;
    try {
      await waitUntil('serve prints its URL', async () => /serving on (\S+)\n/.test(stdout), 20_000);
      const url = /serving on (\S+)/.exec(stdout)![1]!;
      expect((await fetch(`${url}/api/v1/hosts?before-rotation=1`)).status).toBe(401);
      await waitUntil('the first request in the log file', async () => readFileSync(file, 'utf8').includes('"status":401'), 10_000);

      renameSync(file, `${file}.1`);
      child.kill('SIGHUP');
      await waitUntil('the log file reopened', async () => existsSync(file) && readFileSync(file, 'utf8').includes('log file reopened'), 10_000);
      expect((await fetch(`${url}/api/v1/after-rotation`, { headers: { 'x-api-key': KEY } })).status).toBe(404);
      await waitUntil('the second request in the new file', async () => readFileSync(file, 'utf8').includes('/api/v1/after-rotation'), 10_000);
    } finally {
      child.kill('SIGTERM');
      const [code] = (await once(child, 'close')) as [number | null];
      result = { ...(await done), code };
    }
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');

    const old = readEvents(`${file}.1`);
    expect(old.find((e) => e.path === '/api/v1/hosts')).toMatchObject({ level: 'info', component: 'serve', method: 'GET', status: 401, client: '127.0.0.1' });
    expect(old.some((e) => e.msg.startsWith('listening on http://'))).toBe(true);
    expect(old.some((e) => e.path === '/api/v1/after-rotation')).toBe(false);

    const current = readEvents(file);
    expect(current[0]).toMatchObject({ level: 'info', msg: 'log file reopened (SIGHUP)', file });
    expect(current.find((e) => e.path === '/api/v1/after-rotation')).toMatchObject({ status: 404 });
    // Written at the very end and flushed before the exit.
    expect(current.at(-1)?.msg).toMatch(/^stopping: finishing in-flight requests/);
    expect(current.some((e) => e.path === '/api/v1/hosts')).toBe(false);
    for (const text of [readFileSync(file, 'utf8'), readFileSync(`${file}.1`, 'utf8')]) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain('before-rotation');
    }
  });

  it('a SIGHUP during run does not end the pass: the log file is reopened, the pass completes', async () => {
    const file = join(dir, 'run.log');
    const { child, done } = spawnCli(['run', '-c', config, '--log-file', file, '--verbose'], { env: { DTHOSTMON_API_KEY: KEY, DTHOSTMON_LOG_FORMAT: '' } });
    // The first event (the migrations, with --verbose) is written once the file is open; the pass is still ahead.
    await waitUntil('run logged its first event', async () => existsSync(file) && statSync(file).size > 0, 20_000);
    child.kill('SIGHUP');
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Pass \d+ complete/);
    const events = readEvents(file);
    expect(events.map((e) => e.msg)).toEqual(expect.arrayContaining(['log file reopened (SIGHUP)', 'self: collecting']));
    expect(events.find((e) => e.msg.startsWith('self: ok'))).toMatchObject({ component: 'pass', host: 'self', status: 'ok' });
  });

  it('serve off a terminal logs JSON lines by default; stdout keeps its plain line', async () => {
    const { child, done } = spawnCli(['serve', '-c', config, '--port', '0'], { env: { DTHOSTMON_API_KEY: KEY, DTHOSTMON_LOG_FORMAT: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await waitUntil('serve prints its URL', async () => /serving on (\S+)\n/.test(stdout), 20_000);
      const url = /serving on (\S+)/.exec(stdout)![1]!;
      await fetch(`${url}/nope`);
      await waitUntil('the request logged', async () => stderr.includes('/nope'), 10_000);
    } finally {
      child.kill('SIGTERM');
      await done;
    }
    expect(stdout).toMatch(/^serving on http:\/\/127\.0\.0\.1:\d+\n$/);
    const events = stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LogEvent);
    expect(events.find((e) => e.path === '/nope')).toMatchObject({ level: 'info', component: 'serve', status: 404, method: 'GET' });
    expect(events.at(-1)).toMatchObject({ level: 'info', component: 'serve', msg: expect.stringMatching(/^stopping/) });
  });
});

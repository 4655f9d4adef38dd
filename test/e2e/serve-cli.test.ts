/**
 * `dthostmon serve` as the built binary: refuses to start without api.api_key (exit 2, one line), a bad --schedule
 * or --port (2), an address in use (2); serves /health and /metrics, logs requests to stderr without the key (a
 * probe's or scraper's successful request only at debug), and stops on SIGTERM with exit 0.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { assertBuilt, runCli, spawnCli, tempDir, writeFile, type CliResult } from '../helpers/cli.js';
import { waitUntil } from '../helpers/wait.js';

const KEY = 'e2e-serve-key-5f0c2a9b';

describe('dthostmon serve (built binary)', () => {
  const dir = tempDir('dthm-e2e-serve-');
  const withKey = join(dir, 'dthostmon.yaml');
  const withoutKey = join(dir, 'nokey.yaml');

  beforeAll(() => {
    assertBuilt();
    const base = ['global:', '  pass_timeout: 30', 'database:', '  path: dthostmon.db', 'hosts:', '  - name: self', '    transport: local', '    logs: []'];
    writeFile(withKey, [...base, 'api:', '  api_key: ${DTHOSTMON_API_KEY}', ''].join('\n'));
    writeFile(withoutKey, [...base, 'api:', '  port: 8080', ''].join('\n'));
  });

  it('refuses to start without api.api_key: exit 2, one line', async () => {
    const res = await runCli(['serve', '-c', withoutKey]);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain('api.api_key: not set: serve refuses to start without an API key');
  });

  it('a bad --schedule or --port is a usage error (exit 2)', async () => {
    const schedule = await runCli(['serve', '-c', withKey, '--schedule', 'every hour'], { env: { DTHOSTMON_API_KEY: KEY } });
    expect(schedule.code).toBe(2);
    expect(schedule.stderr).toBe('dthostmon: --schedule "every hour": expected 5 fields (minute hour day-of-month month day-of-week), got 2 (or use @every 30s, @every 5m)\n');
    const port = await runCli(['serve', '-c', withKey, '--port', '80x'], { env: { DTHOSTMON_API_KEY: KEY } });
    expect(port.code).toBe(2);
    expect(port.stderr).toBe('dthostmon: --port "80x": expected a port number 0-65535\n');
  });

  it('an address in use: exit 2, one line', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const res = await runCli(['serve', '-c', withKey, '--port', String(port)], { env: { DTHOSTMON_API_KEY: KEY } });
      expect(res.code).toBe(2);
      expect(res.stderr).toBe(`dthostmon: cannot listen on 127.0.0.1:${port}: the address is already in use (another serve? pick another api.port or --port)\n`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('serves /health and /metrics, logs requests without the key, stops on SIGTERM with exit 0', async () => {
    const { child, done } = spawnCli(['serve', '-c', withKey, '--port', '0', '--bind', '127.0.0.1'], { env: { DTHOSTMON_API_KEY: KEY } });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    let result: CliResult | null = null;
    try {
      await waitUntil('serve prints its URL', async () => /serving on http:\/\/127\.0\.0\.1:\d+\n/.test(stdout), 15_000);
      const url = /serving on (\S+)/.exec(stdout)![1]!;
      const health = await fetch(`${url}/health`);
      // No pass yet, but serve has just started: not stale before 2 x 1 h + pass_timeout.
      expect(health.status).toBe(200);
      const body = (await health.json()) as { status: string; checks: { database: { status: string } } };
      expect(body.status).toBe('ok');
      expect(body.checks.database.status).toBe('ok');
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      const metrics = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('# TYPE dthostmon_store_size_bytes gauge');
      await waitUntil('the access log line', async () => stderr.includes(' GET /metrics 401 '), 5_000);
      expect(stderr).toMatch(/^\S+Z 127\.0\.0\.1 GET \/metrics 401 \d+ms$/m);
      // Probes and scrapers that get their answer are logged at debug only (--verbose).
      expect(stderr).not.toContain(' GET /health 200 ');
      expect(stderr).not.toContain(' GET /metrics 200 ');
      expect(stderr).not.toContain(KEY);
    } finally {
      child.kill('SIGTERM');
      const [code] = (await once(child, 'close')) as [number | null];
      result = { ...(await done), code };
    }
    expect(result.code).toBe(0);
    expect(stderr).toContain('stopping: finishing in-flight requests');
  });
});

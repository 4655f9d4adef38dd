/**
 * The Glances source against the Glances 4 replay server (test/helpers/glances-replay.ts, answers from
 * test/fixtures/glances/v4): version detection, exact mapping, containers, missing and failing plugins, auth,
 * a server that hangs, one that answers garbage and one that is gone.
 */
import { collectGlances } from '../../../src/collect/metrics/glances.js';
import { glancesContext, glancesSettings, startGlancesReplay, type GlancesReplay } from '../../helpers/glances-replay.js';

const NOW = new Date('2026-01-02T03:04:05Z');
const T = Math.floor(NOW.getTime() / 1000);
const fixedClock = (): Date => NOW;

let replay: GlancesReplay;

beforeEach(async () => {
  replay = await startGlancesReplay();
});

afterEach(async () => {
  await replay.close();
});

describe('Glances API v4 (replay)', () => {
  it('auto-detects v4 from /api/4/status and maps every value of the fixtures exactly', async () => {
    const result = await collectGlances(glancesSettings(replay.url), glancesContext({ clock: fixedClock }));

    expect(result).toMatchObject({ source: 'glances', url: replay.url, status: 'ok', error: null, windowSeconds: 0, queries: [], durationMs: 0 });
    expect(result.detail).toBe('API v4 (containers: 3)');
    expect(replay.paths()[0]).toBe('/api/4/status');
    expect(replay.paths().filter((p) => p.startsWith('/api/3/'))).toEqual([]);
    expect(new Set(replay.paths())).toEqual(
      new Set(['/api/4/status', '/api/4/cpu', '/api/4/mem', '/api/4/memswap', '/api/4/load', '/api/4/fs', '/api/4/network', '/api/4/containers']),
    );
    const point = (v: number) => [{ t: T, v }];
    expect(result.series).toEqual([
      { name: 'cpu.used_percent', label: '', points: point(6.1) },
      { name: 'memory.used_percent', label: '', points: point(61.1) },
      { name: 'swap.used_percent', label: '', points: point(40.7) },
      { name: 'load.1', label: '', points: point(1.02490234375) },
      { name: 'disk.used_percent', label: '/', points: point(11.4) },
      { name: 'disk.size_bytes', label: '/', points: point(1003736440832) },
      { name: 'disk.avail_bytes', label: '/', points: point(843681222656) },
      { name: 'disk.used_percent', label: '/zsfpool', points: point(0.3) },
      { name: 'disk.size_bytes', label: '/zsfpool', points: point(41943040) },
      { name: 'disk.avail_bytes', label: '/zsfpool', points: point(41811968) },
      // wlp0s20f3 + mpqemubr0; lo (999999 B/s each way) is left out.
      { name: 'net.rx_bytes_per_second', label: '', points: point(51234.5 + 1024) },
      { name: 'net.tx_bytes_per_second', label: '', points: point(8123.25 + 2048) },
    ]);
  });

  it('maps the containers: name, status, cpu percent, memory without the inactive file cache', async () => {
    const result = await collectGlances(glancesSettings(replay.url), glancesContext());

    expect(result.containers).toEqual([
      { name: 'timescaledb-for-glances', status: 'running', cpuPercent: 2.5, memoryBytes: 67096576 - 12632064 },
      { name: 'sad_darwin', status: 'running', cpuPercent: 1.2265872243101236e-6, memoryBytes: 1388544 },
      { name: 'portainer', status: 'exited', cpuPercent: null, memoryBytes: null },
    ]);
  });

  it.each([404, 400])('containers answering %i: no containers, still ok, nothing noted', async (status) => {
    replay.overrides.set('containers', { status });
    const result = await collectGlances(glancesSettings(replay.url), glancesContext());

    expect(result.status).toBe('ok');
    expect(result.containers).toBeUndefined();
    expect(result.detail).toBe('API v4');
    expect(result.series.map((s) => s.name)).toContain('cpu.used_percent');
  });

  it('an explicit api: 4 reads without trying v3, and a trailing slash in the URL is fine', async () => {
    const result = await collectGlances(glancesSettings(`${replay.url}/`, { api: 4 }), glancesContext());

    expect(result.status).toBe('ok');
    expect(result.url).toBe(replay.url);
    expect(replay.paths().every((p) => p.startsWith('/api/4/'))).toBe(true);
  });

  it('an explicit api: 3 against Glances 4 fails with a hint', async () => {
    const result = await collectGlances(glancesSettings(replay.url, { api: 3 }), glancesContext());

    expect(result.status).toBe('failed');
    expect(result.error).toBe(`${replay.url}: HTTP 404 for /api/3/status; set metrics.glances.api: auto if it is Glances 4`);
    expect(result.detail).toBe('API v3');
    expect(replay.paths()).toEqual(['/api/3/status']);
  });

  it('a plugin failing while cpu and mem work is named in detail; the others are kept', async () => {
    replay.overrides.set('memswap', { status: 500, body: JSON.stringify({ detail: 'Cannot get plugin memswap' }) });
    replay.overrides.set('fs', { status: 200, body: '{"not": "a list"}' });
    replay.overrides.set('load', { status: 200, body: 'load: high' });
    const result = await collectGlances(glancesSettings(replay.url), glancesContext());

    expect(result.status).toBe('ok');
    expect(result.detail).toBe(
      'API v4 (containers: 3); not read: memswap (HTTP 500 Internal Server Error: Cannot get plugin memswap), load (answer is not JSON ("load: high")), fs (unexpected answer)',
    );
    expect(result.series.map((s) => s.name)).toEqual(['cpu.used_percent', 'memory.used_percent', 'net.rx_bytes_per_second', 'net.tx_bytes_per_second']);
  });

  it('plugins are read one at a time; one that never answers costs one timeout and the rest are not tried', async () => {
    replay.hangPlugins.add('fs');
    const started = Date.now();
    const result = await collectGlances(glancesSettings(replay.url, { timeoutMs: 600 }), glancesContext());
    const ms = Date.now() - started;

    expect(result.status).toBe('ok');
    expect(result.series.map((s) => s.name)).toEqual(['cpu.used_percent', 'memory.used_percent', 'swap.used_percent', 'load.1']);
    expect(result.detail).toMatch(/^API v4; not read: fs \(.*timed out after 0\.6 s\), network \(not tried after .*timed out after 0\.6 s\), containers \(not tried after /);
    // status, cpu, mem, memswap, load, fs: nothing after the request that got no answer.
    expect(replay.paths()).toEqual(['/api/4/status', '/api/4/cpu', '/api/4/mem', '/api/4/memswap', '/api/4/load', '/api/4/fs']);
    expect(ms).toBeLessThan(1500);
  });

  it.each([
    [{ status: 500, body: 'docker socket: permission denied' }, 'containers (HTTP 500 Internal Server Error: docker socket: permission denied)'],
    [{ status: 200, body: '{"version": {}}' }, 'containers (unexpected answer)'],
  ])('containers failing (%o) is noted, without a container count', async (answer, note) => {
    replay.overrides.set('containers', answer);
    const result = await collectGlances(glancesSettings(replay.url), glancesContext());

    expect(result.status).toBe('ok');
    expect(result.containers).toBeUndefined();
    expect(result.detail).toBe(`API v4; not read: ${note}`);
  });

  it('only mem readable (cpu plugin disabled): ok with mem, silently without cpu', async () => {
    replay.overrides.set('cpu', { status: 400 });
    const result = await collectGlances(glancesSettings(replay.url), glancesContext());

    expect(result.status).toBe('ok');
    expect(result.series.find((s) => s.name === 'cpu.used_percent')).toBeUndefined();
    expect(result.series.find((s) => s.name === 'memory.used_percent')?.points[0]?.v).toBe(61.1);
    expect(result.detail).toBe('API v4 (containers: 3); not read: cpu (HTTP 400 (plugin not available))');
  });

  it('cpu and mem both unreadable: the source failed, with one line', async () => {
    replay.overrides.set('cpu', { status: 200, body: '{"total": "high"}' });
    replay.overrides.set('mem', { status: 503, body: 'maintenance' });
    const result = await collectGlances(glancesSettings(replay.url), glancesContext());

    expect(result.status).toBe('failed');
    expect(result.error).toBe(`GET ${replay.url}/api/4/cpu: unexpected answer (no value); mem: HTTP 503 Service Unavailable: maintenance`);
    expect(result.series).toEqual([]);
  });

  it('long server messages: the error line is capped at 400 characters', async () => {
    replay.overrides.set('cpu', { status: 500, body: 'a'.repeat(300) });
    replay.overrides.set('mem', { status: 500, body: 'b'.repeat(300) });
    const result = await collectGlances(glancesSettings(replay.url), glancesContext());

    expect(result.status).toBe('failed');
    expect(result.error).toHaveLength(400);
    expect(result.error).toMatch(new RegExp(`^GET ${replay.url}/api/4/cpu: HTTP 500 Internal Server Error: a{199}…; mem: HTTP 500 .*…$`));
  });

  it('garbage instead of JSON: failed, one line, no control characters', async () => {
    replay.mode = 'garbage';
    const result = await collectGlances(glancesSettings(replay.url), glancesContext());

    expect(result.status).toBe('failed');
    expect(result.error).toMatch(new RegExp(`^GET ${replay.url}/api/4/cpu: answer is not JSON .*\\(mem too\\)$`));
    expect(result.error).not.toMatch(/[\u0000-\u001f]/);
    expect(result.detail).toBe('API v4');
  });

  it('a server that never answers: failed "timed out after 1 s" near timeoutMs', async () => {
    replay.mode = 'slow';
    const started = Date.now();
    const result = await collectGlances(glancesSettings(replay.url, { timeoutMs: 1000 }), glancesContext());
    const took = Date.now() - started;

    expect(result.status).toBe('failed');
    expect(result.error).toBe(`GET ${replay.url}/api/4/status: timed out after 1 s`);
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(2500);
    expect(result.durationMs).toBeGreaterThanOrEqual(950);
    expect(result.durationMs).toBeLessThan(2500);
  });

  it('a server that is gone: failed "connection refused"', async () => {
    await replay.close();
    const result = await collectGlances(glancesSettings(replay.url), glancesContext());

    expect(result.status).toBe('failed');
    expect(result.error).toBe(`GET ${replay.url}/api/4/status: connection refused`);
  });
});

describe('Glances API v4 basic auth (replay)', () => {
  const PASSWORD = 'pw-Zq81!x';
  let secured: GlancesReplay;

  beforeEach(async () => {
    secured = await startGlancesReplay({ username: 'monitor', password: PASSWORD });
  });

  afterEach(async () => {
    await secured.close();
  });

  it('sends user and password from the environment on every request', async () => {
    const settings = glancesSettings(secured.url, { username: 'monitor', passwordEnv: 'GLANCES_PASSWORD' });
    const result = await collectGlances(settings, glancesContext({ env: { GLANCES_PASSWORD: PASSWORD } }));

    expect(result.status).toBe('ok');
    expect(result.detail).toBe('API v4 (containers: 3)');
    const expected = `Basic ${Buffer.from(`monitor:${PASSWORD}`).toString('base64')}`;
    expect(secured.requests.length).toBe(8);
    expect(secured.requests.every((r) => r.authorization === expected)).toBe(true);
  });

  it('a wrong password: failed with HTTP 401 and what to check, never the password', async () => {
    const settings = glancesSettings(secured.url, { username: 'monitor', passwordEnv: 'GLANCES_PASSWORD' });
    const result = await collectGlances(settings, glancesContext({ env: { GLANCES_PASSWORD: 'wrong-Pw-123' } }));

    expect(result.status).toBe('failed');
    expect(result.error).toBe(`GET ${secured.url}/api/4/status: HTTP 401 Unauthorized (check metrics.glances.username / GLANCES_PASSWORD)`);
    expect(result.error).not.toContain('wrong-Pw-123');
  });

  it('the password variable not set: says so', async () => {
    const settings = glancesSettings(secured.url, { username: 'monitor', passwordEnv: 'GL_PW' });
    const result = await collectGlances(settings, glancesContext());

    expect(result.error).toBe(`GET ${secured.url}/api/4/status: HTTP 401 Unauthorized (check metrics.glances.username / GL_PW, which is not set)`);
  });

  it('no username configured for a server with a password: says what to set', async () => {
    const result = await collectGlances(glancesSettings(secured.url), glancesContext());

    expect(result.error).toBe(`GET ${secured.url}/api/4/status: HTTP 401 Unauthorized (Glances wants a password: set metrics.glances.username and GLANCES_PASSWORD)`);
    expect(secured.requests[0]?.authorization).toBeNull();
  });
});

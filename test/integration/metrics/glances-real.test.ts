/**
 * The Glances source against the real Glances 3 (Debian's 3.3, test/helpers/glances.ts): API v3 auto-detected, the
 * live values in range, basic auth with a real password file, plugins Glances has disabled, and a killed server.
 * Values are live, so the tests check ranges and presence, never the first cpu sample's number (bogus after start).
 */
import { request } from 'node:http';
import { collectGlances } from '../../../src/collect/metrics/glances.js';
import type { MetricSourceResult } from '../../../src/collect/metrics/types.js';
import { glancesIt, hasGlances, startGlances, type GlancesServer } from '../../helpers/glances.js';
import { glancesContext, glancesSettings } from '../../helpers/glances-replay.js';

const PASSWORD = 'gl-Pw-7731';

let open: GlancesServer | null = null;
let secured: GlancesServer | null = null;

beforeAll(async () => {
  if (!hasGlances && process.env.CI !== 'true') return;
  // With a password, and with docker and memswap off: Glances then answers 400 "Unknown plugin" for them.
  [open, secured] = await Promise.all([startGlances(), startGlances({ password: PASSWORD, disablePlugins: ['docker', 'memswap'] })]);
}, 40_000);

afterAll(async () => {
  await Promise.all([open?.stop(), secured?.stop()]);
});

function server(which: GlancesServer | null): GlancesServer {
  if (!which) throw new Error('glances did not start (see beforeAll)');
  return which;
}

function value(result: MetricSourceResult, name: string, label = ''): number | undefined {
  return result.series.find((s) => s.name === name && s.label === label)?.points[0]?.v;
}

/** Interfaces other than lo that Glances lists right now, read directly (the expectation for the network series). */
function interfacesOtherThanLo(url: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    request(`${url}/api/3/network`, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const list = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<{ interface_name: string }>;
        resolve(list.map((i) => i.interface_name).filter((n) => n !== 'lo'));
      });
    })
      .on('error', reject)
      .end();
  });
}

describe('Glances 3 (real)', () => {
  glancesIt('auto-detects API v3 and reads cpu, mem, load, fs and network in range', async () => {
    const url = server(open).url;
    const before = Math.floor(Date.now() / 1000);
    const result = await collectGlances(glancesSettings(url), glancesContext());
    const after = Math.ceil(Date.now() / 1000);

    expect(result).toMatchObject({ source: 'glances', url, status: 'ok', error: null, windowSeconds: 0 });
    // Glances 3.3 has the docker plugin; without the docker library it lists no containers.
    expect(result.detail).toBe('API v3 (containers: 0)');
    expect(result.containers).toEqual([]);
    for (const name of ['cpu.used_percent', 'memory.used_percent']) {
      expect(value(result, name)).toBeGreaterThanOrEqual(0);
      expect(value(result, name)).toBeLessThanOrEqual(100);
    }
    expect(value(result, 'memory.used_percent')).toBeGreaterThan(0);
    expect(value(result, 'load.1')).toBeGreaterThanOrEqual(0);
    expect(value(result, 'disk.used_percent', '/')).toBeGreaterThan(0);
    expect(value(result, 'disk.used_percent', '/')).toBeLessThanOrEqual(100);
    const size = value(result, 'disk.size_bytes', '/') ?? 0;
    expect(size).toBeGreaterThan(0);
    expect(value(result, 'disk.avail_bytes', '/')).toBeGreaterThan(0);
    expect(value(result, 'disk.avail_bytes', '/')).toBeLessThanOrEqual(size);
    const points = result.series.flatMap((s) => s.points);
    expect(points.every((p) => p.t >= before && p.t <= after)).toBe(true);
    expect(result.series.every((s) => s.points.length === 1)).toBe(true);

    const interfaces = await interfacesOtherThanLo(url);
    for (const name of ['net.rx_bytes_per_second', 'net.tx_bytes_per_second']) {
      if (interfaces.length > 0) expect(value(result, name)).toBeGreaterThanOrEqual(0);
      else expect(value(result, name)).toBeUndefined();
    }
  });

  glancesIt('an explicit api: 4 against Glances 3 fails with a hint', async () => {
    const url = server(open).url;
    const result = await collectGlances(glancesSettings(url, { api: 4 }), glancesContext());

    expect(result.status).toBe('failed');
    expect(result.error).toBe(`${url}: HTTP 404 for /api/4/status; set metrics.glances.api: auto if it is Glances 3`);
  });

  glancesIt('with the right password: ok; disabled plugins (docker, memswap) are skipped silently', async () => {
    const glances = server(secured);
    const settings = glancesSettings(glances.url, { username: glances.username, passwordEnv: 'GLANCES_PASSWORD' });
    const result = await collectGlances(settings, glancesContext({ env: { GLANCES_PASSWORD: PASSWORD } }));

    expect(result.status).toBe('ok');
    expect(result.detail).toBe('API v3');
    expect(result.containers).toBeUndefined();
    expect(value(result, 'swap.used_percent')).toBeUndefined();
    expect(value(result, 'cpu.used_percent')).toBeGreaterThanOrEqual(0);
    expect(value(result, 'memory.used_percent')).toBeGreaterThan(0);
  });

  glancesIt('a wrong password: failed with HTTP 401 on one line, without the password', async () => {
    const glances = server(secured);
    const settings = glancesSettings(glances.url, { username: glances.username, passwordEnv: 'GLANCES_PASSWORD' });
    const result = await collectGlances(settings, glancesContext({ env: { GLANCES_PASSWORD: 'not-the-Pw-99' } }));

    expect(result.status).toBe('failed');
    expect(result.error).toBe(`GET ${glances.url}/api/3/status: HTTP 401 Unauthorized (check metrics.glances.username / GLANCES_PASSWORD)`);
    expect(result.error).not.toContain('not-the-Pw-99');
    expect(result.error).not.toContain(PASSWORD);
  });

  glancesIt('killed: failed "connection refused"', async () => {
    const glances = server(open);
    await glances.kill();
    const result = await collectGlances(glancesSettings(glances.url), glancesContext());

    expect(result.status).toBe('failed');
    expect(result.error).toBe(`GET ${glances.url}/api/4/status: connection refused`);
  });
});

/**
 * The InfluxDB source when things go wrong: basic auth on a real influxd (right, wrong and no password), the server
 * killed, a server that never answers, garbage answers; v2 against the replay server. Each failure must be a
 * `failed` result with ONE line, never a throw, never a password or token in the message.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { collectInfluxdb } from '../../../src/collect/metrics/influxdb.js';
import type { InfluxSettings } from '../../../src/collect/metrics/types.js';
import { startFluxReplay, type FluxReplay } from '../../helpers/flux-replay.js';
import { influxContext, influxdbDescribe, startCannedServer, startInfluxdb, startSilentServer, telegrafSettings, type InfluxdbPeer } from '../../helpers/influxdb.js';

const END = 1_699_999_200;
const PASSWORD = 'pw-Zx9!right';
const WRONG = 'pw-Qq7?wrong';

const v2 = (url: string, over: Partial<InfluxSettings> = {}): InfluxSettings =>
  telegrafSettings(url, { version: 2, database: null, org: 'acme', bucket: 'telegraf', tokenEnv: 'INFLUXDB_TOKEN', ...over });

function expectOneLine(error: string | null, ...secrets: string[]): void {
  expect(error).not.toBeNull();
  expect(error).not.toMatch(/[\r\n]/);
  for (const secret of secrets) expect(error).not.toContain(secret);
}

influxdbDescribe('InfluxDB 1.x source: auth and a killed server (real influxd)', () => {
  let peer: InfluxdbPeer;

  beforeAll(async () => {
    peer = await startInfluxdb({ auth: { username: 'dthostmon', password: PASSWORD } });
    await peer.write(`mem,host=web-01 used_percent=42 ${END - 600}\n`, 'telegraf');
  });

  afterAll(async () => {
    await peer?.stop();
  });

  const settings = (): InfluxSettings => telegrafSettings(peer.url, { username: 'dthostmon', passwordEnv: 'INFLUX_PASSWORD' });

  it('reads with the right password (basic auth from the environment, even when a token variable is set too)', async () => {
    const withTokenEnv = { ...settings(), tokenEnv: 'INFLUXDB_TOKEN' };
    const result = await collectInfluxdb(withTokenEnv, [], influxContext(END, { INFLUX_PASSWORD: PASSWORD, INFLUXDB_TOKEN: 'for-the-v2-server' }));
    expect(result).toMatchObject({ status: 'ok', error: null });
    expect(result.series).toEqual([{ name: 'memory.used_percent', label: '', points: [{ t: END - 3600, v: 42 }] }]);
  });

  it('fails with HTTP 401 on a wrong password, in one line without the password', async () => {
    const result = await collectInfluxdb(settings(), [], influxContext(END, { INFLUX_PASSWORD: WRONG }));
    expect(result).toMatchObject({ status: 'failed', error: 'HTTP 401 Unauthorized: authorization failed', series: [] });
    expectOneLine(result.error, WRONG, PASSWORD);
  });

  it('fails with HTTP 401 without credentials', async () => {
    const result = await collectInfluxdb(telegrafSettings(peer.url), [], influxContext(END));
    expect(result).toMatchObject({ status: 'failed', error: 'HTTP 401 Unauthorized: unable to parse authentication credentials' });
  });

  it('fails with "connection refused" once influxd is killed', async () => {
    await peer.kill();
    // Node 20's global agent keeps sockets alive: give the pooled idle socket of the tests above the turn in which it
    // sees its close, or the next request may take it and get "connection reset" instead.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const result = await collectInfluxdb(settings(), [], influxContext(END, { INFLUX_PASSWORD: PASSWORD }));
    expect(result).toMatchObject({ status: 'failed', error: 'connection refused', series: [] });
  });
});

describe('InfluxDB source: servers that hang or answer garbage', () => {
  it.each([1, 2] as const)('v%i: a server that never answers fails with "timed out after 1.5 s" near the timeout', async (version) => {
    const silent = await startSilentServer();
    try {
      const settings = version === 1 ? telegrafSettings(silent.url, { timeoutMs: 1500 }) : v2(silent.url, { timeoutMs: 1500 });
      const began = Date.now();
      const result = await collectInfluxdb(settings, [], influxContext(null, { INFLUXDB_TOKEN: 't' }));
      const took = Date.now() - began;
      expect(result).toMatchObject({ status: 'failed', error: 'timed out after 1.5 s', series: [] });
      expect(took).toBeGreaterThanOrEqual(1400);
      expect(took).toBeLessThan(3000);
      expect(result.durationMs).toBeGreaterThanOrEqual(1400);
    } finally {
      await silent.close();
    }
  });

  it.each([
    [1, 200, 'text/html', '<html><body>It works!</body></html>', 'answer is not JSON (is the URL an InfluxDB 1.x server?)'],
    [1, 200, 'application/json', '{"status":"pass"}', 'answer has no "results" array (is the URL an InfluxDB 1.x server?)'],
    [1, 502, 'text/html', '<html>Bad Gateway</html>', 'HTTP 502 Bad Gateway'],
    [2, 200, 'text/html', '<html><body>It works!</body></html>', 'answer is not Flux CSV (is the URL an InfluxDB 2 server?): line 1 is not a Flux CSV header (no leading annotation column)'],
    [2, 200, 'text/csv', ',result,table,_value\r\n,_result,0\r\n', 'answer is not Flux CSV (is the URL an InfluxDB 2 server?): line 2 has 3 fields, its header (line 1) has 4'],
  ])('v%i: answer %i %s %j fails the source', async (version, status, contentType, body, error) => {
    const server = await startCannedServer(status, contentType, body);
    try {
      const settings = version === 1 ? telegrafSettings(server.url) : v2(server.url);
      const result = await collectInfluxdb(settings, [], influxContext(END, { INFLUXDB_TOKEN: 'secret-token' }));
      expect(result).toMatchObject({ status: 'failed', error, series: [] });
      expectOneLine(result.error, 'secret-token');
    } finally {
      await server.close();
    }
  });

  it('v2: a closed replay server fails with "connection refused"', async () => {
    const replay: FluxReplay = await startFluxReplay({ org: 'acme', token: 't' });
    const url = replay.url;
    await replay.close();
    const result = await collectInfluxdb(v2(url), [], influxContext(END, { INFLUXDB_TOKEN: 't' }));
    expect(result).toMatchObject({ status: 'failed', error: 'connection refused' });
  });

  it('refuses plain http unless allowed, and reports a bad URL, without throwing', async () => {
    const ctx = influxContext(END);
    const { createHttpClient } = await import('../../../src/collect/metrics/http.js');
    const strict = { ...ctx, http: createHttpClient({ allowInsecureHttp: false, caFile: null }) };
    const plain = await collectInfluxdb(telegrafSettings('http://127.0.0.1:9'), [], strict);
    expect(plain).toMatchObject({ status: 'failed', error: 'plain http refused; use https or set allow_insecure_http: true' });
    const bad = await collectInfluxdb(telegrafSettings('not a url'), [], ctx);
    expect(bad.status).toBe('failed');
    expectOneLine(bad.error);
  });
});

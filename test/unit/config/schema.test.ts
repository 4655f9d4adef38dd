import { z } from 'zod';
import { loadConfig } from '../../../src/config/load.js';
import { allowedKeysAt, closestKey, editDistance } from '../../../src/config/did-you-mean.js';
import { configSchema } from '../../../src/config/schema.js';
import { parseSizeBytes } from '../../../src/config/schema-primitives.js';
import { parseBand } from '../../../src/config/schema-thresholds.js';
import { fixture, loadError, loadText, textError } from './fixture.js';

describe('values are coerced by their key, never by the value alone', () => {
  test('numbers and booleans written as text become numbers and booleans', async () => {
    const config = await loadConfig(fixture('schema/coercion/dthostmon.yaml'), { env: { RETRIES: '2', DB_PORT: '5432' } });
    const doc = config.document as Record<string, Record<string, unknown>>;
    expect(config.pass).toMatchObject({ maxConcurrentHosts: 8, passTimeoutMs: 90500, retryAttempts: 2, retryBackoffMs: [500, 2000], logLevel: 'warn' });
    expect(doc.database).toMatchObject({ port: 5432, name: '0123', password: '0123' });
    expect(doc.email).toMatchObject({ use_tls: true, smtp_auth_required: false });
    expect(doc.pushover).toMatchObject({ enabled: false });
    expect(doc.api).toMatchObject({ enable_docs: false });
    expect(config.hosts[0]).toMatchObject({ name: '2024', port: 2222, enabled: true, tags: ['2024'], reportFrequency: 'weekly', logMaxBytesPerPass: 524288 });
  });

  test('"1" is true for a boolean key and 1 for a port; "yes" is not a port', () => {
    const config = loadText('hosts:\n  - name: a\n    hostname: h\n    user: u\n    port: "1"\n    enabled: "1"\n');
    expect(config.hosts[0]).toMatchObject({ port: 1, enabled: true });
    const err = textError('hosts:\n  - name: a\n    hostname: h\n    user: u\n    port: "yes"\n');
    expect(err.problems[0]).toMatchObject({ path: 'hosts[0].port', message: 'expected an integer from 1 to 65535, got "yes"' });
  });

  test('text keys keep their text: no octal, float or boolean surprises', () => {
    const config = loadText('api:\n  api_key: 1e3\nhosts:\n  - name: web.01\n    hostname: 010.1\n    user: "yes"\n    tags: [true, 0x1F]\n');
    expect((config.document as { api: { api_key: string } }).api.api_key).toBe('1e3');
    expect(config.hosts[0]).toMatchObject({ name: 'web.01', hostname: '010.1', user: 'yes', tags: ['true', '0x1F'] });
  });

  test('tags and recipients accept one text or a comma list; logs accept one path', () => {
    const config = loadText(
      'sites:\n  s1:\n    tags: "a, b,,c"\nhosts:\n  - name: x\n    hostname: h\n    user: u\n    site: s1\n    logs: /var/log/one.log\n    alert_recipients: ops@example.org\n',
    );
    expect(config.hosts[0]).toMatchObject({ tags: ['a', 'b', 'c'], logs: ['/var/log/one.log'] });
    expect((config.hosts[0] as { alertRecipients?: string[] }).alertRecipients).toEqual(['ops@example.org']);
  });

  test('empty list items and host names that are not path-safe are errors', () => {
    const err = textError('hosts:\n  - name: ../etc\n    hostname: h\n    user: u\n    tags: [a, ""]\n');
    expect(err.problems.map((p) => [p.path, p.message])).toEqual([
      ['hosts[0].name', 'host name: expected letters, digits, ".", "_" or "-", starting with a letter or digit, got "../etc"'],
      ['hosts[0].tags[1]', 'must not be empty'],
    ]);
  });
});

describe('resource threshold bands', () => {
  test('bad bands are errors (the original dropped them silently)', async () => {
    const file = fixture('schema/bad-bands/dthostmon.yaml');
    const err = await loadError(file);
    expect(err.message.split('\n')).toEqual([
      `${file}:4:11 global.resource_thresholds.info: band 60-31 is reversed: the low end must not exceed the high end`,
      `${file}:5:14 global.resource_thresholds.warning: band 61-101 is outside 0-100 percent`,
      `${file}:6:15 global.resource_thresholds.critical: expected a band "low-high" such as "0-30" or a list [0, 30], got "90+"`,
      `${file}:10:15 sites.s01.resource_thresholds.health: expected a band "low-high" such as "0-30" or a list [0, 30], got a list`,
      `${file}:12:16 sites.s01.resource_thresholds.warning: expected a band "low-high" such as "0-30" or a list [0, 30], got "high"`,
    ]);
  });

  test('parseBand reads strings, spaced strings and lists', () => {
    expect(parseBand('0-30')).toEqual({ band: { low: 0, high: 30 } });
    expect(parseBand(' 31 - 60 ')).toEqual({ band: { low: 31, high: 60 } });
    expect(parseBand([61, '89'])).toEqual({ band: { low: 61, high: 89 } });
    expect(parseBand('30.5-60')).toEqual({ band: { low: 30.5, high: 60 } });
    expect(parseBand([-1, 30])).toEqual({ error: 'band -1-30 is outside 0-100 percent' });
  });

  test('a site band overrides only that band', () => {
    const config = loadText('sites:\n  s1:\n    resource_thresholds:\n      critical: "80-100"\nhosts:\n  - name: x\n    hostname: h\n    user: u\n    site: s1\n');
    expect(config.hosts[0]?.resourceThresholds).toEqual({
      health: { low: 0, high: 30 },
      info: { low: 31, high: 60 },
      warning: { low: 61, high: 89 },
      critical: { low: 80, high: 100 },
    });
  });
});

describe('schema helpers', () => {
  test('sizes accept bytes and binary or decimal units', () => {
    expect(parseSizeBytes('8MiB')).toBe(8 * 1024 * 1024);
    expect(parseSizeBytes('512 KiB')).toBe(524288);
    expect(parseSizeBytes('1.5GB')).toBe(1.5e9);
    expect(parseSizeBytes('10k')).toBe(10240);
    expect(parseSizeBytes('4096')).toBe(4096);
    expect(parseSizeBytes('8 parsecs')).toBe('8 parsecs');
    expect(parseSizeBytes(100)).toBe(100);
  });

  test('edit distance counts a swap of neighbours as one', () => {
    expect(editDistance('prot', 'port')).toBe(1);
    expect(editDistance('hostnme', 'hostname')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(closestKey('Prot', ['port', 'user'])).toBe('port');
    expect(closestKey('zzzzzz', ['port', 'user'])).toBeNull();
  });

  test('allowed keys are found through lists, records and wrappers', () => {
    expect(allowedKeysAt(configSchema, ['hosts', 3])).toEqual(expect.arrayContaining(['name', 'hostname', 'log_paths', 'monitoring']));
    expect(allowedKeysAt(configSchema, ['sites', 'any', 'resource_thresholds'])).toEqual(['health', 'info', 'warning', 'critical']);
    expect(allowedKeysAt(configSchema, ['ai', 'opencode'])).toEqual(['host', 'port', 'auto_start', 'preferred_models', 'command', 'password', 'keep_running']);
    expect(allowedKeysAt(configSchema, ['hosts', 'x'])).toEqual([]);
    expect(allowedKeysAt(configSchema, ['global', 'log_level'])).toEqual([]);
  });

  test('the schema converts to a JSON Schema with the field documentation', () => {
    const json = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as {
      properties: Record<string, { description?: string; properties?: Record<string, { description?: string }> }>;
    };
    expect(json.properties.global?.properties?.pass_timeout?.description).toBe('Deadline of one whole pass, in seconds. Default 300.');
    expect(Object.keys(json.properties)).toEqual(['global', 'database', 'email', 'pushover', 'ai', 'ssh', 'api', 'sites', 'hosts', 'thresholds', 'alerts', 'silences', 'retention']);
  });
});

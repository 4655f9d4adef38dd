import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../../../src/errors.js';
import { fixture, loadError, textError } from './fixture.js';

describe('config errors are located and reported all at once', () => {
  test('a config with five different mistakes reports five located errors', async () => {
    const file = fixture('load-errors/five-mistakes/dthostmon.yaml');
    const err = await loadError(file);
    expect(err.exitCode).toBe(EXIT.usage);
    expect(err.problems.map((p) => [p.file, p.line, p.col, p.path])).toEqual([
      [file, 3, 3, 'global.pass_timout'],
      [file, 9, 17, 'sites.s01-prod.resource_thresholds.critical'],
      [file, 14, 11, 'hosts[0].port'],
      [file, 15, 11, 'hosts[1].name'],
      [file, 18, 5, 'hosts[2].hostname'],
    ]);
    expect(err.message.split('\n')).toEqual([
      `${file}:3:3 global.pass_timout: unknown key; did you mean "pass_timeout"?`,
      `${file}:9:17 sites.s01-prod.resource_thresholds.critical: expected a band "low-high" such as "0-30" or a list [0, 30], got "90+"`,
      `${file}:14:11 hosts[0].port: expected an integer from 1 to 65535, got "abc"`,
      `${file}:15:11 hosts[1].name: duplicate host name "web1" (first used by hosts[0] on line 11)`,
      `${file}:18:5 hosts[2].hostname: required for transport ssh (or set transport: local to monitor this machine)`,
    ]);
  });

  test('unknown keys point at the key and suggest the closest allowed key', async () => {
    const file = fixture('load-errors/unknown-keys/dthostmon.yaml');
    const err = await loadError(file);
    const lines = err.message.split('\n');
    expect(lines).toContain(`${file}:2:3 global.reportsdir: unknown key; did you mean "reports_dir"?`);
    expect(lines).toContain(`${file}:4:3 email.smtp_hots: unknown key; did you mean "smtp_host"?`);
    expect(lines).toContain(`${file}:7:5 hosts[0].hostnme: unknown key; did you mean "hostname"?`);
    expect(lines).toContain(`${file}:10:7 hosts[0].resource_thresholds.critcal: unknown key; did you mean "critical"?`);
    expect(lines).toContain(`${file}:11:1 frobnicate: unknown key`);
  });

  test('global host defaults that live in another section say where', () => {
    const err = textError('global:\n  key_path: ~/.ssh/k\n  thresholds: {cpu_percent: 70}\n  alert_recipients: [a@b.c]\n');
    expect(err.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'global.key_path: unknown key; the global key_path is set as ssh.key_path',
      'global.thresholds: unknown key; the global thresholds is set as the top-level thresholds section',
      'global.alert_recipients: unknown key; the global alert_recipients is set as email.alert_recipients',
    ]);
  });

  test('a small map lists its allowed keys when nothing is close', () => {
    const err = textError('thresholds:\n  load_average: 3\n');
    expect(err.problems[0]).toMatchObject({
      line: 2,
      col: 3,
      path: 'thresholds.load_average',
      message: 'unknown key (allowed: cpu_percent, memory_percent, disk_percent, failed_login_attempts)',
    });
  });

  test('a YAML syntax error is located', async () => {
    const file = fixture('load-errors/yaml-syntax/dthostmon.yaml');
    const err = await loadError(file);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({ file, line: 6, col: 3, path: '' });
    expect(err.message).toBe(`${file}:6:3: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`);
  });

  test('a duplicate key is located at the second occurrence', async () => {
    const file = fixture('load-errors/duplicate-key/dthostmon.yaml');
    const err = await loadError(file);
    expect(err.message).toBe(`${file}:5:5: invalid YAML: Map keys must be unique`);
  });

  test('a document that is not a map is one clear error', async () => {
    const file = fixture('load-errors/not-a-map/dthostmon.yaml');
    const err = await loadError(file);
    expect(err.message).toBe(`${file}:1:1: expected a map of sections (global, database, email, ssh, sites, hosts, ...)`);
  });

  test('wrong shapes and values name what was expected and what was found', async () => {
    const file = fixture('load-errors/structure/dthostmon.yaml');
    const err = await loadError(file);
    expect(err.message.split('\n')).toEqual([
      `${file}:1:9 global: expected a map, got "fast"`,
      `${file}:3:3 sites: expected a map of sites (id: settings), got a list`,
      `${file}:5:5 hosts[0]: expected a map, got "just-a-name"`,
      `${file}:9:11 hosts[1].tags: expected a list of texts, got a map`,
      `${file}:10:16 hosts[1].transport: expected one of "ssh", "local", got "telnet"`,
      `${file}:11:14 hosts[1].enabled: expected true or false (yes/no, on/off and 1/0 also work), got "maybe"`,
      `${file}:12:20 hosts[1].log_max_bytes: expected a size in bytes such as 8388608, "8MiB" or "512KiB", got "8 potatoes"`,
      `${file}:13:12 hosts[1].logs[0]: expected an absolute path or glob such as /var/log/syslog, got "var/log/syslog"`,
    ]);
  });

  test('a site id that is not path-safe is located at the key', () => {
    const err = textError('sites:\n  ok-site: {}\n  "bad id/..": {}\n');
    expect(err.problems).toEqual([
      expect.objectContaining({
        line: 3,
        col: 3,
        path: 'sites["bad id/.."]',
        message: 'site id: expected letters, digits, ".", "_" or "-", starting with a letter or digit',
      }),
    ]);
  });

  test('a missing required key points at its parent map', () => {
    const err = textError('hosts:\n  - hostname: 10.0.0.1\n    user: dtmon\n');
    expect(err.problems).toEqual([
      expect.objectContaining({ line: 2, col: 5, path: 'hosts[0].name', message: 'required key "name" is missing' }),
    ]);
  });

  test('user is required for ssh hosts unless inherited', () => {
    const err = textError('hosts:\n  - name: a\n    hostname: 10.0.0.1\n');
    expect(err.problems).toEqual([
      expect.objectContaining({
        line: 2,
        col: 5,
        path: 'hosts[0].user',
        message: 'required for transport ssh: set it on the host, its site or in global',
      }),
    ]);
  });

  test('a required value that substitutes to nothing says so', async () => {
    const file = fixture('load-errors/empty-required/dthostmon.yaml');
    const err = await loadError(file, { env: { HOST_NAME: '' } });
    expect(err.message).toBe(`${file}:2:5 hosts[0].name: is empty (after variable substitution) but a value is required`);
  });

  test('secret values never appear in error messages', async () => {
    const file = fixture('load-errors/secret-in-error/dthostmon.yaml');
    const err = await loadError(file, { env: { DB_PASSWORD: 's3cr3t-pass' } });
    expect(err.message).toBe(`${file}:3:9 database.port: expected an integer from 1 to 65535, got "********"`);
    expect(err.message).not.toContain('s3cr3t');
  });

  test('a missing file is one clear line', async () => {
    const file = fixture('load-errors/no-such-dir/dthostmon.yaml');
    const err = await loadError(file);
    expect(err.message).toBe(`${file}: config file not found`);
    expect(err.exitCode).toBe(EXIT.usage);
  });

  test('a directory is not a config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dthostmon-cfg-'));
    try {
      const err = await loadError(dir);
      expect(err.message).toBe(`${dir}: is a directory, not a config file`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('durations are bounded', () => {
  test('a timeout above one day is an error, not a timer that fires at once', () => {
    const err = textError('global:\n  pass_timeout: 2200000\nssh:\n  connect_timeout: 0\n');
    expect(err.problems.map((p) => [p.path, p.line])).toEqual([
      ['global.pass_timeout', 2],
      ['ssh.connect_timeout', 4],
    ]);
    expect(err.problems[0]!.message).toMatch(/at most 86400/);
  });
});

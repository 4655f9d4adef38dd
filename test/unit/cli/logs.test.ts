/**
 * The CLI's logs in-process: `run` off a terminal logs JSON lines (every line parsed, fields checked, a secret in a
 * warning redacted), on a terminal the old text lines; the fatal error is one JSON event in the JSON format, and with
 * --log-file it goes to the file (created 0640) while stderr keeps the plain line.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../helpers/cli.js';
import { cli } from '../../helpers/cli-in-process.js';
import type { LogEvent } from '../../helpers/logs.js';

const SECRET = 'api-key-secret-4711';

const parseLines = (text: string): LogEvent[] =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LogEvent);

describe('dthostmon logs (in-process)', () => {
  const dir = tempDir('dthm-logs-');
  const config = join(dir, 'dthostmon.yaml');
  const env = { API_KEY: SECRET, DTHOSTMON_LOG_FORMAT: '' };

  beforeAll(() => {
    writeFileSync(join(dir, 'syslog'), 'Nov 25 10:00:00 h kernel: [1.0] Out of memory: Killed process 12 (java) total-vm:1kB\n');
    // A file where the reports directory should be: the host report cannot be written, and the warning names the
    // path, which holds the secret.
    mkdirSync(join(dir, 'r'));
    writeFileSync(join(dir, 'r', SECRET), '');
    writeFileSync(
      config,
      [
        `global: {reports_dir: "${join(dir, 'r', SECRET, 'reports')}"}`,
        'api: {api_key: "${API_KEY}"}',
        'hosts:',
        '  - name: self',
        '    transport: local',
        `    logs: ["${join(dir, 'syslog')}"]`,
        '',
      ].join('\n'),
    );
  });

  it('run off a terminal: JSON lines on stderr with time, level, component, host, msg; the secret redacted; stdout unchanged', async () => {
    const res = await cli(['run', '-c', config, '--verbose'], { env });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Pass \d+ complete/);
    const events = parseLines(res.stderr);
    for (const e of events) {
      expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
      expect(['debug', 'info', 'warn', 'error']).toContain(e.level);
      expect(typeof e.component).toBe('string');
      expect(typeof e.msg).toBe('string');
    }
    expect(events.find((e) => e.msg === 'self: collecting')).toMatchObject({ level: 'debug', component: 'pass', host: 'self' });
    expect(events.find((e) => e.msg.startsWith('self: ok'))).toMatchObject({ component: 'pass', host: 'self', status: 'ok', score: expect.any(Number) });
    const warning = events.find((e) => e.level === 'warn');
    expect(warning).toMatchObject({ component: 'pass', host: 'self' });
    expect(warning?.msg).toMatch(/^self: could not write the host report: .*\/r\/\*{8}\/reports/);
    expect(res.stderr).not.toContain(SECRET);
  });

  it('run on a terminal (or --log-format text): the readable lines as before', async () => {
    const onTty = await cli(['run', '-c', config, '--verbose'], { env, tty: true });
    const forced = await cli(['run', '-c', config, '--verbose', '--log-format', 'text'], { env });
    for (const res of [onTty, forced]) {
      expect(res.code).toBe(0);
      const lines = res.stderr.trim().split('\n');
      expect(lines).toContain('self: collecting');
      expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^pass \d+: 1 host\(s\), at most \d+ at once$/), expect.stringMatching(/^self: ok score \d+$/)]));
      expect(lines.filter((l) => l.startsWith('warning: self: could not write the host report: '))).toHaveLength(1);
      expect(res.stderr).not.toContain(SECRET);
      expect(res.stderr).not.toContain('{"level"');
    }
  });

  it('--quiet in JSON: only the warnings', async () => {
    const res = await cli(['run', '-c', config, '--quiet'], { env });
    const levels = parseLines(res.stderr).map((e) => e.level);
    expect(levels.length).toBeGreaterThan(0);
    expect(new Set(levels)).toEqual(new Set(['warn']));
  });

  it('the fatal error in the JSON format: one event, level error, with the exit code', async () => {
    const res = await cli(['run', '-c', join(dir, 'missing.yaml')], { env: { DTHOSTMON_LOG_FORMAT: 'json' } });
    expect(res.code).toBe(2);
    const events = parseLines(res.stderr);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ level: 'error', component: 'run', exitCode: 2 });
    expect(events[0]!.msg).toContain('missing.yaml');
  });

  it('a config with several problems: one event listing them', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'hosts:\n  - name: a\n    nope: 1\n  - name: b\n    port: x\n');
    const text = await cli(['run', '-c', bad]);
    const json = await cli(['run', '-c', bad], { env: { DTHOSTMON_LOG_FORMAT: 'json' } });
    expect(json.code).toBe(2);
    const textLines = text.stderr.trim().split('\n');
    expect(textLines.at(-1)).toMatch(/^dthostmon: \d+ problems in the config; nothing was run$/);
    const [event, ...rest] = parseLines(json.stderr);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ level: 'error', msg: textLines.at(-1)!.replace(/^dthostmon: /, ''), problems: textLines.slice(0, -1) });
  });

  it('--log-file: the events go to the file (0640, JSON), the fatal error also stays one plain line on stderr', async () => {
    const file = join(dir, 'logs', 'dthostmon.log');
    mkdirSync(join(dir, 'logs'));
    const ok = await cli(['run', '-c', config, '--log-file', file], { env, tty: true });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('');
    // 0640 (less under a stricter umask): never readable by others.
    expect(statSync(file).mode & 0o777 & ~0o640).toBe(0);
    expect(statSync(file).mode & 0o600).toBe(0o600);
    const failed = await cli(['run', '-c', join(dir, 'missing.yaml'), '--log-file', file], { env, tty: true });
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/^no config file found; tried .*missing\.yaml \(-c\)\n$/);
    const events = parseLines(readFileSync(file, 'utf8'));
    expect(new Set(events.slice(0, -1).map((e) => e.level))).toEqual(new Set(['warn']));
    expect(events.at(-1)).toMatchObject({ level: 'error', component: 'run', exitCode: 2, msg: failed.stderr.trim() });
    expect(readFileSync(file, 'utf8')).not.toContain(SECRET);
  });

  it('bad logging flags: one line, exit 2', async () => {
    const format = await cli(['run', '-c', config, '--log-format', 'xml']);
    expect(format).toMatchObject({ code: 2, stderr: 'dthostmon: --log-format "xml": expected auto, text or json\n' });
    const file = await cli(['run', '-c', config, '--log-file', join(dir, 'no', 'such', 'x.log')]);
    expect(file).toMatchObject({ code: 2, stderr: `dthostmon: --log-file ${join(dir, 'no', 'such', 'x.log')}: cannot open it (no such directory)\n` });
    const envFormat = await cli(['run', '-c', config], { env: { DTHOSTMON_LOG_FORMAT: 'pretty' } });
    expect(envFormat).toMatchObject({ code: 2, stderr: 'dthostmon: DTHOSTMON_LOG_FORMAT="pretty": expected auto, text or json\n' });
  });
});

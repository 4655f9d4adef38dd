import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PassResult } from '../../../src/types.js';
import { tempDir } from '../../helpers/cli.js';
import { cli } from '../../helpers/cli-in-process.js';

describe('dthostmon CLI (in-process)', () => {
  const dir = tempDir('dthm-cli-');
  const log = join(dir, 'syslog');
  const config = join(dir, 'dthostmon.yaml');

  beforeAll(() => {
    writeFileSync(log, 'Nov 25 10:00:00 h kernel: [1.0] Out of memory: Killed process 12 (java) total-vm:1kB\n');
    writeFileSync(
      config,
      [
        'global: {reports_dir: reports}',
        'pushover: {enabled: true, api_token: "${PUSH_TOKEN}", user_key: "uk-secret-value"}',
        'hosts:',
        '  - name: self',
        '    transport: local',
        `    logs: ["${log}"]`,
        '  - name: off',
        '    transport: local',
        '    enabled: false',
        '',
      ].join('\n'),
    );
  });

  it('prints help with examples, and the version', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Examples:/);
    const version = await cli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('rejects unknown options and commands with exit 2', async () => {
    expect((await cli(['run', '--nope'])).code).toBe(2);
    const typo = await cli(['confg']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/config/);
  });

  it('runs a pass with --json, reading the config from $DTHOSTMON_CONFIG', async () => {
    const res = await cli(['run', '--json'], { env: { DTHOSTMON_CONFIG: config, PUSH_TOKEN: 'tok-secret-value' } });
    expect(res.code).toBe(0);
    const result = JSON.parse(res.stdout) as PassResult;
    expect(result.hosts.map((h) => h.name)).toEqual(['self']);
    expect(result.hosts[0]!.findings.map((f) => f.category)).toContain('kernel.oom_kill');
    expect(res.stdout).not.toContain('tok-secret-value');
  });

  it('prints a summary table, --verbose progress, and nothing on a healthy --quiet pass', async () => {
    const env = { PUSH_TOKEN: 'tok-secret-value' };
    const table = await cli(['run', '-c', config], { env });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Pass \d+ complete/);
    const verbose = await cli(['run', '-c', config, '--verbose'], { env });
    expect(verbose.stderr).toMatch(/self: collecting/);
    const quiet = await cli(['run', '-c', config, '--quiet', '--host', 'self'], { env });
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toBe('');
  });

  it('runs a named disabled host when asked, and rejects unknown names', async () => {
    const env = { PUSH_TOKEN: 'x-secret-value' };
    const named = await cli(['run', '-c', config, '--host', 'off', '--json'], { env });
    expect(named.code).toBe(0);
    expect((JSON.parse(named.stdout) as PassResult).hosts.map((h) => h.name)).toEqual(['off']);
    const unknown = await cli(['run', '-c', config, '--host', 'ghost'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/ghost.*no such host/);
  });

  it('config masks secrets, --show-secrets reveals them, --json is machine-readable', async () => {
    const env = { PUSH_TOKEN: 'tok-secret-value' };
    const masked = await cli(['config', '-c', config], { env });
    expect(masked.code).toBe(0);
    expect(masked.stdout).not.toMatch(/tok-secret-value|uk-secret-value/);
    expect(masked.stdout).toMatch(/Monitored hosts: 1 of 2/);
    const shown = await cli(['config', '-c', config, '--show-secrets'], { env });
    expect(shown.stdout).toContain('uk-secret-value');
    const json = await cli(['config', '-c', config, '--json'], { env });
    const parsed = JSON.parse(json.stdout) as { hosts: { name: string; origin: Record<string, string> }[] };
    expect(parsed.hosts.map((h) => h.name)).toEqual(['self', 'off']);
    expect(json.stdout).not.toContain('uk-secret-value');
  });

  it('config shows which hosts are collected as root through sudo', async () => {
    const withSudo = join(dir, 'sudo.yaml');
    writeFileSync(withSudo, 'global: {user: dtmon}\nhosts:\n  - {name: db, hostname: db.example.org, sudo: true}\n  - {name: web, hostname: web.example.org}\n');
    const table = await cli(['config', '-c', withSudo]);
    expect(table.stdout).toMatch(/ db +.* dtmon@db\.example\.org:22 \(sudo\) /);
    expect(table.stdout).toMatch(/ web +.* dtmon@web\.example\.org:22 +/);
    const json = JSON.parse((await cli(['config', '-c', withSudo, '--json'])).stdout) as { hosts: { name: string; sudo: boolean }[] };
    expect(json.hosts.map((h) => [h.name, h.sudo])).toEqual([
      ['db', true],
      ['web', false],
    ]);
  });

  it('reports a config error on every located line, exit 2, without a stack', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'global:\n  pass_timout: 3\nhosts:\n  - name: a\n    transport: local\n    port: x\n');
    const res = await cli(['config', '-c', bad]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/bad\.yaml:2:3 global\.pass_timout: .*did you mean "pass_timeout"/);
    expect(res.stderr).toMatch(/bad\.yaml:6:\d+ hosts\[0\]\.port: /);
    expect(res.stderr).toMatch(/2 problems/);
    expect(res.stderr).not.toMatch(/^\s+at /m);
  });

  it('db migrate says what it applied, then that the schema is up to date', async () => {
    const fresh = join(tempDir('dthm-cli-db-'), 'c.yaml');
    writeFileSync(fresh, 'hosts: []\n');
    const first = await cli(['db', 'migrate', '-c', fresh]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/applied 0001_initial/);
    const second = await cli(['db', 'migrate', '-c', fresh, '--json']);
    expect(JSON.parse(second.stdout)).toMatchObject({ applied: [] });
  });

  it('exits 3 with one line when the store cannot be opened', async () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const cfg = join(dir, 'store.yaml');
    writeFileSync(cfg, `database: {path: "${blocker}/db.sqlite"}\nhosts: [{name: self, transport: local}]\n`);
    const res = await cli(['run', '-c', cfg]);
    expect(res.code).toBe(3);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });
});

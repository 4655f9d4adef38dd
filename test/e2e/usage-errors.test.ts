import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { assertBuilt, runCli, tempDir, writeFile } from '../helpers/cli.js';

const noStack = (text: string): void => {
  expect(text).not.toMatch(/^\s+at /m);
};

describe('bad input exits 2 with one located line per problem', () => {
  const dir = tempDir('dthm-e2e-usage-');
  beforeAll(assertBuilt);

  it('a config with five mistakes prints five located errors', async () => {
    const path = writeFile(
      join(dir, 'five.yaml'),
      [
        'global:',
        '  max_concurent_hosts: 5', // 1: unknown key (typo)
        '  pass_timeout: soon', // 2: not a number
        'database:',
        '  password: ${DTHM_TEST_UNSET_PASSWORD}', // 3: missing variable
        'hosts:',
        '  - name: web-01',
        '    hostname: 10.0.0.1',
        '    user: mon',
        '    port: 99999', // 4: out of range
        '  - name: web-01', // 5: duplicate name
        '    hostname: 10.0.0.2',
        '    user: mon',
        '',
      ].join('\n'),
    );
    const res = await runCli(['run', '-c', path]);
    expect(res.code).toBe(2);
    noStack(res.stderr);
    const located = res.stderr.split('\n').filter((l) => /five\.yaml:\d+:\d+ /.test(l));
    expect(located).toHaveLength(5);
    expect(res.stderr).toMatch(/five\.yaml:2:3 global\.max_concurent_hosts: .*did you mean "max_concurrent_hosts"/);
    expect(res.stderr).toMatch(/five\.yaml:3:\d+ global\.pass_timeout: /);
    expect(res.stderr).toMatch(/five\.yaml:5:\d+ database\.password: .*DTHM_TEST_UNSET_PASSWORD/);
    expect(res.stderr).toMatch(/five\.yaml:10:\d+ hosts\[0\]\.port: /);
    expect(res.stderr).toMatch(/five\.yaml:11:\d+ hosts\[1\]\.name: .*web-01/);
  });

  it('a missing config file is one line, exit 2', async () => {
    const res = await runCli(['run', '-c', join(dir, 'nope.yaml')]);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain('nope.yaml');
  });

  it('no config anywhere names the places tried', async () => {
    const res = await runCli(['run'], { cwd: dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('config/dthostmon.yaml');
    noStack(res.stderr);
  });

  it('an unknown flag or command exits 2', async () => {
    const flag = await runCli(['run', '--frobnicate']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown option/);
    const cmd = await runCli(['rnu']);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toMatch(/run/);
  });

  it('an unknown --host exits 2 naming it', async () => {
    const path = writeFile(join(dir, 'ok.yaml'), 'hosts:\n  - name: self\n    transport: local\n');
    const res = await runCli(['run', '-c', path, '--host', 'ghost']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('ghost');
  });

  it('--help shows examples and exit codes', async () => {
    const res = await runCli(['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Examples:');
    expect(res.stdout).toContain('Exit codes');
  });

  it('an unreachable PostgreSQL store exits 3 without printing the password', async () => {
    const path = writeFile(
      join(dir, 'pg.yaml'),
      'database:\n  url: "postgres://dthm:s3cr3t-pw@127.0.0.1:1/dthostmon"\nhosts:\n  - name: self\n    transport: local\n',
    );
    const res = await runCli(['run', '-c', path]);
    expect(res.code).toBe(3);
    expect(res.stderr).not.toContain('s3cr3t-pw');
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    // The admins were told (no SMTP configured: an .eml file beside the config), once per hour: --verbose says so.
    const emails = readdirSync(join(dir, 'outbox')).filter((f) => f.endsWith('.eml'));
    expect(emails.some((f) => f.includes('the-store-cannot-be'))).toBe(true);
    const again = await runCli(['run', '-c', path, '--verbose']);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/admin alert: skipped: an admin alert about the store went out at .* \(at most one per hour\)/);
    expect(again.stderr).not.toContain('s3cr3t-pw');
  });
});

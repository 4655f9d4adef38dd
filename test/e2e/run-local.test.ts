import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { assertBuilt, runCli, tempDir, writeFile } from '../helpers/cli.js';
import type { PassResult } from '../../src/types.js';

const authLines = [
  ...Array.from({ length: 6 }, (_, i) =>
    `2026-11-25T10:00:0${i}.000000+00:00 web-01 sshd[${100 + i}]: Failed password for root from 203.0.113.9 port ${40000 + i} ssh2`),
  '2026-11-25T10:01:00.000000+00:00 web-01 kernel: [12345.678] Out of memory: Killed process 4242 (mysqld) total-vm:1000kB, anon-rss:900kB',
  '2026-11-25T10:02:00.000000+00:00 web-01 CRON[77]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)',
];

describe('dthostmon run over this machine (local transport, SQLite)', () => {
  const dir = tempDir('dthm-e2e-local-');
  const log = join(dir, 'auth.log');
  const configPath = join(dir, 'dthostmon.yaml');

  beforeAll(() => {
    assertBuilt();
    writeFile(log, authLines.map((l) => `${l}\n`).join(''));
    writeFile(
      configPath,
      [
        'global:',
        '  reports_dir: reports',
        '  pass_timeout: 60',
        'email:',
        '  smtp_auth_password: "hunter2-not-shown"',
        'hosts:',
        '  - name: self',
        '    transport: local',
        '    tags: [e2e]',
        `    logs: ["${log}", "${join(dir, 'missing.log')}"]`,
        '',
      ].join('\n'),
    );
  });

  const runJson = async (): Promise<PassResult> => {
    const res = await runCli(['run', '-c', configPath, '--json']);
    if (res.code !== 0) throw new Error(`exit ${res.code}: ${res.stderr}`);
    return JSON.parse(res.stdout) as PassResult;
  };

  it('stores a pass, finds the brute force and the OOM kill, writes a report', async () => {
    const result = await runJson();
    expect(result.status).toBe('complete');
    expect(result.hosts).toHaveLength(1);
    const host = result.hosts[0]!;
    expect(host.status).toBe('ok');
    expect(host.logBytesRead).toBe(statSync(log).size);
    const categories = host.findings.map((f) => f.category);
    expect(categories).toEqual(expect.arrayContaining(['auth.bruteforce', 'kernel.oom_kill', 'collect.source_failed']));
    const brute = host.findings.find((f) => f.category === 'auth.bruteforce')!;
    expect(brute.subject).toBe('203.0.113.9');
    expect(brute.count).toBe(6);
    expect(host.score).not.toBeNull();
    expect(host.score!).toBeLessThan(90);
    expect(host.reasons.length).toBeGreaterThan(0);
    expect(existsSync(join(dir, 'dthostmon.db'))).toBe(true);
    expect(host.reportPath).toBeTruthy();
    const report = readFileSync(host.reportPath!, 'utf8');
    expect(report).toContain('self');
    expect(report).toContain('203.0.113.9');
    expect(host.reportPath!.startsWith(join(dir, 'reports', 'self'))).toBe(true);
  });

  it('reads nothing when nothing was added, then exactly the appended bytes', async () => {
    const second = await runJson();
    expect(second.hosts[0]!.logBytesRead).toBe(0);
    const added = '2026-11-25T11:00:00.000000+00:00 web-01 sshd[900]: Accepted publickey for deploy from 198.51.100.4 port 5000 ssh2\n';
    appendFileSync(log, added);
    const third = await runJson();
    expect(third.hosts[0]!.logBytesRead).toBe(Buffer.byteLength(added));
    expect(third.hosts[0]!.previousScore).toBe(second.hosts[0]!.score);
  });

  it('prints a plain table without colour codes and never prints secrets', async () => {
    const res = await runCli(['run', '-c', configPath]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/self/);
    expect(res.stdout).toMatch(/\bok\b/);
    expect(res.stdout).not.toMatch(/\u001b\[/);
    expect(res.stdout + res.stderr).not.toContain('hunter2-not-shown');
  });

  it('--quiet prints only problems', async () => {
    const res = await runCli(['run', '-c', configPath, '--quiet']);
    expect(res.code).toBe(0);
    expect(res.stdout).not.toMatch(/Pass \d+ complete/);
  });

  it('config masks secrets unless --show-secrets', async () => {
    const masked = await runCli(['config', '-c', configPath]);
    expect(masked.code).toBe(0);
    expect(masked.stdout).not.toContain('hunter2-not-shown');
    expect(masked.stdout).toContain('********');
    expect(masked.stdout).toContain('self');
    const shown = await runCli(['config', '-c', configPath, '--show-secrets']);
    expect(shown.stdout).toContain('hunter2-not-shown');
  });

  it('db migrate reports an up-to-date schema', async () => {
    const res = await runCli(['db', 'migrate', '-c', configPath]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/up to date/);
  });
});

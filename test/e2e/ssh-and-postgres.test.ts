import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { startSshd } from '../helpers/sshd.js';
import { createTestSchema } from '../helpers/pg.js';
import { assertBuilt, runCli, tempDir, writeFile } from '../helpers/cli.js';
import type { PassResult } from '../../src/types.js';

type Sshd = NonNullable<Awaited<ReturnType<typeof startSshd>>>;

describe('a pass through a real sshd into PostgreSQL, through the built CLI', () => {
  const dir = tempDir('dthm-e2e-ssh-');
  const log = join(dir, 'remote auth.log'); // a space in the path on purpose
  let sshd: Sshd | null = null;
  let schema: Awaited<ReturnType<typeof createTestSchema>> = null;

  beforeAll(async () => {
    assertBuilt();
    sshd = await startSshd();
    schema = await createTestSchema('e2e');
    writeFile(log, 'Nov 25 10:00:00 web-01 sshd[1]: Invalid user admin from 198.51.100.7 port 4000\n');
  });
  afterAll(async () => {
    await sshd?.stop();
    await schema?.drop();
  });

  const writeConfig = (): string =>
    writeFile(
      join(dir, 'dthostmon.yaml'),
      [
        'global:',
        '  reports_dir: reports',
        'database:',
        `  url: "${schema!.url}"`,
        'ssh:',
        `  key_path: "${sshd!.keyPath}"`,
        'sites:',
        '  s01-lab: {tags: [lab]}',
        'hosts:',
        '  - name: web-01',
        '    hostname: 127.0.0.1',
        `    port: ${sshd!.port}`,
        `    user: ${sshd!.user}`,
        '    site: s01-lab',
        `    logs: ["${log}"]`,
        '',
      ].join('\n'),
    );

  it('collects facts and logs over SSH, stores them in PostgreSQL, and reads incrementally', async () => {
    if (!sshd || !schema) return; // skipped with a message (never under CI=true: the helpers throw there)
    const cfg = writeConfig();
    const first = await runCli(['run', '-c', cfg, '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const r1 = JSON.parse(first.stdout) as PassResult;
    const host = r1.hosts[0]!;
    expect(host.status).toBe('ok');
    expect(host.site).toBe('s01-lab');
    expect(host.logBytesRead).toBe(statSync(log).size);
    expect(host.findings.map((f) => f.category)).toContain('auth.invalid_user');
    expect(readFileSync(host.reportPath!, 'utf8')).toContain('web-01');

    appendFileSync(log, 'Nov 25 10:01:00 web-01 sshd[2]: Invalid user oracle from 198.51.100.8 port 4001\n');
    const second = JSON.parse((await runCli(['run', '-c', cfg, '--json'])).stdout) as PassResult;
    expect(second.hosts[0]!.logBytesRead).toBe(Buffer.byteLength('Nov 25 10:01:00 web-01 sshd[2]: Invalid user oracle from 198.51.100.8 port 4001\n'));

    const sql = postgres(schema.url, { max: 1, onnotice: () => undefined });
    try {
      const runs = await sql`select status, hosts_ok, hosts_failed from runs order by id`;
      expect(runs.map((r) => r.status)).toEqual(['complete', 'complete']);
      const metrics = await sql`select distinct name from metrics`;
      expect(metrics.map((m) => m.name)).toEqual(expect.arrayContaining(['memory.used_percent', 'load.1', 'disk.used_percent']));
      const hosts = await sql`select name, site from hosts`;
      expect(hosts).toEqual([{ name: 'web-01', site: 's01-lab' }]);
    } finally {
      await sql.end();
    }
  });

  it('a wrong key fails that host with one line and exit 1', async () => {
    if (!sshd || !schema) return;
    const otherKey = join(dir, 'other_key');
    const { execFileSync } = await import('node:child_process');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    const cfg = writeConfig().toString();
    writeFile(cfg, readFileSync(cfg, 'utf8').replace(sshd.keyPath, otherKey));
    const res = await runCli(['run', '-c', cfg]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/web-01: .*auth/i);
    expect(res.stdout + res.stderr).not.toMatch(/PRIVATE KEY/);
  });
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { assertBuilt, runCli, tempDir, writeFile } from '../helpers/cli.js';

/** `dthostmon report`: on-demand host and site reports from the store, through the real CLI. */
describe('dthostmon report', () => {
  const dir = tempDir('dthm-e2e-report-');
  const log = join(dir, 'auth.log');
  const configPath = join(dir, 'dthostmon.yaml');

  beforeAll(async () => {
    assertBuilt();
    writeFile(
      log,
      Array.from({ length: 6 }, (_, i) => `2026-11-25T10:00:0${i}.000000+00:00 web-01 sshd[${100 + i}]: Failed password for root from 203.0.113.9 port ${40000 + i} ssh2\n`).join(''),
    );
    writeFile(
      configPath,
      [
        'global:',
        '  reports_dir: reports',
        '  report_frequency: never',
        '  site_report_frequency: never',
        'email: {report_recipients: [reports@example.com], from_address: mon@example.com}',
        'hosts:',
        `  - {name: self, site: s01, transport: local, logs: ["${log}"]}`,
        `  - {name: other, site: s01, transport: local, logs: ["${log}"], enabled: false}`,
        '',
      ].join('\n'),
    );
    const pass = await runCli(['run', '-c', configPath, '--quiet']);
    expect(pass.code).toBe(0);
  }, 60_000);

  it('prints the Markdown host report of the period; --format json gives the model; --out writes the HTML file', async () => {
    const md = await runCli(['report', '-c', configPath, '--host', 'self', '--since', '2h']);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^# Host Status Report: self/);
    expect(md.stdout).toContain('SSH brute force from 203.0.113.9');
    const json = await runCli(['report', '-c', configPath, '--host', 'self', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: 'host', scope: 'self', model: { host: { name: 'self' } } });
    const globalJson = await runCli(['report', '-c', configPath, '--host', 'self', '--json']);
    expect(JSON.parse(globalJson.stdout)).toMatchObject({ kind: 'host', scope: 'self' });
    const out = await runCli(['report', '-c', configPath, '--site', 's01', '--format', 'html', '--out', 'site.html'], { cwd: dir });
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('');
    expect(readFileSync(join(dir, 'site.html'), 'utf8')).toMatch(/<!DOCTYPE html>[\s\S]*s01/i);
    const text = await runCli(['report', '-c', configPath, '--site', 's01', '--format', 'text']);
    expect(text.stdout).toContain('self');
  }, 60_000);

  it('--send without SMTP writes the report email as an .eml file, with the Markdown attached', async () => {
    const sent = await runCli(['report', '-c', configPath, '--host', 'self', '--send']);
    expect(sent.code).toBe(0);
    expect(sent.stderr).toMatch(/host report of self: written to .*\.eml \(HTML: .*-host-report\.html\)/);
    const files = readdirSync(join(dir, 'outbox')).filter((f) => f.endsWith('.eml') && f.includes('host-report'));
    expect(files).toHaveLength(1);
    const mail = await simpleParser(readFileSync(join(dir, 'outbox', files[0] as string)));
    expect(mail.subject).toMatch(/^\[dthostmon\] Host Report: self/);
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe('reports@example.com');
    expect(mail.attachments.map((a) => a.contentType)).toContain('text/markdown');
    expect(existsSync(join(dir, 'reports', 'self'))).toBe(true);
  }, 60_000);

  it('refuses bad flags in one line with exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['report'], /give exactly one of --host NAME or --site ID/],
      [['report', '--host', 'self', '--site', 's01'], /give exactly one of --host NAME or --site ID/],
      [['report', '--host', 'nope'], /--host nope: no such host in .* \(known: self, other\)/],
      [['report', '--site', 's99'], /--site s99: no enabled host has this site .* \(sites: s01; hosts without a site are "fleet"\)/],
      [['report', '--host', 'self', '--format', 'pdf'], /--format "pdf": expected one of md, html, text, json/],
      [['report', '--host', 'self', '--since', 'yesterday'], /--since "yesterday": expected a duration such as 24h, 7d or 90m/],
    ];
    for (const [args, message] of cases) {
      const res = await runCli([...args, '-c', configPath]);
      expect({ args, code: res.code }).toEqual({ args, code: 2 });
      expect(res.stderr).toMatch(message);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
    }
  }, 60_000);
});

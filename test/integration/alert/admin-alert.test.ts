import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { sendAdminAlert } from '../../../src/alert/admin-alert.js';
import { startSmtpPeer, type SmtpPeer } from '../delivery/smtp-peer.js';

describe('the admin alert of a pass that cannot run', () => {
  let dir: string;
  let smtp: SmtpPeer;
  const now = new Date('2026-11-26T10:17:00Z');

  beforeAll(async () => {
    smtp = await startSmtpPeer({ auth: { user: 'mon', pass: 'Sm7p-pa55' } });
  });
  afterAll(async () => {
    await smtp.close();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dthm-admin-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const emailSection = (port: number): string =>
    [
      'email:',
      '  smtp_host: 127.0.0.1',
      `  smtp_port: ${port}`,
      '  smtp_auth_user: mon',
      '  smtp_auth_password: ${SMTP_PASSWORD}',
      '  tls_verify: false',
      '  from_address: monitor@example.com',
      '  alert_recipients: [ops@example.com]',
      'alerts: {admin_recipients: [admin@example.com]}',
    ].join('\n');

  it('with the config broken elsewhere, emails the admins through its still-valid email section, once per hour', async () => {
    const config = join(dir, 'dthostmon.yaml');
    writeFileSync(config, `${emailSection(smtp.port)}\nhosts:\n  - {name: web-01, port: not-a-port}\n`);
    const input = { configPath: config, problem: 'config' as const, message: 'dthostmon.yaml:10:28 hosts[0].port: expected an integer', now, env: { SMTP_PASSWORD: 'Sm7p-pa55' }, runner: 'mon-1' };
    const before = smtp.received.length;
    const first = await sendAdminAlert(input);
    expect(first.outcome).toMatch(/^sent to admin@example.com via smtp:\/\/127\.0\.0\.1:\d+/);
    expect(smtp.received).toHaveLength(before + 1);
    const mail = await simpleParser(smtp.received[before]?.raw ?? '');
    expect(mail.subject).toBe('[CRIT] dthostmon: monitoring passes fail, the config cannot be loaded');
    expect(mail.text).toContain('hosts[0].port: expected an integer');
    expect(smtp.received[before]?.raw).not.toContain('Sm7p-pa55');
    // Within the hour: nothing more; a store outage is another problem and still goes out.
    const again = await sendAdminAlert({ ...input, now: new Date(now.getTime() + 59 * 60_000) });
    expect(again.outcome).toMatch(/^skipped: an admin alert about the config went out at 2026-11-26T10:17:00.000Z/);
    expect((await sendAdminAlert({ ...input, problem: 'store', now: new Date(now.getTime() + 60_000) })).outcome).toMatch(/^sent/);
    expect((await sendAdminAlert({ ...input, now: new Date(now.getTime() + 61 * 60_000) })).outcome).toMatch(/^sent/);
    expect(smtp.received).toHaveLength(before + 3);
  });

  it('with unreadable YAML, writes an .eml file beside the config instead', async () => {
    const config = join(dir, 'dthostmon.yaml');
    writeFileSync(config, 'email: [unclosed\n');
    const result = await sendAdminAlert({ configPath: config, problem: 'config', message: 'dthostmon.yaml:1:8: unexpected end', now, env: {}, runner: 'mon-1' });
    expect(result.outcome).toMatch(new RegExp(`^written to ${join(dir, 'outbox')}/.*\\.eml$`));
    const files = readdirSync(join(dir, 'outbox')).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(1);
    const mail = await simpleParser(readFileSync(join(dir, 'outbox', files[0] as string)));
    expect(mail.text).toContain('dthostmon.yaml:1:8: unexpected end');
    expect(existsSync(join(dir, 'outbox', '.admin-alert.json'))).toBe(true);
  });

  it('never throws: an SMTP server that is down is reported in the outcome', async () => {
    const config = join(dir, 'dthostmon.yaml');
    const down = await startSmtpPeer();
    const port = down.port;
    await down.close();
    writeFileSync(config, `${emailSection(port)}\nhosts: []\n`);
    const result = await sendAdminAlert({ configPath: config, problem: 'store', message: 'cannot open the store', now, env: { SMTP_PASSWORD: 'Sm7p-pa55' }, runner: 'mon-1' });
    expect(result.outcome).toMatch(/^failed: .*127\.0\.0\.1:\d+/);
    expect(result.outcome).not.toContain('Sm7p-pa55');
  });
});

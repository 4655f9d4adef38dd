/**
 * Issue #5 "done when", end to end through runPass with real peers: an SMTP server (STARTTLS + login) and a
 * loopback server speaking Pushover's API. Two simulated hosts of one site (local transport, each its own rootfs):
 * 0. the first pass over the hosts reads their logs' history: an old brute force is reported, not alerted;
 * 1. a pass with incidents sends ONE grouped alert email and ONE Pushover, and the due host and site reports arrive,
 *    the host reports with their trend charts as inline PNGs that render in Chromium without overflow;
 * 2. a second, quiet pass sends nothing;
 * 3. a pass with the SMTP server down loses nothing (Pushover still goes out), and the next pass, with the server
 *    back, delivers each message exactly once.
 */
import { appendFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser, type ParsedMail } from 'mailparser';
import { loadConfig } from '../../src/config/load.js';
import { createTransport } from '../../src/collect/create-transport.js';
import { runPass, type PassDeps } from '../../src/run-pass.js';
import { FIRST_LOOK_REASON } from '../../src/alert/state-machine.js';
import { listOutbox } from '../../src/store/outbox-repo.js';
import type { LoadedConfig } from '../../src/config/types.js';
import type { PassResult } from '../../src/types.js';
import { openTestStore, type TestStore } from '../helpers/store.js';
import { tempDir } from '../helpers/cli.js';
import { browserIt, measure, screenshot } from '../helpers/chromium.js';
import { emailConfigLines, startSmtpPeer, type SmtpPeer } from './delivery/smtp-peer.js';
import { PUSHOVER_TOKEN, PUSHOVER_USER, startPushoverPeer, type PushoverPeer } from './delivery/pushover-peer.js';

const SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/scenarios');
const HOUR = 3_600_000;
const SMTP_LOGIN = { user: 'monitor', pass: 'Sm7p-s3cret!' };
/** The scenario corpus's auth.log of each simulated host: the baseline first, then the lines its incident adds. */
const SCENARIO_OF = [
  ['web-01', 'ssh-bruteforce'],
  ['db-01', 'ssh-root-login'],
] as const;
/** A run of 12 failed root logins from one address (a brute force). */
function failedLogins(host: string, address: string, minute: string): string {
  return Array.from({ length: 12 }, (_, i) => `${minute}:${String(10 + i).padStart(2, '0')} ${host} sshd[5${i}]: Failed password for root from ${address} port ${40000 + i} ssh2\n`).join('');
}
/** The host reports' daily time: between the first pass (now - 4 h) and the second (now - 3 h), in UTC. */
const REPORT_AT = new Date(Date.now() - 3.5 * 3_600_000);
const REPORT_CRON = `${REPORT_AT.getUTCMinutes()} ${REPORT_AT.getUTCHours()} * * *`;

describe('a pass delivers alerts and reports through the outbox (SMTP + Pushover)', () => {
  let work: string;
  let store: TestStore;
  let smtp: SmtpPeer;
  let pushover: PushoverPeer;
  let config: LoadedConfig;
  let revoked: LoadedConfig;
  let offsetMs = 0;
  const path = process.env.PATH;
  const passes: PassResult[] = [];
  const mails: ParsedMail[] = [];

  const deps = (): PassDeps => ({ store, clock: () => new Date(Date.now() + offsetMs), createTransport, runner: hostname(), pid: process.pid, isPidAlive: () => false });
  const rootfs = (host: string): string => join(work, 'hosts', host);
  const parseNew = async (): Promise<ParsedMail[]> => {
    const fresh = await Promise.all(smtp.received.slice(mails.length).map((m) => simpleParser(m.raw, { skipImageLinks: true })));
    mails.push(...fresh);
    return fresh;
  };

  beforeAll(async () => {
    // Stub ss/systemctl/df/docker answer for the simulated hosts (as in the scenario corpus).
    process.env.PATH = `${join(SCENARIOS, '_stubs')}:${path ?? '/usr/bin:/bin'}`;
    work = tempDir('dthm-delivery-');
    for (const [host, scenario] of SCENARIO_OF) {
      cpSync(join(SCENARIOS, '_host'), rootfs(host), { recursive: true });
      mkdirSync(join(rootfs(host), 'var/log'), { recursive: true });
      writeFileSync(join(rootfs(host), 'var/log/auth.log'), readFileSync(join(SCENARIOS, scenario, 'baseline/var/log/auth.log')));
    }
    // Last week's brute force, already in the log when dthostmon first looks at the host.
    appendFileSync(join(rootfs('web-01'), 'var/log/auth.log'), failedLogins('web-01', '192.0.2.200', 'Nov 18 03:00'));
    smtp = await startSmtpPeer({ auth: SMTP_LOGIN });
    pushover = await startPushoverPeer();
    store = await openTestStore('sqlite');
    const configPath = join(work, 'dthostmon.yaml');
    writeFileSync(
      configPath,
      [
        'global:',
        `  reports_dir: ${JSON.stringify(join(work, 'reports'))}`,
        `  outbox_dir: ${JSON.stringify(join(work, 'outbox'))}`,
        '  max_concurrent_hosts: 2',
        '  logs: [/var/log/auth.log]',
        `  report_frequency: "${REPORT_CRON}"`,
        `  site_report_frequency: "${REPORT_CRON}"`,
        ...emailConfigLines(smtp.port),
        'pushover:',
        '  enabled: true',
        `  api_token: ${PUSHOVER_TOKEN}`,
        `  user_key: ${PUSHOVER_USER}`,
        `  base_url: ${pushover.baseUrl}`,
        'api: {public_url: "https://mon.example.com"}',
        'sites:',
        '  s01: {}',
        'hosts:',
        ...['web-01', 'db-01'].flatMap((h) => [`  - name: ${h}`, '    site: s01', '    transport: local', `    rootfs: ${JSON.stringify(rootfs(h))}`]),
        '',
      ].join('\n'),
    );
    config = await loadConfig(configPath, { env: { SMTP_PASSWORD: SMTP_LOGIN.pass } });
    // The same installation with a revoked Pushover token, for the dead-letter case.
    const revokedPath = join(work, 'revoked.yaml');
    writeFileSync(revokedPath, readFileSync(configPath, 'utf8').replace(`api_token: ${PUSHOVER_TOKEN}`, 'api_token: revoked0000000000000000000000000'));
    revoked = await loadConfig(revokedPath, { env: { SMTP_PASSWORD: SMTP_LOGIN.pass } });
  }, 60_000);

  afterAll(async () => {
    process.env.PATH = path;
    await smtp.close();
    await pushover.close();
    await store.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('pass 0 (first look): the existing logs are read and reported, their old brute force is not alerted', async () => {
    offsetMs = -4 * HOUR;
    const pass = await runPass(config, deps());
    expect(pass.hosts.map((h) => h.findings.some((f) => f.key === 'auth.bruteforce:192.0.2.200'))).toEqual([true, false]);
    expect(pass.delivery?.alertsMuted).toEqual(expect.arrayContaining([{ host: 'web-01', key: 'auth.bruteforce:192.0.2.200', mutedBy: FIRST_LOOK_REASON }]));
    expect(pass.delivery).toMatchObject({ alertsNotified: 0, queued: 0, sent: 0 });
    expect(smtp.received).toEqual([]);
    expect(pushover.requests).toEqual([]);
  }, 60_000);

  it('pass 1 (incidents): one grouped alert email, one Pushover, and the host and site reports', async () => {
    for (const [host, scenario] of SCENARIO_OF) {
      const baseline = readFileSync(join(SCENARIOS, scenario, 'baseline/var/log/auth.log'));
      appendFileSync(join(rootfs(host), 'var/log/auth.log'), readFileSync(join(SCENARIOS, scenario, 'current/var/log/auth.log')).subarray(baseline.length));
    }
    offsetMs = -3 * HOUR;
    const pass = await runPass(config, deps());
    passes.push(pass);
    expect(pass.hosts.map((h) => [h.name, h.status])).toEqual([
      ['web-01', 'ok'],
      ['db-01', 'ok'],
    ]);
    const fresh = await parseNew();
    const alerts = fresh.filter((m) => m.subject?.includes('dthostmon Alert'));
    expect(alerts).toHaveLength(1);
    const alert = alerts[0] as ParsedMail;
    expect(alert.subject).toBe('[CRIT] dthostmon Alert: 2 alerts on 2 hosts');
    expect(smtp.received.find((m) => m.raw.includes(alert.messageId ?? '?'))?.envelope.to).toEqual(['ops@example.com']);
    expect(alert.text).toContain('[crit] NEW: ');
    expect(alert.text).toContain('203.0.113.50');
    expect(alert.text).toContain('Full report: https://mon.example.com/hosts/web-01/report');
    expect(alert.html).toContain('db-01');

    expect(pushover.requests).toHaveLength(1);
    expect(pushover.requests[0]?.fields).toMatchObject({ title: '🚨 CRIT: web-01', priority: '1', url: 'https://mon.example.com/hosts/web-01/report' });

    const reports = fresh.filter((m) => m.subject?.startsWith('[dthostmon] Host Report') || m.subject?.startsWith('[dthostmon] Site Report'));
    expect(reports.map((m) => m.subject?.replace(/ —.*/, '')).sort()).toEqual(['[dthostmon] Host Report: db-01', '[dthostmon] Host Report: web-01', '[dthostmon] Site Report: s01']);
    for (const report of reports) {
      expect(smtp.received.find((m) => m.raw.includes(report.messageId ?? '?'))?.envelope.to).toEqual(['reports@example.com']);
      expect(report.attachments.some((a) => a.filename?.endsWith('.md') && a.contentType === 'text/markdown')).toBe(true);
      expect(report.text?.length).toBeGreaterThan(100);
    }
    const web = reports.find((m) => m.subject?.includes('web-01')) as ParsedMail;
    const images = web.attachments.filter((a) => a.contentType === 'image/png');
    expect(images.length).toBeGreaterThanOrEqual(1);
    for (const image of images) {
      expect(image.contentDisposition).toBe('inline');
      expect(web.html).toContain(`cid:${image.cid}`);
      expect(image.content.subarray(1, 4).toString()).toBe('PNG');
    }
    expect(fresh).toHaveLength(4);
    expect(pass.delivery).toMatchObject({ alertsNotified: 2, sent: 5, failed: 0, dead: [] });
    expect(pass.delivery?.reports?.map((r) => `${r.kind}:${r.scope}`).sort()).toEqual(['host:db-01', 'host:web-01', 'site:s01']);
    const hostsRows = await store.db.selectFrom('hosts').select(['name', 'last_report_sent']).orderBy('name').execute();
    expect(hostsRows.map((h) => [h.name, h.last_report_sent !== null])).toEqual([
      ['db-01', true],
      ['web-01', true],
    ]);
    // The SMTP password never reaches the store.
    expect(JSON.stringify(await listOutbox(store.db))).not.toContain(SMTP_LOGIN.pass);
  }, 90_000);

  browserIt('the host report email renders in Chromium at 600 px with its charts, without horizontal overflow', async () => {
    const web = mails.find((m) => m.subject?.startsWith('[dthostmon] Host Report: web-01')) as ParsedMail;
    let html = String(web.html);
    for (const a of web.attachments) if (a.cid) html = html.split(`cid:${a.cid}`).join(`data:${a.contentType};base64,${a.content.toString('base64')}`);
    const measured = await measure(html, work, 'delivered-host-report');
    expect(measured.wide).toEqual([]);
    expect(measured.scrollWidth).toBeLessThanOrEqual(measured.innerWidth);
    const png = await screenshot(html, work, 'delivered-host-report');
    expect(readFileSync(png).length).toBeGreaterThan(10_000);
  }, 60_000);

  it('pass 2 (quiet, an hour later): nothing is sent', async () => {
    offsetMs = -2 * HOUR;
    const before = { mails: smtp.received.length, pushes: pushover.requests.length };
    const pass = await runPass(config, deps());
    expect(pass.delivery).toMatchObject({ alertsNotified: 0, queued: 0, sent: 0 });
    expect(smtp.received.length).toBe(before.mails);
    expect(pushover.requests.length).toBe(before.pushes);
  }, 60_000);

  it('pass 3 (SMTP down, new incident): Pushover goes out, the email waits; pass 4 (SMTP back) delivers it exactly once', async () => {
    const port = smtp.port;
    await smtp.close();
    appendFileSync(join(rootfs('db-01'), 'var/log/auth.log'), failedLogins('db-01', '198.51.100.99', 'Nov 25 11:00'));
    offsetMs = -1 * HOUR;
    const pushesBefore = pushover.requests.length;
    const down = await runPass(config, deps());
    expect(down.delivery).toMatchObject({ alertsNotified: 1, sent: 1, failed: 1, dead: [] });
    expect(pushover.requests.length).toBe(pushesBefore + 1);
    const waiting = await listOutbox(store.db, { status: 'pending' });
    expect(waiting.map((m) => [m.kind, m.attempts])).toEqual([['alert', 1]]);
    expect(waiting[0]?.lastError).toMatch(/127\.0\.0\.1:\d+/);

    // Back on the same port; the next pass after the 5-minute backoff delivers it once, and nothing else.
    const received = smtp.received;
    smtp = await startSmtpPeer({ auth: SMTP_LOGIN, port });
    offsetMs = -1 * HOUR + 10 * 60_000;
    const up = await runPass(config, deps());
    expect(up.delivery).toMatchObject({ alertsNotified: 0, sent: 1, failed: 0 });
    expect(smtp.received).toHaveLength(1);
    const mail = await simpleParser(smtp.received[0]?.raw ?? '');
    expect(mail.subject).toBe('[CRIT] dthostmon Alert: db-01: SSH brute force from 198.51.100.99: 12 failed password logins');
    expect(received.map((m) => m.raw)).not.toContain(smtp.received[0]?.raw);

    offsetMs = -1 * HOUR + 20 * 60_000;
    await runPass(config, deps());
    expect(smtp.received).toHaveLength(1);
    expect(await listOutbox(store.db, { status: 'pending' })).toEqual([]);
  }, 120_000);

  it('a message refused for good is dead-lettered at once: in the pass result and in the audit log', async () => {
    appendFileSync(join(rootfs('web-01'), 'var/log/auth.log'), failedLogins('web-01', '192.0.2.77', 'Nov 25 12:00'));
    offsetMs = -30 * 60_000;
    const pass = await runPass(revoked, deps());
    expect(pass.delivery?.dead).toEqual([expect.objectContaining({ channel: 'pushover', error: expect.stringMatching(/application token is invalid/) })]);
    expect(JSON.stringify(pass.delivery)).not.toContain('revoked0000');
    const audit = await store.db.selectFrom('audit_log').select(['action', 'detail']).where('action', '=', 'delivery.dead_letter').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]?.detail ?? '{}')).toMatchObject({ channel: 'pushover', kind: 'alert' });
  }, 60_000);
});

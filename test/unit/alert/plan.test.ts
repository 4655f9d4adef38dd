import { alertMessageModel, renderAlertEmail, renderPushover, renderSms } from '../../../src/alert/messages.js';
import { planAlerts, recipientsFor, type PlanInput } from '../../../src/alert/plan.js';
import type { AlertRecord } from '../../../src/alert/state-machine.js';
import { loadConfigText } from '../../../src/config/load.js';
import type { DeliverySettings } from '../../../src/config/delivery.js';
import { createRenderer } from '../../../src/report/render.js';
import type { Finding, HostPassResult, ResolvedHost, Severity } from '../../../src/types.js';
import { makeHost } from '../../helpers/host.js';

const NOW = new Date('2026-11-26T10:17:00Z');

function delivery(yaml = ''): DeliverySettings {
  const text = `email: {smtp_host: mail, alert_recipients: [ops@example.com]}\napi: {public_url: "https://mon.example.com"}\n${yaml}\nhosts:\n  - {name: x, hostname: x, user: u}\n`;
  return loadConfigText(text, '/nonexistent/dthostmon.yaml', { env: {}, homeDir: '/home/me' }).delivery;
}

function finding(key: string, severity: Severity, extra: Partial<Finding> = {}): Finding {
  const [category] = key.split(':') as [Finding['category']];
  return { category, severity, ruleId: 'test', title: `${key} title`, key, count: 1, evidence: [], ...extra };
}

function result(host: ResolvedHost, findings: Finding[], status: HostPassResult['status'] = 'ok'): HostPassResult {
  return { name: host.name, site: host.site, status, error: null, score: status === 'failed' ? null : 71, previousScore: null, health: null, reasons: [], findings, logBytesRead: 0, durationMs: 1, reportPath: null };
}

const input = (host: ResolvedHost, findings: Finding[], records: AlertRecord[] = [], status: HostPassResult['status'] = 'ok'): PlanInput => ({ host, result: result(host, findings, status), records });

describe('planAlerts', () => {
  const web = makeHost({ name: 'web-01', site: 's01' });
  const db = makeHost({ name: 'db-01', site: 's01' });
  const lab = makeHost({ name: 'lab-01', site: 's02', alertRecipients: ['lab@example.com'], origin: { alertRecipients: 'site' } });
  const brute = finding('auth.bruteforce:203.0.113.9', 'crit', {
    recommendation: 'Block 203.0.113.9',
    evidence: [{ source: '/var/log/auth.log', lines: ['Failed password for root from 203.0.113.9', 'x'.repeat(500)] }],
  });

  it('groups every notification of the pass per recipient list, most severe first, with evidence and a report link', () => {
    const plan = planAlerts(
      [input(web, [brute, finding('disk.usage:/', 'warn')]), input(db, [finding('service.failed:nginx', 'crit')]), input(lab, [finding('kernel.oom_kill:java', 'crit')])],
      NOW,
      delivery(),
    );
    expect(plan.emails.map((g) => [g.recipients, g.items.map((i) => `${i.severity} ${i.host} ${i.key}`)])).toEqual([
      [['ops@example.com'], ['crit db-01 service.failed:nginx', 'crit web-01 auth.bruteforce:203.0.113.9', 'warn web-01 disk.usage:/']],
      [['lab@example.com'], ['crit lab-01 kernel.oom_kill:java']],
    ]);
    const item = plan.emails[0]?.items[1];
    expect(item).toMatchObject({ recommendation: 'Block 203.0.113.9', source: '/var/log/auth.log', link: 'https://mon.example.com/hosts/web-01/report', score: 71 });
    expect(item?.excerpt[1]).toHaveLength(300);
    expect(plan.states.map((s) => s.records.length)).toEqual([2, 1, 1]);
    expect(plan.sms).toBeNull();
    expect(plan.pushover).toEqual([]);
  });

  it('never alerts on AI findings (reported only): the rule findings they cite are what alerts', () => {
    const ai = finding('ai.finding:security:0123456789ab', 'crit', { ruleId: 'ai:openai', evidence: [{ source: '/var/log/auth.log', lines: ['[F1] brute force'] }] });
    const plan = planAlerts([input(web, [ai, brute])], NOW, delivery());
    expect(plan.emails.flatMap((g) => g.items.map((i) => i.key))).toEqual(['auth.bruteforce:203.0.113.9']);
    expect(plan.states[0]?.records.map((r) => r.key)).toEqual(['auth.bruteforce:203.0.113.9']);
  });

  it('routes by severity: info only to the info list, below min_severity never; SMS and Pushover get crit only', () => {
    const d = delivery('alerts: {min_severity: info, recipients: {crit: [boss@x], info: [log@x], sms: [555@sms.example.com]}}\npushover: {enabled: true, api_token: t, user_key: u}');
    expect(recipientsFor(web, 'crit', d)).toEqual(['boss@x']);
    expect(recipientsFor(web, 'warn', d)).toEqual(['ops@example.com']);
    expect(recipientsFor(lab, 'warn', d)).toEqual(['lab@example.com']);
    const plan = planAlerts([input(web, [brute, finding('disk.usage:/', 'warn'), finding('package.installed:vim', 'info')])], NOW, d);
    expect(plan.emails.map((g) => [g.recipients.join(), g.items.length])).toEqual([
      ['boss@x', 1],
      ['ops@example.com', 1],
      ['log@x', 1],
    ]);
    expect(plan.sms?.items.map((i) => i.key)).toEqual(['auth.bruteforce:203.0.113.9']);
    expect(plan.pushover.map((i) => i.key)).toEqual(['auth.bruteforce:203.0.113.9']);
    // Default min_severity warn: an info finding is recorded but not notified.
    const quiet = planAlerts([input(web, [finding('package.installed:vim', 'info')])], NOW, delivery());
    expect(quiet.emails).toEqual([]);
    expect(quiet.states[0]?.records).toHaveLength(1);
  });

  it('a second pass with the same open problems sends nothing; muted notifications are kept apart with their reason', () => {
    const d = delivery('silences: [{host: "db-*", until: "2026-12-01", reason: "migration"}]');
    const first = planAlerts([input(web, [brute]), input(db, [finding('service.failed:nginx', 'crit')])], NOW, d);
    expect(first.emails.flatMap((g) => g.items.map((i) => i.host))).toEqual(['web-01']);
    expect(first.muted.map((i) => [i.host, i.mutedBy])).toEqual([['db-01', 'silenced until 2026-12-01T00:00:00.000Z: migration']]);
    expect(first.states[1]?.mutedBy.get('service.failed:nginx')).toMatch(/migration/);
    const second = planAlerts([input(web, [brute], first.states[0]?.records)], new Date(NOW.getTime() + 3600_000), d);
    expect(second.emails).toEqual([]);
  });

  it('with SMTP but no recipient, notifications are unrouted; without SMTP they still become an .eml file; enabled: false records only', () => {
    const noRecipients = loadConfigText('email: {smtp_host: mail}\nhosts:\n  - {name: x, hostname: x, user: u}\n', '/nonexistent/d.yaml', { env: {} }).delivery;
    expect(planAlerts([input(web, [brute])], NOW, noRecipients).unrouted.map((i) => i.key)).toEqual(['auth.bruteforce:203.0.113.9']);
    const noSmtp = loadConfigText('hosts:\n  - {name: x, hostname: x, user: u}\n', '/nonexistent/d.yaml', { env: {} }).delivery;
    const asFile = planAlerts([input(web, [brute])], NOW, noSmtp);
    expect(asFile.unrouted).toEqual([]);
    expect(asFile.emails.map((g) => [g.recipients, g.items.length])).toEqual([[[], 1]]);
    const off = planAlerts([input(web, [brute])], NOW, delivery('alerts: {enabled: false}'));
    expect(off.emails).toEqual([]);
    expect(off.states[0]?.records[0]).toMatchObject({ notifiedAt: NOW.toISOString() });
  });
});

describe('alert messages', () => {
  const renderer = createRenderer();
  const hostile = makeHost({ name: 'web-01', site: 's01' });
  const evil = finding('auth.invalid_user:<script>', 'crit', {
    title: 'Invalid user <script>alert(1)</script>\nSubject: forged',
    recommendation: 'Check <b>this</b>',
    evidence: [{ source: '/var/log/auth.log', lines: ['Invalid user <img src=x onerror=alert(1)> from 198.51.100.7', '`fence` | pipe'] }],
  });

  it('renders one grouped email (subject, text, HTML), an SMS line and a Pushover message; host data cannot inject', () => {
    const plan = planAlerts([input(hostile, [evil, finding('disk.usage:/', 'warn')])], NOW, delivery('alerts: {recipients: {sms: [555@sms.example.com]}}'));
    const model = alertMessageModel(plan.emails[0]?.items ?? [], NOW, 42);
    const email = renderAlertEmail(renderer, model);
    expect(email.subject).toBe('[CRIT] dthostmon Alert: web-01 (2 alerts)');
    expect(email.text).toContain('[crit] NEW: Invalid user <script>alert(1)</script> Subject: forged');
    expect(email.text).toContain('    Invalid user <img src=x onerror=alert(1)> from 198.51.100.7');
    expect(email.text).toContain('Full report: https://mon.example.com/hosts/web-01/report');
    expect(email.html).not.toMatch(/<script|<img|<b>this/);
    expect(email.html).toContain('Invalid user &lt;script&gt;alert(1)&lt;/script&gt; Subject: forged');
    expect(email.html).toContain('href="https://mon.example.com/hosts/web-01/report"');
    for (const line of email.html.split('\n')) expect(line.length).toBeLessThanOrEqual(998);
    const one = renderAlertEmail(renderer, alertMessageModel(plan.emails[0]?.items.slice(1) ?? [], NOW, 42));
    expect(one.subject).toBe('[WARN] dthostmon Alert: web-01: disk.usage:/ title');
    const sms = renderSms(renderer, alertMessageModel(plan.sms?.items ?? [], NOW, 42));
    expect(sms.text).toBe('web-01: Invalid user <script>alert(1)</script> Subject: forged');
    const push = renderPushover(renderer, model);
    expect(push).toEqual({ title: '🚨 CRIT: web-01', message: expect.stringContaining('web-01: disk.usage:/ title'), url: 'https://mon.example.com/hosts/web-01/report' });
  });

  it('a pass where only conditions recovered says RESOLVED', () => {
    const first = planAlerts([input(hostile, [finding('disk.usage:/', 'crit')])], NOW, delivery());
    const second = planAlerts([input(hostile, [], first.states[0]?.records)], new Date(NOW.getTime() + 3600_000), delivery());
    const model = alertMessageModel(second.emails[0]?.items ?? [], NOW, 43);
    expect(renderAlertEmail(renderer, model).subject).toBe('[RESOLVED] dthostmon Alert: web-01: disk.usage:/ title');
    expect(renderPushover(renderer, model).title).toBe('✅ RESOLVED: web-01');
  });
});

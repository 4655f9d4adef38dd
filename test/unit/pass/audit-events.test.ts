import type { AlertItem } from '../../../src/alert/plan.js';
import {
  alertQueuedEvents,
  configChangedEvent,
  hostAuditRows,
  messageSentEvent,
  reportSentEvent,
  type HostOutcome,
} from '../../../src/pass/audit-events.js';
import { makeHost } from '../../helpers/host.js';
import { sampleFinding } from '../store/sample-data.js';

const AT = '2026-03-01T10:00:00.000Z';
const CONNECTED_AT = '2026-03-01T09:59:58.000Z';
const SECRET = 'Hunter2-very-secret';
const ref = { actor: 'run', at: AT, runId: 7, hostId: 3 };

function outcome(overrides: Partial<HostOutcome> = {}): HostOutcome {
  return { name: 'web-01', status: 'ok', score: 72, health: 'minor', error: null, findings: [sampleFinding(), sampleFinding({ severity: 'info', key: 'x' })], ...overrides };
}

function alertItem(overrides: Partial<AlertItem> = {}): AlertItem {
  return {
    host: 'web-01',
    site: null,
    kind: 'opened',
    severity: 'crit',
    category: 'auth.bruteforce',
    key: 'auth.bruteforce:203.0.113.9',
    title: '42 failed SSH logins',
    recommendation: null,
    excerpt: ['Failed password for root'],
    source: '/var/log/auth.log',
    link: null,
    score: 72,
    mutedBy: null,
    ...overrides,
  } as AlertItem;
}

describe('audit rows of a host', () => {
  it('records an SSH connection with its target, auth method, host key and attempts, then the analysis', () => {
    const host = makeHost({ hostname: '10.0.0.5', port: 2222, user: 'dtmon', ssh: { keyPath: '/keys/id_ed25519', useAgent: true, connectTimeoutMs: 10_000 } });
    const rows = hostAuditRows(host, { at: CONNECTED_AT, attempts: 2, hostKey: { algorithm: 'ssh-ed25519', fingerprint: 'SHA256:abc' }, error: null }, outcome({ ai: { status: 'ok', provider: 'openai', model: 'gpt', reason: null, llmScore: 70, findings: 1, droppedClaims: 0, calls: 1, tokensIn: 1, tokensOut: 1, costUsd: 0 }, findings: [sampleFinding(), sampleFinding({ category: 'ai.finding', severity: 'warn' })] }), ref, [SECRET]);

    expect(rows).toEqual([
      {
        at: CONNECTED_AT,
        actor: 'run',
        action: 'host.connected',
        hostId: 3,
        runId: 7,
        detail: { host: 'web-01', transport: 'ssh', address: '10.0.0.5', port: 2222, user: 'dtmon', auth: 'publickey,agent', keyFile: '/keys/id_ed25519', attempts: 2, hostKeyType: 'ssh-ed25519', hostKey: 'SHA256:abc' },
      },
      {
        at: AT,
        actor: 'run',
        action: 'host.analyzed',
        hostId: 3,
        runId: 7,
        // The rules' counts (the score's); the AI's findings are counted apart.
        detail: { host: 'web-01', status: 'ok', score: 72, health: 'minor', findings: { crit: 1, warn: 0, info: 0 }, ai: { status: 'ok', provider: 'openai', model: 'gpt', findings: 1 } },
      },
    ]);
  });

  it('records a failed connection with its one-line reason, secrets masked, and the host as failed', () => {
    const host = makeHost({ ssh: { keyPath: null, connectTimeoutMs: 10_000 } });
    const error = `ssh dtmon@10.0.0.5:22: authentication failed (${SECRET} refused)\nsecond line`;
    const rows = hostAuditRows(host, { at: CONNECTED_AT, attempts: 1, hostKey: null, error }, outcome({ status: 'failed', score: null, health: null, error: `connect: ${SECRET}`, findings: [] }), ref, [SECRET]);

    expect(rows.map((r) => r.action)).toEqual(['host.connect_failed', 'host.failed']);
    expect(rows[0]?.detail).toMatchObject({ auth: 'agent', attempts: 1, reason: 'ssh dtmon@10.0.0.5:22: authentication failed (******** refused)' });
    expect(rows[0]?.detail).not.toHaveProperty('keyFile');
    expect(rows[1]?.detail).toEqual({ host: 'web-01', status: 'failed', findings: { crit: 0, warn: 0, info: 0 }, reason: 'connect: ********' });
    expect(JSON.stringify(rows)).not.toContain(SECRET);
  });

  it('records a local host by its rootfs, a partial one with its reason, and no connection row when none was tried', () => {
    const host = makeHost({ transport: 'local', rootfs: '/srv/hosts/a' });
    const rows = hostAuditRows(host, { at: CONNECTED_AT, attempts: 1, hostKey: null, error: null }, outcome({ status: 'partial', error: 'journald: not readable' }), ref, []);
    expect(rows[0]?.detail).toEqual({ host: 'web-01', transport: 'local', rootfs: '/srv/hosts/a', attempts: 1 });
    expect(rows[1]?.detail).toMatchObject({ status: 'partial', partial: 'journald: not readable' });

    const deadline = hostAuditRows(host, null, outcome({ status: 'failed', score: null, health: null, error: 'pass deadline of 600 s reached while collecting' }), ref, []);
    expect(deadline.map((r) => [r.action, r.detail])).toEqual([
      ['host.failed', { host: 'web-01', status: 'failed', findings: { crit: 1, warn: 0, info: 1 }, reason: 'pass deadline of 600 s reached while collecting' }],
    ]);
  });
});

describe('audit rows of alerts, messages, reports and config changes', () => {
  it('records each alert item once, with every channel it was queued on and how many addresses', () => {
    const brute = alertItem();
    const disk = alertItem({ host: 'db-01', key: 'disk.usage:/', severity: 'warn', category: 'disk.usage', kind: 'escalated' });
    const plan = {
      emails: [
        { recipients: ['ops@example.com', 'Lead@example.com'], items: [brute, disk] },
        { recipients: ['lead@example.com', 'dba@example.com'], items: [disk] },
      ],
      sms: { recipients: ['5551234@sms.example.com'], items: [brute] },
      pushover: [brute],
    };
    const rows = alertQueuedEvents(plan, true, { actor: 'worker:w2', at: AT, runId: 7 }, new Map([['web-01', 1], ['db-01', 2]]));
    expect(rows).toEqual([
      { at: AT, actor: 'worker:w2', action: 'alert.queued', hostId: 1, runId: 7, detail: { host: 'web-01', key: 'auth.bruteforce:203.0.113.9', kind: 'opened', severity: 'crit', category: 'auth.bruteforce', channels: ['email', 'sms', 'pushover'], recipients: 3 } },
      { at: AT, actor: 'worker:w2', action: 'alert.queued', hostId: 2, runId: 7, detail: { host: 'db-01', key: 'disk.usage:/', kind: 'escalated', severity: 'warn', category: 'disk.usage', channels: ['email'], recipients: 3 } },
    ]);
    // Without Pushover settings the stage queues no Pushover message: the channel is not claimed.
    expect(alertQueuedEvents({ emails: [], sms: null, pushover: [brute] }, false, { actor: 'run', at: AT, runId: 7 }, new Map())).toEqual([]);
  });

  it('names the channel a message went out on: email, the SMS gateway, an .eml file, Pushover', () => {
    const message = { id: 12, kind: 'alert', channel: 'email' as const, dedupeKey: 'alert:7:email:ab12', subject: 'CRIT web-01', recipients: ['a@example.com', 'b@example.com'], runId: 7 };
    expect(messageSentEvent(message, { at: AT, actor: 'run' })).toEqual({
      at: AT,
      actor: 'run',
      action: 'message.sent',
      hostId: null,
      runId: 7,
      detail: { outboxId: 12, kind: 'alert', channel: 'email', subject: 'CRIT web-01', recipients: 2 },
    });
    expect(messageSentEvent({ ...message, dedupeKey: 'alert:7:sms' }, { at: AT, actor: 'run' }).detail).toMatchObject({ channel: 'sms' });
    expect(messageSentEvent(message, { at: AT, actor: 'alice', emlPath: '/out/x.eml' }).detail).toMatchObject({ channel: 'eml', file: '/out/x.eml' });
    expect(messageSentEvent({ ...message, channel: 'pushover', recipients: [] }, { at: AT, actor: 'run' }).detail).toMatchObject({ channel: 'pushover', recipients: 0 });
    expect((messageSentEvent({ ...message, subject: 's'.repeat(1000) }, { at: AT, actor: 'run' }).detail as { subject: string }).subject).toHaveLength(300);
  });

  it('records a report and a config change by name', () => {
    const report = { kind: 'host' as const, scope: 'web-01', periodStart: '2026-02-28T10:00:00.000Z', periodEnd: AT, trigger: 'on-demand' as const, path: '/r/web-01.html', outboxId: 5, recipients: 1 };
    expect(reportSentEvent(report, { actor: 'alice', at: AT, runId: null, hostId: 3 })).toEqual({ at: AT, actor: 'alice', action: 'report.sent', hostId: 3, runId: null, detail: report });
    const change = { file: '/etc/dthostmon.yaml', by: 'register' as const, hosts: { added: ['new-01'], updated: [], removed: [] } };
    expect(configChangedEvent(change, { actor: 'serve:192.0.2.4', at: AT })).toEqual({ at: AT, actor: 'serve:192.0.2.4', action: 'config.changed', hostId: null, runId: null, detail: change });
  });
});

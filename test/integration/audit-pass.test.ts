/**
 * The audit trail of real passes (NR-SEC-004), on SQLite and PostgreSQL: a loopback sshd host, a host whose port is
 * closed (retried once), and a host whose connection error carries the SMTP password; an SMTP sink receives the
 * report and the alert. Every connection, analysis, alert, message and report is one row with the pass clock and the
 * actor, and no row holds a secret. `dthostmon db audit` lists them.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { createTransportFactory } from '../../src/collect/create-transport.js';
import type { LoadedConfig } from '../../src/config/types.js';
import { runPass } from '../../src/run-pass.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import type { PassResult, TransportFactory } from '../../src/types.js';
import { cli } from '../helpers/cli-in-process.js';
import { tempDir } from '../helpers/cli.js';
import { createTestSchema } from '../helpers/pg.js';
import { startSshd, type SshdPeer } from '../helpers/sshd.js';
import { testDialects } from '../helpers/store.js';
import { closedPort, emailConfigLines, startSmtpPeer, type SmtpPeer } from './delivery/smtp-peer.js';

const SMTP_PASSWORD = 'Sm7p-audit-s3cret!';
const DAY_MS = 86_400_000;
/** The pass clock runs ten days behind: a row with the real time would stand out. */
const OFFSET_MS = -10 * DAY_MS;

interface Row {
  id: number;
  at: string;
  actor: string;
  action: string;
  host_id: number | null;
  run_id: number | null;
  detail: Record<string, unknown>;
}

function failedLogins(address: string): string {
  return Array.from({ length: 12 }, (_, i) => `Nov 25 12:00:${String(10 + i).padStart(2, '0')} web sshd[5${i}]: Failed password for root from ${address} port ${40000 + i} ssh2\n`).join('');
}

/** The SHA256 fingerprint OpenSSH itself prints for the server's host key. */
function opensshFingerprint(sshd: SshdPeer, dir: string): string {
  const file = join(dir, 'host_key.pub');
  writeFileSync(file, `${sshd.hostKeyPub}\n`);
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', file], { encoding: 'utf8' }).split(' ')[1] as string;
}

describe.each(await testDialects())('the audit trail of real passes on %s', (dialect) => {
  let sshd: SshdPeer | null = null;
  let smtp: SmtpPeer;
  let schema: Awaited<ReturnType<typeof createTestSchema>> = null;
  let store: Store;
  let config: LoadedConfig;
  let downPort: number;
  const work = tempDir('dthm-audit-');
  const log = join(work, 'auth.log');
  const configPath = join(work, 'dthostmon.yaml');
  const env = { SMTP_PASSWORD };

  // The leaky host's transport fails with a message that carries the password (a broken transport or library could).
  const transports = createTransportFactory();
  const createTransport: TransportFactory = (host, signal, options) =>
    host.name === 'leaky' ? Promise.reject(new Error(`ssh x@leaky:22: authentication failed (tried ${SMTP_PASSWORD})`)) : transports(host, signal, options);
  const pass = (): Promise<PassResult> =>
    runPass(config, { store, clock: () => new Date(Date.now() + OFFSET_MS), createTransport, runner: 'audit-test', pid: process.pid, isPidAlive: () => false });
  const rowsOf = async (runId: number | null): Promise<Row[]> =>
    (await store.db.selectFrom('audit_log').selectAll().where('run_id', '=', runId ?? -1).orderBy('id').execute()).map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  const count = (rows: readonly Row[], action: string): number => rows.filter((r) => r.action === action).length;

  beforeAll(async () => {
    sshd = await startSshd();
    if (!sshd) return; // skipped with a message (never under CI=true: the helper throws there)
    smtp = await startSmtpPeer({ auth: { user: 'monitor', pass: SMTP_PASSWORD } });
    downPort = await closedPort();
    if (dialect === 'postgres') schema = await createTestSchema('audit');
    writeFileSync(log, 'Nov 25 10:00:00 web sshd[1]: Accepted publickey for deploy from 192.0.2.2 port 6000 ssh2\n');
    writeFileSync(join(work, 'known_hosts'), '');
    const ssh = (name: string, port: number): string[] => [`  - name: ${name}`, '    hostname: 127.0.0.1', `    port: ${port}`, `    user: ${sshd?.user}`];
    writeFileSync(
      configPath,
      [
        'global:',
        `  reports_dir: ${JSON.stringify(join(work, 'reports'))}`,
        '  retry_attempts: 1',
        '  retry_backoff: [0]',
        '  report_frequency: never',
        '  site_report_frequency: never',
        '  track_changes: false',
        `database: ${dialect === 'postgres' ? `{url: ${JSON.stringify(schema?.url)}}` : '{path: audit.db}'}`,
        'ssh:',
        `  key_path: ${JSON.stringify(sshd.keyPath)}`,
        `  known_hosts: ${JSON.stringify(join(work, 'known_hosts'))}`,
        ...emailConfigLines(smtp.port),
        'hosts:',
        ...ssh('web', sshd.port),
        `    logs: [${JSON.stringify(log)}]`,
        '    report_frequency: hourly',
        ...ssh('down', downPort),
        ...ssh('leaky', 22),
        '',
      ].join('\n'),
    );
    config = await loadConfig(configPath, { env });
    store = await openStore(config.store);
    await migrateToLatest(store.db);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await schema?.drop();
    await smtp?.close();
    await sshd?.stop();
  });

  it('records each connection, analysis, report and message of a first pass, with the pass clock and no secret', async () => {
    if (!sshd) return;
    const result = await pass();
    const rows = await rowsOf(result.runId);
    const of = (host: string): string[] => rows.filter((r) => r.action.startsWith('host.') && r.detail.host === host).map((r) => r.action);
    expect(of('web')).toEqual(['host.connected', 'host.analyzed']);
    expect(of('down')).toEqual(['host.connect_failed', 'host.failed']);
    expect(of('leaky')).toEqual(['host.connect_failed', 'host.failed']);
    // The rest of the pass, in order; alerts and messages as many as the pass says it notified and sent.
    expect(rows.filter((r) => !r.action.startsWith('host.')).map((r) => r.action)).toEqual([
      'pass.started',
      ...Array<string>(result.delivery?.alertsNotified ?? 0).fill('alert.queued'),
      'report.sent',
      ...Array<string>(result.delivery?.sent ?? 0).fill('message.sent'),
      'delivery.finished',
      'pass.finished',
    ]);
    expect(count(rows, 'message.sent')).toBe(smtp.received.length);

    const web = result.hosts.find((h) => h.name === 'web');
    const hostIds = new Map((await store.db.selectFrom('hosts').select(['id', 'name']).execute()).map((h) => [h.name, h.id]));
    const row = (action: string, host?: string): Row | undefined => rows.find((r) => r.action === action && (host === undefined || r.detail.host === host));
    expect(row('host.connected', 'web')).toMatchObject({
      host_id: hostIds.get('web'),
      detail: { host: 'web', transport: 'ssh', address: '127.0.0.1', port: sshd.port, user: sshd.user, auth: 'publickey', keyFile: sshd.keyPath, attempts: 1, hostKeyType: 'ssh-ed25519', hostKey: opensshFingerprint(sshd, work) },
    });
    expect(row('host.analyzed', 'web')?.detail).toEqual({ host: 'web', status: web?.status, score: web?.score, health: web?.health, findings: expect.objectContaining({ crit: expect.any(Number) }) });
    expect(row('host.connect_failed', 'down')?.detail).toMatchObject({ port: downPort, attempts: 2, reason: expect.stringMatching(/connection refused.*after 2 attempts/) });
    expect(row('host.failed', 'down')?.detail).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^connect: .*connection refused/) });
    expect(row('host.connect_failed', 'leaky')?.detail).toMatchObject({ attempts: 1, reason: 'ssh x@leaky:22: authentication failed (tried ********)' });

    const report = row('report.sent');
    expect(report).toMatchObject({ host_id: hostIds.get('web'), detail: { kind: 'host', scope: 'web', trigger: 'schedule', recipients: 1, outboxId: expect.any(Number) } });
    expect(existsSync(report?.detail.path as string)).toBe(true);
    expect(rows.filter((r) => r.action === 'message.sent' && r.detail.outboxId === report?.detail.outboxId).map((r) => r.detail)).toEqual([
      { outboxId: report?.detail.outboxId, kind: 'report', channel: 'email', subject: expect.stringContaining('web'), recipients: 1 },
    ]);

    for (const r of rows) {
      expect(r.actor).toBe('run');
      const at = Date.parse(r.at);
      expect(at).toBeGreaterThanOrEqual(Date.parse(result.startedAt));
      expect(at).toBeLessThanOrEqual(Date.parse(result.finishedAt));
    }
    expect(Date.parse(result.finishedAt)).toBeLessThan(Date.now() - 9 * DAY_MS);
    expect(JSON.stringify(rows)).not.toContain(SMTP_PASSWORD);
  }, 120_000);

  it('records the alert a second pass notifies and the email that carried it', async () => {
    if (!sshd) return;
    appendFileSync(log, failedLogins('192.0.2.77'));
    const mailsBefore = smtp.received.length;
    const result = await pass();
    const rows = await rowsOf(result.runId);
    const alerts = rows.filter((r) => r.action === 'alert.queued');
    expect(alerts).toHaveLength(result.delivery?.alertsNotified ?? -1);
    expect(alerts.map((r) => r.detail)).toContainEqual(
      expect.objectContaining({ host: 'web', category: 'auth.bruteforce', kind: 'opened', channels: ['email'], recipients: 1 }),
    );
    const sent = rows.filter((r) => r.action === 'message.sent');
    expect(sent).toHaveLength(smtp.received.length - mailsBefore);
    expect(sent.map((r) => r.detail)).toContainEqual(expect.objectContaining({ kind: 'alert', channel: 'email', recipients: 1 }));
    // The hourly report is not due again: no report row.
    expect(count(rows, 'report.sent')).toBe(0);
    expect(JSON.stringify(rows)).not.toContain(SMTP_PASSWORD);
  }, 120_000);

  it('lists the trail with dthostmon db audit, filtered by host and action', async () => {
    if (!sshd) return;
    const json = await cli(['db', 'audit', '-c', configPath, '--host', 'web', '--action', 'host', '--json'], { env });
    expect(json.code).toBe(0);
    const entries = JSON.parse(json.stdout) as Array<{ action: string; host: string; at: string }>;
    expect(entries.map((e) => e.action)).toEqual(['host.connected', 'host.analyzed', 'host.connected', 'host.analyzed']);
    expect(entries.every((e) => e.host === 'web')).toBe(true);
    expect([...entries].sort((a, b) => a.at.localeCompare(b.at))).toEqual(entries);

    const text = await cli(['db', 'audit', '-c', configPath, '--action', 'host.connect_failed', '--limit', '1'], { env });
    expect(text.stdout).toMatch(/^\S+Z run host\.connect_failed (down|leaky) run=\d+ transport=ssh address=127\.0\.0\.1 .*attempts=\d reason="[^"]+"\n$/);
    expect(text.stdout).not.toContain(SMTP_PASSWORD);

    expect(await cli(['db', 'audit', '-c', configPath, '--host', 'nobody'], { env })).toMatchObject({ code: 2, stderr: expect.stringContaining('--host nobody: no such host in') });
    expect(await cli(['db', 'audit', '-c', configPath, '--since', 'last tuesday'], { env })).toMatchObject({ code: 2, stderr: expect.stringContaining('--since "last tuesday": expected a duration') });
  });
});

import { appendFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createTransport } from '../../src/collect/create-transport.js';
import { loadConfig } from '../../src/config/load.js';
import { runPass, type PassDeps } from '../../src/run-pass.js';
import type { Evidence } from '../../src/types.js';
import { tempDir } from '../helpers/cli.js';
import { openTestStore, testDialects, type TestStore } from '../helpers/store.js';

const dialects = await testDialects();

/** Lines of a payments service, a cron job and an app health check, as rsyslog writes them to /var/log/syslog. */
const SYSLOG = [
  'Nov 25 18:17:01 web-01 CRON[41230]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)',
  'Nov 25 18:20:02 web-01 payments[2211]: payment 88412 failed: card declined',
  'Nov 25 18:20:09 web-01 payments[2211]: payment 88413 failed: card declined',
  'Nov 25 18:20:15 web-01 payments[2211]: healthcheck ok',
  'Nov 25 18:20:31 web-01 app[3120]: healthcheck ok',
  'Nov 25 18:20:40 web-01 payments[2211]: payment 88414 failed: card declined',
  'Nov 25 18:21:00 web-01 payments[2211]: payment 88415 failed: PSP timeout after 30s',
];

const NGINX = [
  '2026/11/25 18:40:01 [error] 812#812: *1043 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.9, server: shop.example.org, request: "GET /cart HTTP/1.1", upstream: "http://127.0.0.1:8080/cart", host: "shop.example.org"',
  '2026/11/25 18:41:00 [notice] 811#811: signal process started',
];

describe.each(dialects)('runPass with rules and ignore patterns from the config, on %s', (dialect) => {
  const dir = tempDir('dthm-config-rules-');
  const syslog = join(dir, 'syslog');
  const nginx = join(dir, 'error.log');
  let store: TestStore;

  const deps = (): PassDeps => ({ store, clock: () => new Date(), createTransport, runner: hostname(), pid: process.pid, isPidAlive: () => false });

  beforeAll(() => {
    writeFileSync(syslog, `${SYSLOG.join('\n')}\n`);
    writeFileSync(nginx, `${NGINX.join('\n')}\n`);
  });
  beforeEach(async () => {
    store = await openTestStore(dialect);
  });
  afterEach(async () => {
    await store.cleanup();
  });

  it('finds what the config rules describe, drops what the ignore patterns name, and stores the findings', async () => {
    const path = join(dir, 'dthostmon.yaml');
    writeFileSync(
      path,
      [
        'global:',
        '  reports_dir: reports',
        '  rules:',
        '    - id: app.payment_failed',
        '      category: service.failed',
        '      severity: warn',
        '      programs: [payments]',
        "      pattern: 'payment (?<order>\\d+) failed: (?<reason>.+)$'",
        "      title: 'Payment {order} failed: {reason}'",
        "      subject: '{order}'",
        "      recommendation: 'Check the PSP status page'",
        "      aggregate: {by: reason, count: 3, within: 60, severity: crit, category: service.crash_loop, title: '{count} payments failed ({value})'}",
        "    - {id: app.health, category: service.failed, severity: info, programs: [payments, app], pattern: 'healthcheck (?<state>\\w+)', title: 'health {state}', subject: '{state}'}",
        '  ignore:',
        "    - 'CRON\\[\\d+\\]: \\(root\\) CMD \\(   cd / && run-parts --report /etc/cron\\.hourly\\)'",
        '    - {pattern: healthcheck ok, programs: [app]}',
        'hosts:',
        '  - name: self',
        '    transport: local',
        `    logs: ["${syslog}", "${nginx}"]`,
        '    rules:',
        `      - {id: nginx.upstream, category: service.failed, severity: warn, files: ["${dir}/*.log"], pattern: 'connect\\(\\) failed \\((?<errno>\\d+): [^)]*\\) while connecting to upstream, client: \\S+, server: (?<server>[^,]+)', title: 'nginx cannot reach the upstream of {server}', subject: '{server}'}`,
        '',
      ].join('\n'),
    );
    const config = await loadConfig(path);
    const result = await runPass(config, deps());
    const host = result.hosts[0]!;
    expect(host.status).toBe('ok');

    // Only the log findings: this machine's own load, disks and memory may add resource findings.
    const ours = (ruleId: string) => ruleId.startsWith('app.') || ruleId.startsWith('nginx.');
    const rows = (
      await store.db
        .selectFrom('findings')
        .select(['rule_id', 'category', 'severity', 'key', 'title', 'count', 'evidence', 'recommendation'])
        .orderBy('rule_id')
        .execute()
    ).filter((r) => ours(r.rule_id));
    const found = rows.map((r) => [r.rule_id, r.category, r.severity, r.key, r.count, r.title]);
    expect(found).toEqual([
      ['app.health', 'service.failed', 'info', 'service.failed:ok', 1, 'health ok'], // app's healthcheck is ignored
      ['app.payment_failed', 'service.failed', 'warn', 'service.failed:88415', 1, 'Payment 88415 failed: PSP timeout after 30s'],
      ['app.payment_failed.aggregate', 'service.crash_loop', 'crit', 'service.crash_loop:card declined', 3, '3 payments failed (card declined)'],
      ['nginx.upstream', 'service.failed', 'warn', 'service.failed:shop.example.org', 1, 'nginx cannot reach the upstream of shop.example.org'],
    ]);
    const evidence = (ruleId: string) => JSON.parse(String(rows.find((r) => r.rule_id === ruleId)!.evidence)) as Evidence[];
    expect(evidence('app.health')).toEqual([{ source: syslog, lines: [SYSLOG[3]] }]);
    expect(evidence('nginx.upstream')).toEqual([{ source: nginx, lines: [NGINX[0]] }]);
    expect(rows.find((r) => r.rule_id === 'app.payment_failed')?.recommendation).toBe('Check the PSP status page');

    // The next pass reads only what was appended; a lone failure an hour later is no burst.
    appendFileSync(syslog, 'Nov 25 19:20:02 web-01 payments[2211]: payment 88420 failed: card declined\n');
    const again = await runPass(config, deps());
    expect(again.hosts[0]!.findings.filter((f) => ours(f.ruleId)).map((f) => [f.ruleId, f.count])).toEqual([['app.payment_failed', 1]]);
  });
});

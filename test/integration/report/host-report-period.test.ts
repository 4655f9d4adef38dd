import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPeriodHostReportModel } from '../../../src/report/host-report-model.js';
import { createRenderer } from '../../../src/report/render.js';
import { saveHostResult } from '../../../src/store/host-result-repo.js';
import { loadHostReportData, trendStart, type HostReportData } from '../../../src/store/host-report-repo.js';
import { syncHosts } from '../../../src/store/hosts-repo.js';
import { createRun } from '../../../src/store/runs-repo.js';
import type { Change, Finding, HostAnalysis, HostFacts, HostSnapshot, LogSourceResult } from '../../../src/types.js';
import { FIXTURES } from '../../unit/analyze/helpers.js';
import { HOSTILE, sampleReportFacts, sampleReportHost } from '../../unit/report/host-report-sample.js';
import { openTestStore, testDialects, type TestStore } from '../../helpers/store.js';

/**
 * The period host report from the store: passes stored through the real saveHostResult (ten days of history, then
 * a day of passes, one of which could not reach the host), read back by loadHostReportData and rendered. The
 * Markdown must equal test/fixtures/host-report/period-web-01.md on SQLite and PostgreSQL alike, with a fixed clock.
 * After a deliberate template change, rerun with UPDATE_GOLDEN=1 and review the diff.
 */
const GOLDEN = join(FIXTURES, 'host-report', 'period-web-01.md');
const GIB = 1024 ** 3;
const HOUR_MS = 3_600_000;
const SINCE = new Date('2026-11-24T18:00:00.000Z');
const UNTIL = new Date('2026-11-25T18:00:00.000Z');
const TREND_SINCE = trendStart(UNTIL);
const HOST = sampleReportHost({ logs: ['/var/log/auth.log', '/var/log/syslog'] });

interface Pass {
  at: Date;
  cpu: number;
  memory: number;
  varUsed?: number;
  findings?: Finding[];
  changes?: Change[];
  score?: number;
  baselines?: Record<string, unknown>;
  isFailed?: boolean;
}

function facts(p: Pass): HostFacts {
  const base = sampleReportFacts();
  const varUsed = p.varUsed ?? 54 * GIB;
  return {
    ...base,
    cpu: { ...base.cpu, usedPercent: p.cpu },
    memory: { ...(base.memory as NonNullable<HostFacts['memory']>), usedPercent: p.memory },
    disks: [
      (base.disks ?? [])[0]!,
      { mount: '/var', filesystem: '/dev/sda2', sizeBytes: 100 * GIB, usedBytes: varUsed, availBytes: 100 * GIB - varUsed, usedPercent: Math.round(varUsed / GIB) },
      (base.disks ?? [])[2]!,
    ],
  };
}

const LOG_SOURCES: LogSourceResult[] = [
  { pattern: '/var/log/auth.log', path: '/var/log/auth.log', status: 'read', bytesRead: 1024, linesRead: 8, skippedBytes: 0 },
  { pattern: '/var/log/syslog', path: '/var/log/syslog', status: 'read', bytesRead: 4096, linesRead: 40, skippedBytes: 0 },
];

function finding(key: string, severity: Finding['severity'], title: string, extra: Partial<Finding> = {}): Finding {
  const [category, subject] = key.split(/:(.*)/s) as [Finding['category'], string];
  return { category, severity, ruleId: 'test', title, key, subject, count: 1, evidence: [], ...extra };
}

const diskUsage = finding('disk.usage:/', 'crit', 'Disk / is 92% full', {
  evidence: [{ source: 'facts:df', values: { mount: '/', usedPercent: 92 } }],
  recommendation: 'Free space on / or grow the filesystem.',
});

const bruteForce = (count: number): Finding =>
  finding('auth.bruteforce:203.0.113.9', 'crit', `SSH brute force from 203.0.113.9: ${count} failed password logins`, {
    count,
    evidence: [{ source: '/var/log/auth.log', lines: [`Failed password for invalid user ${HOSTILE} from 203.0.113.9 port 4242 ssh2`] }],
    recommendation: 'Block the source.',
  });

const failedLogins = finding('auth.failed_login:198.51.100.7', 'info', 'Failed SSH password logins from 198.51.100.7', {
  count: 2,
  evidence: [{ source: '/var/log/auth.log', lines: ['Failed password for admin from 198.51.100.7 port 50000 ssh2'] }],
});

function change(kind: Change['kind'], subject: string, detail: string, reason: string | null = null): Change {
  return { kind, action: 'added', subject, detail, expected: reason !== null, reason, category: 'package.installed' };
}

const TX = 'part of the package transaction apt upgrade by admin at 2026-11-25 08:55:00';

/** The passes of the period: every three hours, from 20:30 to 17:30. */
function periodPasses(): Pass[] {
  const at = (k: number) => new Date(SINCE.getTime() + (3 * k - 0.5) * HOUR_MS);
  return [
    { at: at(1), cpu: 20, memory: 60, score: 75, findings: [diskUsage] },
    { at: at(2), cpu: 40, memory: 62, score: 50, findings: [diskUsage, bruteForce(5)] },
    {
      at: at(3),
      cpu: 95,
      memory: 64,
      score: 50,
      findings: [diskUsage, bruteForce(7)],
      changes: [
        change('package', 'openssl', 'openssl 3.0.14 -> 3.0.15', TX),
        change('package', 'libssl3', 'libssl3 3.0.14 -> 3.0.15', TX),
        change('package', `evil|pkg${HOSTILE}`, `evil|pkg 1.0 installed ${HOSTILE}`),
        change('user', 'mallory', 'user mallory added (uid 1004, shell /bin/bash, home /home/mallory)'),
      ],
    },
    {
      at: at(4),
      cpu: 30,
      memory: 66,
      score: 70,
      findings: [
        diskUsage,
        failedLogins,
        finding('log.new_pattern:0123456789abcdef', 'warn', `New log message from app: worker <*> crashed ${HOSTILE}`, {
          subject: 'app',
          count: 3,
          evidence: [{ source: '/var/log/syslog', lines: [`Nov 25 05:00:01 web-01 app[42]: worker 7 crashed ${HOSTILE}`] }],
        }),
      ],
    },
    { at: at(5), cpu: 25, memory: 68, score: 75, findings: [diskUsage, failedLogins], changes: [change('listener', 'tcp 0.0.0.0:4444', 'tcp 0.0.0.0:4444 now listening (nc)')] },
    { at: at(6), cpu: 0, memory: 0, isFailed: true },
    {
      at: at(7),
      cpu: 35,
      memory: 70,
      varUsed: 60 * GIB,
      score: 62,
      findings: [
        diskUsage,
        failedLogins,
        finding('disk.growth:/var', 'warn', 'Disk /var grew 6 GiB in 6 h (since the last pass)', {
          evidence: [
            { source: 'facts:df', values: { mount: '/var', usedBytes: 60 * GIB, sizeBytes: 100 * GIB, lastPassDeltaBytes: 6 * GIB } },
            { source: 'du:/var', values: { depth: 2, complete: 'yes', since: '2026-11-20T10:00:00.000Z' }, lines: ['/var/log +5.5 GiB (now 7.5 GiB)', `/var/lib/${HOSTILE} +512 MiB (new, now 512 MiB)`] },
          ],
          recommendation: 'Find what grew on /var.',
        }),
      ],
      changes: [change('disk', '/var', '/var grew 6 GiB in 6 h')],
      baselines: {
        'du:/var': {
          at: '2026-11-25T14:30:05.000Z',
          usedBytes: 60 * GIB,
          sizeBytes: 100 * GIB,
          result: { mount: '/var', depth: 2, cap: 200, dirs: [{ path: '/var', kb: 60 * 1024 * 1024 }, { path: '/var/log', kb: 7.5 * 1024 * 1024 }], complete: true, exitCode: 0, error: null },
        },
      },
    },
    { at: at(8), cpu: 23.4, memory: 75, varUsed: 60 * GIB, score: 62, findings: [diskUsage, failedLogins] },
  ];
}

describe.each(await testDialects())('period host report from the store on %s', (dialect) => {
  let store: TestStore;
  let hostId: number;

  async function save(p: Pass): Promise<void> {
    const started = p.at.toISOString();
    const iso = (ms: number) => new Date(p.at.getTime() + ms).toISOString();
    const runId = await createRun(store.db, { startedAt: started, runner: 'monitor1', pid: 1, hostCount: 1 });
    const snapshot: HostSnapshot = {
      host: HOST.name,
      collectedAt: iso(5000),
      durationMs: 5000,
      reachable: !p.isFailed,
      facts: p.isFailed ? null : facts(p),
      logs: [],
      logSources: p.isFailed ? [] : LOG_SOURCES,
      cursors: [],
      failures: p.isFailed ? [{ source: 'connect', message: 'connect ETIMEDOUT 10.0.0.5:22' }] : [],
    };
    const score = p.score ?? 100;
    const analysis: HostAnalysis | null = p.isFailed
      ? null
      : {
          findings: p.findings ?? [],
          score,
          status: score >= 90 ? 'healthy' : score >= 70 ? 'minor' : 'critical',
          reasons: (p.findings ?? []).filter((f) => f.severity !== 'info').map((f) => ({ points: f.severity === 'crit' ? 25 : 8, reason: `${f.category}: ${f.title}`, category: f.category })),
          changes: p.changes ?? [],
          baselines: p.baselines ?? {},
        };
    await saveHostResult(store.db, {
      runId,
      hostId,
      snapshot,
      analysis,
      status: p.isFailed ? 'failed' : 'ok',
      error: p.isFailed ? 'connect: connect ETIMEDOUT 10.0.0.5:22' : null,
      previousScore: null,
      reportPath: null,
      startedAt: started,
      finishedAt: iso(7000),
    });
  }

  beforeAll(async () => {
    store = await openTestStore(dialect);
    hostId = (await syncHosts(store.db, [HOST], '2026-10-01T00:00:00.000Z')).get(HOST.name) as number;
    // Ten days of history every 12 hours: in the trend charts and growth columns, not in the period.
    for (let k = 20; k > 0; k--) {
      await save({ at: new Date(SINCE.getTime() - k * 12 * HOUR_MS + HOUR_MS), cpu: 10 + (k % 4) * 10, memory: 50 + (k % 3) * 5, score: 90, findings: [] });
    }
    for (const p of periodPasses()) await save(p);
    // After the period: not in the report.
    await save({ at: new Date(UNTIL.getTime() + HOUR_MS), cpu: 100, memory: 100, score: 1, findings: [finding('kernel.panic:x', 'crit', 'later')] });
  });
  afterAll(async () => {
    await store.cleanup();
  });

  const load = (): Promise<HostReportData> => loadHostReportData(store.db, { hostId, since: SINCE, until: UNTIL, trendSince: TREND_SINCE });

  it('reads the runs, the latest facts and one finding per key with summed events and first/last seen', async () => {
    const data = await load();
    expect(data.runs).toHaveLength(8);
    expect(data.runs.filter((r) => r.status === 'failed')).toHaveLength(1);
    expect(data.latest).toMatchObject({ startedAt: '2026-11-25T17:30:00.000Z', score: 62, status: 'ok' });
    expect(data.latest?.reasons[0]).toEqual({ points: 25, reason: 'disk.usage: Disk / is 92% full', category: 'disk.usage' });
    expect(data.facts?.at).toBe('2026-11-25T17:30:00.000Z');
    expect(data.facts?.facts.cpu.usedPercent).toBe(23.4);
    const brute = data.findings.find((f) => f.key === 'auth.bruteforce:203.0.113.9');
    expect(brute).toMatchObject({
      count: 12,
      occurrences: 2,
      firstSeen: '2026-11-24T23:30:07.000Z',
      lastSeen: '2026-11-25T02:30:07.000Z',
      title: 'SSH brute force from 203.0.113.9: 7 failed password logins',
    });
    expect(brute?.evidence[0]?.lines?.[0]).toContain('<script>');
    expect(data.findings.find((f) => f.key === 'disk.usage:/')).toMatchObject({ occurrences: 7, count: 7 });
    expect(data.findings.map((f) => f.severity)).toEqual(['crit', 'crit', 'warn', 'warn', 'info']);
    expect(data.findings.some((f) => f.key === 'kernel.panic:x')).toBe(false);
  });

  it('reads the changes, metrics from the trend start, open and resolved items, and the du baselines', async () => {
    const data = await load();
    expect(data.changesTotal).toBe(6);
    expect(data.changes.map((c) => c.subject)).toEqual(['openssl', 'libssl3', `evil|pkg${HOSTILE}`, 'mallory', 'tcp 0.0.0.0:4444', '/var']);
    expect(data.changes[0]).toMatchObject({ expected: true, reason: TX, detectedAt: '2026-11-25T02:30:05.000Z' });
    const cpu = data.metrics.find((m) => m.name === 'cpu.used_percent');
    expect(cpu?.points).toHaveLength(20 + 7);
    expect(cpu?.points[0]?.at).toBe('2026-11-14T19:00:05.000Z');
    expect(data.metrics.filter((m) => m.name === 'disk.used_percent').map((m) => m.label)).toEqual(['/', '/snap/core22/1621', '/var']);
    const items = new Map(data.items.map((i) => [i.key, i]));
    expect(items.get('auth.bruteforce:203.0.113.9')?.resolvedAt).toBe('2026-11-25T05:30:05.000Z');
    // Resolved by the pass after the period: still open at its end, and shown so.
    expect(items.get('disk.usage:/')?.resolvedAt).toBe('2026-11-25T19:00:05.000Z');
    expect(items.has('kernel.panic:x')).toBe(false);
    expect(Object.keys(data.du)).toEqual(['/var']);
    expect(data.du['/var']?.result.dirs[1]).toEqual({ path: '/var/log', kb: 7.5 * 1024 * 1024 });
  });

  it('renders the golden Markdown report with a fixed clock', async () => {
    const model = buildPeriodHostReportModel(await load(), {
      host: HOST,
      generatedAt: UNTIL,
      since: SINCE,
      previousReport: { score: 80, generatedAt: SINCE.toISOString() },
      media: 'file',
    });
    const markdown = createRenderer().render('host-report.md', model);
    if (process.env.UPDATE_GOLDEN === '1' && dialect === 'sqlite') writeFileSync(GOLDEN, markdown);
    expect(markdown).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('covers only the period: an empty period has no passes, findings or changes, and still shows the last facts', async () => {
    const data = await loadHostReportData(store.db, { hostId, since: new Date('2026-11-26T00:00:00.000Z'), until: new Date('2026-11-27T00:00:00.000Z'), trendSince: TREND_SINCE });
    expect(data.runs).toEqual([]);
    expect(data.latest).toBeNull();
    expect(data.findings).toEqual([]);
    expect(data.changes).toEqual([]);
    expect(data.facts?.at).toBe('2026-11-25T19:00:00.000Z');
    const model = buildPeriodHostReportModel(data, { host: HOST, generatedAt: new Date('2026-11-27T00:00:00.000Z'), since: new Date('2026-11-26T00:00:00.000Z'), previousReport: null, media: 'file' });
    const markdown = createRenderer().render('host-report.md', model);
    expect(markdown).toContain('No pass looked at this host in this period.');
    expect(markdown).toContain('(0 passes)');
  });
});

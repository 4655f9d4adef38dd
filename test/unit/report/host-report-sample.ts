/**
 * Period host report data as loadHostReportData returns it, for the model, template, email and browser tests: a day
 * of passes (one could not reach the host) with a month of metrics before it, findings open and resolved, grouped
 * changes, disk growth with the du behind it, docker containers, an AI finding and an AI analysis with its cost, and
 * hostile text (`<script>`, `|`, backticks, newlines) wherever a host, a log line or the LLM decides the text.
 */
import type { AiAnalysisRow } from '../../../src/store/ai-repo.js';
import type { HostReportAiData, HostReportData, MetricSeries, PeriodFinding } from '../../../src/store/host-report-repo.js';
import type { Change, HostFacts, ResolvedHost } from '../../../src/types.js';
import { makeHost } from '../analyze/helpers.js';

export const GIB = 1024 ** 3;
const HOUR_MS = 3_600_000;
export const GENERATED_AT = new Date('2026-11-25T18:00:00.000Z');
export const SINCE = new Date('2026-11-24T18:00:00.000Z');
export const TREND_SINCE = new Date('2026-10-26T18:00:00.000Z');
export const HOSTILE = 'x`|<script>alert(1)</script>\n# not a heading';

export function sampleReportHost(overrides: Partial<ResolvedHost> = {}): ResolvedHost {
  return makeHost({ name: 'web-01', hostname: '10.0.0.5', ...overrides });
}

export function sampleReportFacts(): HostFacts {
  return {
    hostname: 'web-01.example.net',
    os: { id: 'debian', name: 'Debian GNU/Linux', version: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    kernel: '6.1.0-27-amd64',
    uptimeSeconds: 3 * 86400 + 7200,
    load: { one: 1.2, five: 0.9, fifteen: 0.7 },
    cpu: { cores: 4, usedPercent: 23.4, windowSeconds: 3 * 3600, counters: null },
    memory: { totalBytes: 8 * GIB, availableBytes: 2 * GIB, usedPercent: 75, swapTotalBytes: GIB, swapUsedBytes: 0 },
    disks: [
      { mount: '/', filesystem: '/dev/sda1', sizeBytes: 50 * GIB, usedBytes: 46 * GIB, availBytes: 4 * GIB, usedPercent: 92 },
      { mount: '/var', filesystem: '/dev/sda2', sizeBytes: 100 * GIB, usedBytes: 60 * GIB, availBytes: 40 * GIB, usedPercent: 60 },
      { mount: '/snap/core22/1621', filesystem: '/dev/loop0', sizeBytes: 77 * 1024 ** 2, usedBytes: 77 * 1024 ** 2, availBytes: 0, usedPercent: 100 },
    ],
    users: null,
    containers: [
      { id: 'a1', name: 'web', image: 'nginx:1.27', state: 'running', health: 'healthy', restartCount: 0, exitCode: null, startedAt: '2026-11-22T10:00:00Z' },
      { id: 'b2', name: 'db', image: 'postgres:16', state: 'restarting', health: null, restartCount: 14, exitCode: 1, startedAt: null },
      { id: 'c3', name: `worker${HOSTILE}`, image: 'evil|image:`latest`', state: 'exited', health: null, restartCount: 0, exitCode: 137, startedAt: null },
    ],
  };
}

function finding(overrides: Partial<PeriodFinding> & Pick<PeriodFinding, 'key' | 'category' | 'severity' | 'title'>): PeriodFinding {
  return {
    ruleId: 'test',
    subject: null,
    count: 1,
    occurrences: 1,
    firstSeen: '2026-11-25T12:00:05.000Z',
    lastSeen: '2026-11-25T12:00:05.000Z',
    evidence: [],
    recommendation: null,
    ...overrides,
  };
}

export function sampleFindings(): PeriodFinding[] {
  return [
    finding({
      key: 'disk.usage:/',
      category: 'disk.usage',
      severity: 'crit',
      title: 'Disk / is 92% full',
      subject: '/',
      occurrences: 7,
      count: 7,
      firstSeen: '2026-11-24T21:00:05.000Z',
      lastSeen: '2026-11-25T18:00:00.000Z',
      evidence: [{ source: 'facts:df', values: { mount: '/', usedPercent: 92 } }],
      recommendation: 'Free space on / or grow the filesystem.',
    }),
    finding({
      key: 'auth.bruteforce:203.0.113.9',
      category: 'auth.bruteforce',
      severity: 'crit',
      title: 'SSH brute force from 203.0.113.9: 12 failed password logins',
      subject: '203.0.113.9',
      occurrences: 2,
      count: 12,
      firstSeen: '2026-11-25T00:00:05.000Z',
      lastSeen: '2026-11-25T03:00:05.000Z',
      evidence: [{ source: '/var/log/auth.log', lines: [`Failed password for invalid user ${HOSTILE} from 203.0.113.9 port 4242 ssh2`] }],
      recommendation: 'Block the source.',
    }),
    finding({
      key: 'disk.growth:/var',
      category: 'disk.growth',
      severity: 'warn',
      title: 'Disk /var grew 6 GiB in 3 h (since the last pass)',
      subject: '/var',
      lastSeen: '2026-11-25T15:00:05.000Z',
      evidence: [
        { source: 'facts:df', values: { mount: '/var', usedBytes: 60 * GIB, sizeBytes: 100 * GIB, lastPassDeltaBytes: 6 * GIB } },
        { source: 'du:/var', values: { depth: 2, complete: 'yes', since: '2026-11-20T10:00:00.000Z' }, lines: ['/var/log +5.5 GiB (now 7.5 GiB)', `/var/lib/${HOSTILE} +512 MiB (new, now 512 MiB)`] },
      ],
      recommendation: 'Find what grew on /var.',
    }),
    finding({
      key: 'log.new_pattern:0123456789abcdef',
      category: 'log.new_pattern',
      severity: 'warn',
      title: `New log message from app: worker <*> crashed ${HOSTILE}`,
      subject: 'app',
      count: 3,
      evidence: [{ source: '/var/log/syslog', lines: [`Nov 25 12:00:01 web-01 app[42]: worker 7 crashed ${HOSTILE}`] }],
    }),
    finding({
      key: 'auth.failed_login:198.51.100.7',
      category: 'auth.failed_login',
      severity: 'info',
      title: 'Failed SSH password logins from 198.51.100.7',
      subject: '198.51.100.7',
      count: 3,
      occurrences: 3,
      evidence: [{ source: '/var/log/auth.log', lines: ['Failed password for admin from 198.51.100.7 port 50000 ssh2'] }],
    }),
    finding({
      key: 'collect.source_failed:/var/log/nginx/*.log',
      category: 'collect.source_failed',
      severity: 'info',
      title: 'Log source /var/log/nginx/*.log not read',
      subject: '/var/log/nginx/*.log',
      occurrences: 7,
      evidence: [{ source: '/var/log/nginx/*.log', lines: ['no file matches'] }],
    }),
    finding({
      key: 'ai.finding:security:0a1b2c3d4e5f',
      category: 'ai.finding',
      severity: 'warn',
      ruleId: 'ai:openai',
      title: `Brute force and a new listener on port 4444 look related ${HOSTILE}`,
      subject: 'security',
      firstSeen: '2026-11-25T15:00:07.000Z',
      lastSeen: '2026-11-25T15:00:07.000Z',
      evidence: [
        { source: '/var/log/auth.log', lines: [`[F2.1] Failed password for invalid user ${HOSTILE} from 203.0.113.9 port 4242 ssh2`] },
        { source: 'change:listener', lines: ['[C4] tcp 0.0.0.0:4444: tcp 0.0.0.0:4444 now listening (nc)'] },
      ],
      recommendation: 'Check what runs nc on port 4444.',
    }),
  ];
}

/** One stored AI analysis (ai-repo.ts AiAnalysisRow); an answered one by default. */
export function sampleAiAnalysis(overrides: Partial<AiAnalysisRow> = {}): AiAnalysisRow {
  return {
    createdAt: '2026-11-25T15:00:07.000Z',
    status: 'ok',
    trigger: 'new',
    reason: null,
    provider: 'openai',
    model: 'gpt-4o-mini',
    summary: `The disk / is nearly full.\n\nA worker crashed: ${HOSTILE}`,
    llmScore: 55,
    recommendations: ['Free space on / before it fills.', `Look at worker 7 ${HOSTILE}`],
    droppedClaims: 0,
    ...overrides,
  };
}

/** The AI part of the period: an answered analysis at 15:00 and the calls of two UTC days. */
export function sampleAiData(overrides: Partial<HostReportAiData> = {}): HostReportAiData {
  const answered = sampleAiAnalysis();
  return {
    latest: answered,
    answered,
    cost: [
      { day: '2026-11-24', calls: 2, failedCalls: 0, tokensIn: 3100, tokensOut: 420, costUsd: 0.000716, unpricedCalls: 0 },
      { day: '2026-11-25', calls: 4, failedCalls: 1, tokensIn: 4650, tokensOut: 610, costUsd: 0.001064, unpricedCalls: 1 },
    ],
    ...overrides,
  };
}

function change(kind: Change['kind'], subject: string, detail: string, expected: boolean, reason: string | null, at = '2026-11-25T09:00:05.000Z'): Change & { detectedAt: string } {
  return { kind, action: 'added', subject, detail, expected, reason, category: 'package.installed', detectedAt: at };
}

export function sampleChanges(): Array<Change & { detectedAt: string }> {
  const tx = 'part of the package transaction apt upgrade by admin at 2026-11-25 08:55:00';
  return [
    change('package', 'openssl', 'openssl 3.0.14 -> 3.0.15', true, tx),
    change('package', 'libssl3', 'libssl3 3.0.14 -> 3.0.15', true, tx),
    change('package', `evil|pkg${HOSTILE}`, `evil|pkg 1.0 installed ${HOSTILE}`, false, null),
    change('user', 'mallory', 'user mallory added (uid 1004, shell /bin/bash, home /home/mallory)', false, null),
    change('service', 'nginx.service', 'nginx.service failed (was active)', false, null),
    change('listener', 'tcp 0.0.0.0:4444', 'tcp 0.0.0.0:4444 now listening (nc)', false, null),
    change('file', '/etc/ssh/sshd_config', '/etc/ssh/sshd_config changed', true, 'maintenance window sun 02:00-04:00 UTC'),
    change('container', 'worker', 'container worker added (evil|image:`latest`)', false, null),
    change('disk', '/var', '/var grew 6 GiB in 3 h', false, null),
  ];
}

/** Hours since TREND_SINCE -> a deterministic wave, so goldens and screenshots stay stable. */
function wave(hours: number, base: number, amplitude: number): number {
  return Math.round((base + amplitude * Math.sin(hours / 9) + (amplitude / 3) * Math.sin(hours / 2.3)) * 10) / 10;
}

/** A month of samples every 3 hours, with a 3-day gap (the host was off) and a jump of /var in the period. */
export function sampleMetrics(): MetricSeries[] {
  const cpu: MetricSeries = { name: 'cpu.used_percent', label: '', points: [] };
  const memory: MetricSeries = { name: 'memory.used_percent', label: '', points: [] };
  const rootPct: MetricSeries = { name: 'disk.used_percent', label: '/', points: [] };
  const varPct: MetricSeries = { name: 'disk.used_percent', label: '/var', points: [] };
  const varUsed: MetricSeries = { name: 'disk.used_bytes', label: '/var', points: [] };
  const varSize: MetricSeries = { name: 'disk.size_bytes', label: '/var', points: [] };
  const rootUsed: MetricSeries = { name: 'disk.used_bytes', label: '/', points: [] };
  const rootSize: MetricSeries = { name: 'disk.size_bytes', label: '/', points: [] };
  for (let h = 3; h <= 30 * 24; h += 3) {
    if (h >= 10 * 24 && h < 13 * 24) continue;
    const at = new Date(TREND_SINCE.getTime() + h * HOUR_MS).toISOString();
    const isLast = h === 30 * 24;
    cpu.points.push({ at, value: isLast ? 23.4 : wave(h, 30, 20) });
    memory.points.push({ at, value: isLast ? 75 : wave(h, 65, 10) });
    const root = 40 * GIB + (h / (30 * 24)) * 6 * GIB;
    rootUsed.points.push({ at, value: isLast ? 46 * GIB : Math.round(root) });
    rootSize.points.push({ at, value: 50 * GIB });
    rootPct.points.push({ at, value: isLast ? 92 : Math.round((root / (50 * GIB)) * 1000) / 10 });
    const varBytes = h >= 29 * 24 + 21 ? 60 * GIB : 54 * GIB;
    varUsed.points.push({ at, value: varBytes });
    varSize.points.push({ at, value: 100 * GIB });
    varPct.points.push({ at, value: Math.round((varBytes / (100 * GIB)) * 1000) / 10 });
  }
  return [cpu, memory, rootPct, varPct, rootUsed, varUsed, rootSize, varSize].sort((a, b) => (a.name + a.label < b.name + b.label ? -1 : 1));
}

export function sampleReportData(overrides: Partial<HostReportData> = {}): HostReportData {
  const logSources = (bytes: number) => [
    { pattern: '/var/log/auth.log', path: '/var/log/auth.log', status: 'read' as const, bytesRead: bytes, linesRead: bytes / 128, skippedBytes: 0 },
    { pattern: '/var/log/syslog', path: '/var/log/syslog', status: 'read' as const, bytesRead: 2 * bytes, linesRead: bytes / 64, skippedBytes: 0 },
    { pattern: '/var/log/nginx/*.log', path: '/var/log/nginx/*.log', status: 'missing' as const, bytesRead: 0, linesRead: 0, skippedBytes: 0, note: 'no file matches' },
  ];
  const runs = [21, 24, 27, 30, 33, 36, 39, 42].map((h, i) => ({
    id: i + 1,
    startedAt: new Date(SINCE.getTime() + (h - 18) * HOUR_MS).toISOString(),
    status: i === 5 ? ('failed' as const) : ('ok' as const),
    error: i === 5 ? 'connect: connect ETIMEDOUT 10.0.0.5:22' : null,
    score: i === 5 ? null : 62,
    health: i === 5 ? null : ('critical' as const),
    logSources: i === 5 ? [] : logSources(1024),
  }));
  const latest = runs[runs.length - 1]!;
  return {
    hostId: 1,
    since: SINCE.toISOString(),
    until: GENERATED_AT.toISOString(),
    trendSince: TREND_SINCE.toISOString(),
    runs,
    latest: {
      ...latest,
      reasons: [
        { points: 25, reason: 'disk.usage: Disk / is 92% full', category: 'disk.usage' },
        { points: 8, reason: 'disk.growth: Disk /var grew 6 GiB', category: 'disk.growth' },
        { points: 5, reason: `log.new_pattern: New log message from app ${HOSTILE}`, category: 'log.new_pattern' },
      ],
    },
    facts: { at: latest.startedAt, facts: sampleReportFacts() },
    findings: sampleFindings(),
    changes: sampleChanges(),
    changesTotal: 9,
    metrics: sampleMetrics(),
    items: [
      { key: 'disk.usage:/', category: 'disk.usage', severity: 'crit', title: 'Disk / is 92% full', firstSeen: '2026-11-20T08:00:00.000Z', lastSeen: '2026-11-25T18:00:00.000Z', passes: 40, resolvedAt: null },
      { key: 'disk.growth:/var', category: 'disk.growth', severity: 'warn', title: 'Disk /var grew', firstSeen: '2026-11-25T15:00:05.000Z', lastSeen: '2026-11-25T18:00:00.000Z', passes: 2, resolvedAt: null },
      { key: 'log.new_pattern:0123456789abcdef', category: 'log.new_pattern', severity: 'warn', title: 'New log message', firstSeen: '2026-11-25T12:00:05.000Z', lastSeen: '2026-11-25T12:00:05.000Z', passes: 1, resolvedAt: null },
      { key: 'auth.failed_login:198.51.100.7', category: 'auth.failed_login', severity: 'info', title: 'Failed SSH password logins', firstSeen: '2026-11-25T12:00:05.000Z', lastSeen: '2026-11-25T18:00:00.000Z', passes: 3, resolvedAt: null },
      { key: 'collect.source_failed:/var/log/nginx/*.log', category: 'collect.source_failed', severity: 'info', title: 'Log source not read', firstSeen: '2026-11-01T00:00:00.000Z', lastSeen: '2026-11-25T18:00:00.000Z', passes: 200, resolvedAt: null },
      { key: 'ssh.host_key_changed:10.0.0.5', category: 'ssh.host_key_changed', severity: 'crit', title: 'The SSH host key of web-01 changed', firstSeen: '2026-11-23T10:00:00.000Z', lastSeen: '2026-11-23T10:00:00.000Z', passes: 3, resolvedAt: null },
      { key: 'auth.bruteforce:203.0.113.9', category: 'auth.bruteforce', severity: 'crit', title: 'SSH brute force', firstSeen: '2026-11-25T00:00:05.000Z', lastSeen: '2026-11-25T03:00:05.000Z', passes: 2, resolvedAt: '2026-11-25T06:00:05.000Z' },
      { key: 'ai.finding:security:0a1b2c3d4e5f', category: 'ai.finding', severity: 'warn', title: 'Brute force and a new listener', firstSeen: '2026-11-25T15:00:07.000Z', lastSeen: '2026-11-25T15:00:07.000Z', passes: 1, resolvedAt: null },
    ],
    du: {},
    ai: sampleAiData(),
    metricSources: [],
    ...overrides,
  };
}

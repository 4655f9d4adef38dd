import { buildPeriodHostReportModel, type HostReportModel } from '../../../src/report/host-report-model.js';
import { createRenderer } from '../../../src/report/render.js';
import type { HostReportData } from '../../../src/store/host-report-repo.js';
import { GENERATED_AT, GIB, HOSTILE, SINCE, sampleReportData, sampleReportHost } from './host-report-sample.js';

const renderer = createRenderer();

function build(data: HostReportData = sampleReportData(), options: Partial<Parameters<typeof buildPeriodHostReportModel>[1]> = {}): HostReportModel {
  return buildPeriodHostReportModel(data, {
    host: sampleReportHost(),
    generatedAt: GENERATED_AT,
    since: SINCE,
    previousReport: { score: 80, generatedAt: SINCE.toISOString() },
    media: 'file',
    ...options,
  });
}

describe('period host report model', () => {
  const model = build();

  it('covers the period with the score change since the last report and the latest reasons', () => {
    expect(model).toMatchObject({
      kind: 'period',
      generatedAt: '2026-11-25 18:00:00 UTC',
      period: { since: '2026-11-24 18:00:00 UTC', until: '2026-11-25 18:00:00 UTC', passes: 8, failedPasses: 1, trendDays: 30 },
      reachable: true,
      score: { value: 62, status: 'critical', previous: 80, previousAt: '2026-11-24 18:00:00 UTC', change: -18 },
    });
    expect(model.score.reasons).toHaveLength(3);
  });

  it('lists open critical items first, then resolved ones, with an item still open from before the period', () => {
    expect(model.critical.map((f) => [f.key, f.isResolved, f.occurrences, f.openSince])).toEqual([
      ['disk.usage:/', false, 7, '2026-11-20 08:00:00 UTC'],
      ['ssh.host_key_changed:10.0.0.5', false, 0, '2026-11-23 10:00:00 UTC'],
      ['auth.bruteforce:203.0.113.9', true, 2, null],
    ]);
    // The counts beside the score are the rules'; the AI finding is listed among the warnings, marked, and counted apart.
    expect(model.counts).toEqual({ critical: 3, warnings: 2, info: 2, ai: 1 });
    expect(model.warnings.map((f) => [f.key, f.ai])).toEqual([
      ['disk.growth:/var', false],
      ['log.new_pattern:0123456789abcdef', false],
      ['ai.finding:security:0a1b2c3d4e5f', true],
    ]);
    expect(model.warnings[2]).toMatchObject({ subject: 'security', isResolved: false, evidence: [{ source: '/var/log/auth.log' }, { source: 'change:listener', lines: ['[C4] tcp 0.0.0.0:4444: tcp 0.0.0.0:4444 now listening (nc)'] }] });
    expect(model.nonCritical.map((f) => f.key)).toEqual(['auth.failed_login:198.51.100.7']);
    expect(model.collectionNotes).toEqual([{ source: '/var/log/nginx/*.log', message: 'no file matches' }]);
  });

  it('shows the latest facts with the period average and peak per resource, and growth windows per mount', () => {
    const health = model.health!;
    expect(health.asOf).toBe('2026-11-25 18:00:00 UTC');
    expect(health.cpu).toMatchObject({ percent: 23.4, band: 'health' });
    expect(health.cpu.stats).toMatchObject({ samples: 8, peakBand: 'info' });
    expect(health.memory?.stats).toMatchObject({ peak: 75.1, peakBand: 'warning' });
    expect(health.disks.map((d) => d.mount)).toEqual(['/', '/var']);
    const varDisk = health.disks.find((d) => d.mount === '/var')!;
    expect(varDisk.growth).toEqual({ sinceLastPass: 0, day: 6 * GIB, week: 6 * GIB });
    expect(varDisk.stats?.peak).toBe(60);
  });

  it('groups changes by area, packages by transaction, and finds the directories behind disk growth', () => {
    const changes = model.changes!;
    expect(changes.total).toBe(9);
    expect(changes.unexpected).toBe(6);
    expect(changes.groups.map((g) => [g.area, g.total, g.unexpected])).toEqual([
      ['users', 1, 1],
      ['packages', 3, 1],
      ['services', 1, 1],
      ['ports', 1, 1],
      ['files', 1, 0],
      ['docker', 1, 1],
    ]);
    const packages = changes.groups.find((g) => g.area === 'packages')!;
    expect(packages.sets.map((s) => [s.transaction, s.items.map((i) => i.subject)])).toEqual([
      ['apt upgrade by admin at 2026-11-25 08:55:00', ['libssl3', 'openssl']],
      [null, [`evil|pkg${HOSTILE}`]],
    ]);
    expect(changes.diskGrowth).toEqual([
      {
        mount: '/var',
        deltaBytes: 6 * GIB,
        usedBytes: 60 * GIB,
        sizeBytes: 100 * GIB,
        directories: ['/var/log +5.5 GiB (now 7.5 GiB)', `/var/lib/${HOSTILE} +512 MiB (new, now 512 MiB)`],
        directoriesKind: 'grew',
        directoriesAt: '2026-11-25 15:00:05 UTC',
      },
    ]);
  });

  it('names the largest directories of a du of the period when no growth finding has its own', () => {
    const data = sampleReportData({
      findings: sampleReportData().findings.filter((f) => f.category !== 'disk.growth'),
      du: {
        '/var': {
          at: '2026-11-25T15:00:05.000Z',
          usedBytes: 60 * GIB,
          sizeBytes: 100 * GIB,
          result: { mount: '/var', depth: 2, cap: 200, dirs: [{ path: '/var', kb: 60 * 1024 ** 2 }, { path: '/var/lib/docker', kb: 40 * 1024 ** 2 }], complete: true, exitCode: 0, error: null },
        },
      },
    });
    expect(build(data).changes?.diskGrowth[0]).toMatchObject({ mount: '/var', directories: ['/var/lib/docker 40 GiB'], directoriesKind: 'largest', directoriesAt: '2026-11-25 15:00:05 UTC' });
    // A step below the configured one, without a finding, is not growth worth a line.
    const quiet = build(data, { host: sampleReportHost({ diskGrowth: { stepBytes: 10 * GIB, stepPercent: null, fullWithinDays: 7, du: true, duDepth: 2, duTimeoutSeconds: 30 } }) });
    expect(quiet.changes?.diskGrowth).toEqual([]);
  });

  it('reviews each log source over the period: summed reads, highlights and new patterns', () => {
    expect(model.logSources.map((s) => [s.path, s.passes, s.bytesRead, s.findingCount, s.highlights.length, s.newPatterns.length])).toEqual([
      ['/var/log/auth.log', 7, 7 * 1024, 2, 2, 0],
      ['/var/log/syslog', 7, 14 * 1024, 1, 0, 1],
      ['/var/log/nginx/*.log', 0, 0, 0, 0, 0],
    ]);
    expect(model.logSources[0]?.highlights[0]).toEqual({ title: 'SSH brute force from 203.0.113.9: 12 failed password logins', severity: 'crit', count: 12 });
    expect(model.logSources[1]?.newPatterns[0]?.example).toContain('worker 7 crashed');
  });

  it('lists docker containers problems first, draws three trend charts, and keeps the AI summary in paragraphs', () => {
    expect(model.docker?.containers.map((c) => [c.name.slice(0, 6), c.status])).toEqual([
      ['db', 'critical'],
      ['worker', 'warning'],
      ['web', 'ok'],
    ]);
    expect(model.docker?.running).toBe(1);
    expect(model.charts.map((c) => [c.id, c.cid, c.width, c.height])).toEqual([
      ['cpu', 'cpu.web-01@dthostmon', 560, 180],
      ['memory', 'memory.web-01@dthostmon', 560, 180],
      ['disk', 'disk.web-01@dthostmon', 560, 180],
    ]);
    expect(model.charts[2]?.svg).toContain('>/var</text>');
    expect(model.charts[2]?.svg).not.toContain('/snap/');
    expect(model.ai?.paragraphs).toEqual(['The disk / is nearly full.', `A worker crashed: ${HOSTILE.replace(/\s+/g, ' ')}`]);
    // The LLM's claims stay out of the log review: it lists what the rules found in each log.
    expect(model.logSources[0]?.findingCount).toBe(2);
  });

  it('says when the latest pass could not reach the host, and when no pass ran at all', () => {
    const runs = sampleReportData().runs;
    const failed = { ...runs[5]!, reasons: [] };
    const down = build(sampleReportData({ latest: failed }));
    expect(down.reachable).toBe(false);
    expect(down.score).toMatchObject({ value: null, previous: 80, change: null, reasons: [] });
    expect(renderer.render('host-report.md', down)).toContain('The host could not be reached in the latest pass of this period; it has no score.** Score at the last report: 80/100.');
    const none = build(sampleReportData({ runs: [], latest: null, findings: [], changes: [], changesTotal: 0, metrics: [], facts: null, items: [], ai: { latest: null, answered: null, cost: [] } }), { previousReport: null });
    const markdown = renderer.render('host-report.md', none);
    expect(markdown).toContain('No pass looked at this host in this period.');
    expect(markdown).toContain('*No system facts were collected up to the end of this period.*');
    expect(markdown).not.toContain('## 🔄');
    expect(none.charts).toEqual([]);
    expect(none.ai).toBeNull();
  });
});

describe('period host report templates', () => {
  const model = build();
  const markdown = renderer.render('host-report.md', model);
  const text = renderer.render('host-report.txt', model);
  const html = renderer.render('host-report.html', model);

  it('has the sections of the issue in order: header, critical, health, changes, warnings, logs, docker, notes, non-critical, AI, footer', () => {
    const headings = markdown.split('\n').filter((l) => /^## /.test(l));
    expect(headings).toEqual([
      '## Health Score',
      '## 🚨 CRITICAL ISSUES',
      '## 📊 System Health Overview',
      '## 🔄 Changes Since the Last Report',
      '## ⚠️ Warnings',
      '## 📝 Log File Analysis',
      '## 🐳 Docker Containers',
      '## 🧾 Collection Notes',
      '## ℹ️ Non-Critical Items',
      '## 🤖 AI Analysis',
    ]);
    expect(markdown).toContain('**Score:** 62/100 · 🚨 Needs attention · -18 since the last report of 2026-11-24 18:00:00 UTC (80/100)');
    expect(markdown).toContain('- **CPU Usage:** ✅ 23.4% (Health), 4 cores, average over 3h · period average');
    expect(markdown.trimEnd().split('\n').pop()).toBe('*Report generated by dthostmon at 2026-11-25 18:00:00 UTC*');
    for (const word of ['HEALTH SCORE', 'CRITICAL ISSUES', 'SYSTEM HEALTH', 'CHANGES SINCE THE LAST REPORT', 'WARNINGS', 'LOG FILE ANALYSIS', 'DOCKER CONTAINERS', 'AI ANALYSIS']) {
      expect(text.split('\n')).toContain(word);
    }
    expect(html).toContain('Host Status Report: web-01</h1>');
  });

  it('cannot be broken by hostile names, log lines and package names in any format', () => {
    // Markdown: every hostile value escaped or fenced; no line starts a heading it did not write.
    expect(markdown).not.toMatch(/^# not a heading/m);
    expect(markdown).toContain('evil\\|pkg 1.0 installed x\\`\\|\\<script\\>alert(1)\\</script\\> # not a heading');
    expect(markdown).toContain('| workerx\\`\\|\\<script\\>alert(1)\\</script\\> # not a heading | evil\\|image:\\`latest\\` | exited (exit 137) |');
    // Plain text: each value on its own line.
    expect(text).not.toMatch(/^# not a heading/m);
    expect(text).toContain('  workerx`|<script>alert(1)</script> # not a heading (evil|image:`latest`): exited (exit 137), 0 restarts, WARNING');
    // HTML: no markup from the data, anywhere.
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('x&#96;|&lt;script&gt;alert(1)&lt;/script&gt; # not a heading');
    expect(html.match(/<svg/g)).toHaveLength(3);
  });

  it('prints cid images in email and inline SVG in a file', () => {
    const email = renderer.render('host-report.html', { ...model, media: 'email' });
    expect(email).not.toContain('<svg');
    expect(email).toContain('<img src="cid:cpu.web-01@dthostmon" width="560" height="180" alt="CPU used (%), last 30 days"');
    expect(email.match(/src="cid:/g)).toHaveLength(3);
    expect(html).not.toContain('cid:');
  });
});

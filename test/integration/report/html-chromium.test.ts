import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACTS, CHROMIUM, WIDTH, browserIt, measure, screenshot } from '../../helpers/chromium.js';
import { analyzeHost } from '../../../src/analyze/analyze-host.js';
import { buildHostReportModel, buildPeriodHostReportModel } from '../../../src/report/host-report-model.js';
import { createRenderer } from '../../../src/report/render.js';
import { hostReportOutputs, reportOutputs, type ReportOutputs } from '../../../src/report/report-email.js';
import { alertMessageModel, renderAlertEmail } from '../../../src/alert/messages.js';
import type { AlertItem } from '../../../src/alert/plan.js';
import { hostileModel } from '../../unit/report/site-report-sample.js';
import { loadSnapshotFixture, makeHost, NO_PREVIOUS } from '../../unit/analyze/helpers.js';
import { GENERATED_AT, HOSTILE, SINCE, sampleAiAnalysis, sampleAiData, sampleFindings, sampleReportData, sampleReportHost } from '../../unit/report/host-report-sample.js';

/**
 * The HTML reports in a real browser (headless Chromium, Debian's `chromium`) at 600 px, the width email clients give
 * a message: nothing may stick out horizontally. The email version is opened with its cid: images replaced by data:
 * URIs of the attached PNGs (what a mail client does), the saved file as is. Screenshots are kept in test-artifacts/
 * for a human to look at. Under CI=true a missing Chromium fails the test; elsewhere it is skipped with a message.
 */
/** The email HTML as a mail client shows it: each cid: image replaced by its attachment. */
function emailAsShown(out: ReportOutputs): string {
  let html = out.email.html;
  for (const a of out.email.attachments) {
    if (a.cid && Buffer.isBuffer(a.content)) html = html.split(`cid:${a.cid}`).join(`data:${a.contentType};base64,${a.content.toString('base64')}`);
  }
  return html;
}

function outputs(): Record<string, string> {
  const renderer = createRenderer();
  const findings = sampleFindings();
  // A long unbreakable log line and hostile text: they must wrap, not widen the page.
  findings[3]!.evidence = [{ source: '/var/log/syslog', lines: [`${'x'.repeat(1500)} ${HOSTILE}`, `/var/lib/${'very-long-directory-name-'.repeat(20)}`] }];
  // The AI section at its fullest: every provider down at the latest pass (a long error), the last summary with long
  // recommendations, dropped claims, and a cost table with failed and unpriced calls; the AI finding with its badge.
  const ai = sampleAiData({
    latest: sampleAiAnalysis({ createdAt: '2026-11-25T17:30:07.000Z', status: 'unavailable', reason: `openai: ${'HTTP 503 Service Unavailable; '.repeat(12)}${HOSTILE}`, summary: null, llmScore: null, recommendations: [] }),
    answered: sampleAiAnalysis({ droppedClaims: 3, recommendations: [`Rotate ${'x'.repeat(400)}`, 'Free space on / before it fills.'] }),
  });
  const period = buildPeriodHostReportModel(sampleReportData({ findings, ai }), {
    host: sampleReportHost(),
    generatedAt: GENERATED_AT,
    since: SINCE,
    previousReport: { score: 80, generatedAt: SINCE.toISOString() },
    media: 'email',
  });
  const periodOut = hostReportOutputs(renderer, period);
  const host = makeHost();
  const snapshot = loadSnapshotFixture('host-report', 'web-01');
  const pass = buildHostReportModel({
    host,
    snapshot,
    analysis: analyzeHost(host, snapshot, NO_PREVIOUS, { secrets: [] }),
    previous: NO_PREVIOUS,
    generatedAt: GENERATED_AT,
    ai: {
      status: 'ok',
      trigger: 'new',
      reason: null,
      answer: { summary: 'Disk / is nearly full; /var grew by 6 GiB in the afternoon (logs).', healthScore: 58, findings: [], recommendations: ['Free space on /.'], droppedClaims: 1 },
      provider: 'openai',
      model: 'gpt-4o-mini',
      inputHash: 'h',
      estimatedTokens: 1800,
      calls: [],
      pendingInput: null,
      catchUpOf: null,
    },
  });
  const passOut = hostReportOutputs(renderer, pass);
  const site = hostileModel();
  const siteOut = reportOutputs(renderer, { kind: 'site', template: 'site-report', name: 's01-home', generatedAt: site.generatedAt, model: site, charts: [] });
  const item = (host: string, severity: AlertItem['severity'], kind: AlertItem['kind'], title: string): AlertItem => ({
    host,
    site: 's01',
    kind,
    severity,
    category: 'auth.bruteforce',
    key: `auth.bruteforce:${title}`,
    title,
    recommendation: 'Block the source (firewall, fail2ban) and check for a successful login from it.',
    excerpt: [`${'x'.repeat(300)}`, HOSTILE, `/var/lib/${'very-long-directory-name-'.repeat(12)}`],
    source: '/var/log/auth.log',
    link: 'https://monitor.example.com/hosts/web-01/report',
    score: 62,
    mutedBy: null,
  });
  const alert = renderAlertEmail(
    renderer,
    alertMessageModel(
      [item('web-01', 'crit', 'opened', `SSH brute force ${HOSTILE}`), item('db-01.example.internal.long-domain-name.example.com', 'warn', 'reminder', 'Disk / 91% full'), item('web-01', 'warn', 'resolved', 'Memory 95%')],
      GENERATED_AT,
      7,
    ),
  );
  return {
    'site-report-email': siteOut.email.html,
    'alert-email': alert.html,
    'raw:site-report-email': siteOut.email.html,
    'raw:alert-email': alert.html,
    'host-report-email': emailAsShown(periodOut),
    'host-report-file': periodOut.htmlFile,
    'host-report-pass-email': emailAsShown(passOut),
    // Kept for the line-length check: the HTML exactly as sent.
    'raw:host-report-email': periodOut.email.html,
    'raw:host-report-file': periodOut.htmlFile,
    'raw:host-report-pass-email': passOut.email.html,
  };
}

describe('HTML reports and alert emails in headless Chromium at 600 px', () => {
  const pages = outputs();
  let work: string;

  beforeAll(() => {
    mkdirSync(ARTIFACTS, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'dthostmon-chromium-'));
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('sends no HTML line longer than 998 characters', () => {
    for (const [name, html] of Object.entries(pages).filter(([key]) => key.startsWith('raw:'))) {
      const longest = Math.max(...html.split('\n').map((line) => line.length));
      expect({ name, longest: Math.min(longest, 999) }).toEqual({ name, longest: Math.min(longest, 998) });
    }
  });

  browserIt('has chromium installed, and the measurement sees an overflow where there is one', async () => {
    expect(existsSync(CHROMIUM)).toBe(true);
    const wide = '<!DOCTYPE html><html><body style="margin:0"><table width="700" style="width:700px"><tr><td>x</td></tr></table></body></html>';
    const result = await measure(wide, work, 'too-wide');
    expect(result.scrollWidth).toBe(700);
    expect(result.wide.length).toBeGreaterThan(0);
  });

  for (const name of ['host-report-email', 'host-report-file', 'host-report-pass-email', 'site-report-email', 'alert-email']) {
    browserIt(`${name}: no horizontal overflow, screenshot saved`, async () => {
      const html = pages[name] as string;
      const result = await measure(html, work, name);
      expect(result.innerWidth).toBe(WIDTH);
      expect({ scrollWidth: result.scrollWidth, wide: result.wide }).toEqual({ scrollWidth: expect.any(Number), wide: [] });
      expect(result.scrollWidth).toBeLessThanOrEqual(WIDTH);
      const png = await screenshot(html, work, name);
      expect(statSync(png).size).toBeGreaterThan(10_000);
      const bytes = readFileSync(png);
      expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(bytes.readUInt32BE(16)).toBe(WIDTH);
    });
  }
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeHost } from '../../../src/analyze/analyze-host.js';
import { buildHostReportModel, buildPeriodHostReportModel } from '../../../src/report/host-report-model.js';
import { composeEmail } from '../../../src/report/mail.js';
import { createRenderer } from '../../../src/report/render.js';
import { hostReportOutputs, limitLineLength, markdownAttachmentName, reportOutputs } from '../../../src/report/report-email.js';
import { loadSnapshotFixture, makeHost, NO_PREVIOUS } from '../analyze/helpers.js';
import { GENERATED_AT, HOSTILE, SINCE, sampleFindings, sampleReportData, sampleReportHost } from './host-report-sample.js';

const renderer = createRenderer();
/** A log line far longer than an email line may be. */
const LONG_LINE = `Nov 25 12:00:01 web-01 app[42]: ${'payload=&<>"é🚨 '.repeat(400)}end`;

function periodModel() {
  const findings = sampleFindings();
  findings[3]!.evidence = [{ source: '/var/log/syslog', lines: [LONG_LINE, `short ${HOSTILE}`] }];
  return buildPeriodHostReportModel(sampleReportData({ findings }), {
    host: sampleReportHost(),
    generatedAt: GENERATED_AT,
    since: SINCE,
    previousReport: { score: 80, generatedAt: SINCE.toISOString() },
    media: 'email',
  });
}

describe('hostReportOutputs', () => {
  const model = periodModel();
  const out = hostReportOutputs(renderer, model);

  it('renders Markdown, text, a self-contained HTML file and the email from one model', () => {
    expect(out.markdown).toBe(renderer.render('host-report.md', model));
    expect(out.text).toBe(renderer.render('host-report.txt', model));
    expect(out.email.text).toBe(out.text);
    expect(out.email.subject).toBe('[dthostmon] Host Report: web-01 — 62/100, 3 critical');
    // The file: inline SVG, no reference to anything outside it.
    expect(out.htmlFile.match(/<svg /g)).toHaveLength(3);
    expect(out.htmlFile).not.toMatch(/cid:|src="http|<link /);
    // The email: the charts as cid images, no SVG (Gmail and Outlook do not show it).
    expect(out.email.html).not.toContain('<svg');
    expect(out.email.html.match(/<img src="cid:/g)).toHaveLength(3);
  });

  it('attaches each chart as a PNG by Content-ID, and the Markdown report as host_report_<name>_<date>.md', () => {
    const [cpu, memory, disk, markdown] = out.email.attachments;
    expect(out.email.attachments).toHaveLength(4);
    expect([cpu, memory, disk].map((a) => [a?.filename, a?.contentType, a?.cid])).toEqual([
      ['cpu.web-01.png', 'image/png', 'cpu.web-01@dthostmon'],
      ['memory.web-01.png', 'image/png', 'memory.web-01@dthostmon'],
      ['disk.web-01.png', 'image/png', 'disk.web-01@dthostmon'],
    ]);
    expect((cpu?.content as Buffer).subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(markdown).toEqual({ filename: 'host_report_web-01_20261125.md', content: out.markdown, contentType: 'text/markdown; charset=utf-8' });
  });

  it('keeps every HTML line within 998 characters, even around a very long log line', () => {
    for (const html of [out.htmlFile, out.email.html]) {
      expect(Math.max(...html.split('\n').map((line) => line.length))).toBeLessThanOrEqual(998);
      expect(html).toContain('<wbr\n>');
    }
    // Only invisible break opportunities were added: the text is intact.
    const raw = renderer.render('host-report.html', { ...model, media: 'email' });
    expect(out.email.html.replace(/<wbr\n>/g, '')).toBe(raw);
  });

  it('produces an email the composer accepts, with no line over 998 characters in the raw message', async () => {
    const raw = await composeEmail(
      { to: ['ops@example.net'], ...out.email },
      { from: 'dthostmon <monitor@example.net>', replyTo: 'ops@example.net', messageId: '<1@example.net>', date: GENERATED_AT },
    );
    expect(Math.max(...raw.split('\r\n').map((line) => line.length))).toBeLessThanOrEqual(998);
    expect(raw).toContain('Content-ID: <cpu.web-01@dthostmon>');
    expect(raw).toMatch(/Content-Type: text\/markdown; charset=utf-8[\s\S]*host_report_web-01_20261125\.md/);
  });

  it('gives a per-pass report (no charts) just the Markdown attachment', () => {
    const host = makeHost();
    const snapshot = loadSnapshotFixture('host-report', 'web-01');
    const analysis = analyzeHost(host, snapshot, NO_PREVIOUS, { secrets: [] });
    const pass = buildHostReportModel({ host, snapshot, analysis, previous: NO_PREVIOUS, generatedAt: GENERATED_AT });
    const outputs = hostReportOutputs(renderer, pass, { toPng: () => Buffer.from('unused') });
    expect(outputs.email.attachments.map((a) => a.filename)).toEqual(['host_report_web-01_20261125.md']);
    expect(outputs.email.html).not.toMatch(/<script/i);
  });

  it('keeps the subject on one line whatever the host name', () => {
    const hostile = hostReportOutputs(renderer, { ...model, host: { ...model.host, name: `evil\r\nBcc: x@example.net ${HOSTILE}` } });
    expect(hostile.email.subject).toBe('[dthostmon] Host Report: evil Bcc: x@example.net x`|<script>alert(1)</script> # not a heading — 62/100, 3 critical');
    expect(hostile.email.attachments.at(-1)?.filename).toBe('host_report_evil__Bcc__x_example.net_x___script_alert_1___script____not_a_heading_20261125.md');
  });
});

describe('reportOutputs for other reports', () => {
  it('renders any template family, and attaches only the charts the email HTML shows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dthostmon-report-email-'));
    try {
      writeFileSync(join(dir, 'x.md.hbs'), '# {{title}}\n');
      writeFileSync(join(dir, 'x.txt.hbs'), '{{title}}\n');
      writeFileSync(join(dir, 'x.html.hbs'), '<p>{{title}}</p>{{#each charts}}{{#if shown}}{{chart this}}{{/if}}{{/each}}\n');
      writeFileSync(join(dir, 'x-subject.txt.hbs'), '[dthostmon] Site Report: {{title}}\n');
      const chart = (id: string, shown: boolean) => ({ id, cid: `${id}.s01@dthostmon`, title: id, alt: id, width: 100, height: 50, svg: `<svg id="${id}"></svg>`, shown });
      const charts = [chart('a', true), chart('b', false)];
      const out = reportOutputs(
        createRenderer({ builtinDir: dir }),
        { kind: 'site', template: 'x', name: 's01 home', generatedAt: '2026-11-25 18:00:00 UTC', model: { title: 'S01 <home>', charts }, charts },
        { toPng: (svg) => Buffer.from(svg) },
      );
      expect(out.email.subject).toBe('[dthostmon] Site Report: S01 <home>');
      expect(out.htmlFile).toBe('<p>S01 &lt;home&gt;</p><svg id="a"></svg>\n');
      expect(out.email.html).toContain('<img src="cid:a.s01@dthostmon" width="100" height="50" alt="a"');
      expect(out.email.attachments.map((a) => [a.filename, a.cid, String(a.content)])).toEqual([
        ['a.s01.png', 'a.s01@dthostmon', '<svg id="a"></svg>'],
        ['site_report_s01_home_20261125.md', undefined, '# S01 \\<home\\>\n'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the Markdown attachment after the kind, a safe name and the day', () => {
    expect(markdownAttachmentName('host', '../etc/passwd', '2026-01-02 03:04:05 UTC')).toBe('host_report___etc_passwd_20260102.md');
    expect(markdownAttachmentName('site', 's01', 'garbage')).toBe('site_report_s01_undated.md');
  });
});

describe('limitLineLength', () => {
  it('breaks long text with invisible break opportunities, never inside a character reference or an emoji', () => {
    const line = `<pre style="white-space:pre-wrap">${'ab&amp;🚨é'.repeat(300)}</pre>`;
    const out = limitLineLength(line, 200);
    expect(Math.max(...out.split('\n').map((l) => l.length))).toBeLessThanOrEqual(200);
    expect(out.replace(/<wbr\n>/g, '')).toBe(line);
    expect(out).not.toMatch(/&[a-z]*<wbr/);
    expect(out).not.toMatch(/[\ud800-\udbff]<wbr/);
  });

  it('breaks a long tag at its spaces, and leaves short lines alone', () => {
    const tag = `<td ${Array.from({ length: 80 }, (_, i) => `data-x${i}="v ${i}"`).join(' ')}>x</td>`;
    const out = limitLineLength(tag, 120);
    expect(Math.max(...out.split('\n').map((l) => l.length))).toBeLessThanOrEqual(120);
    expect(out.replace(/\n/g, ' ')).toBe(tag);
    expect(limitLineLength('short\nlines')).toBe('short\nlines');
  });
});

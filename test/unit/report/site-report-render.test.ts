import { createRenderer } from '../../../src/report/render.js';
import { buildSiteReportModel } from '../../../src/report/site-report-model.js';
import { EVIL_TITLE, GENERATED_AT, hostileModel, SINCE } from './site-report-sample.js';

/**
 * Everything a host, a log or an attacker controls (host names from the store, finding titles built from log lines,
 * mount points, change details, connection errors) must print as text in all three formats: no heading, table cell,
 * list item, link or HTML element of its own.
 */
const renderer = createRenderer();

/** The Markdown without its code spans (an escaped backtick opens none): what a renderer would interpret. */
function outsideCodeSpans(markdown: string): string {
  return markdown.replace(/(?<![\\`])(`+)(?!`)([\s\S]*?)(?<!`)\1(?!`)/g, '');
}

describe('site report with hostile names and titles', () => {
  const model = hostileModel();

  it('Markdown: values cannot open headings, list items, links, table cells or HTML', () => {
    const markdown = renderer.render('site-report.md', model);
    const lines = markdown.split('\n');
    expect(lines.filter((l) => /^#{1,6} /.test(l))).toEqual([
      '# Site Status Report: s01-home',
      '## 🚨 CRITICAL ITEMS ACROSS SITE',
      '### Host: evil\\|host \\<script\\>alert(1)\\</script\\>',
      '## 📊 Site Overview',
      '## 🎯 Health Scores',
      '## 🔄 Systems with Recent Changes',
      '### evil\\|host \\<script\\>alert(1)\\</script\\>',
      '## 💾 Host Resource Usage',
      '## 💿 Storage Highlights',
    ]);
    const text = outsideCodeSpans(markdown);
    expect(text).not.toMatch(/(?<!\\)<(script|img|iframe|a |b>)/);
    expect(text).not.toMatch(/(?<!\\)\[click\](?!\\)/);
    expect(lines.some((l) => /^\s*- injected/.test(l))).toBe(false);
    // Every table row keeps its column count: a `|` in a value is escaped.
    const rows = lines.filter((l) => l.startsWith('| '));
    for (const row of rows) {
      const cells = row.replace(/\\\|/g, '').split('|').length - 2;
      expect([4, 5, 6]).toContain(cells);
    }
    expect(rows.find((r) => r.includes('evil') && r.includes('%'))).toContain('95.0% on /mnt/a\\|b # mount \\<b\\>bold\\</b\\>');
    expect(markdown).toContain('**SSH brute force from \\`x\\` # not a heading ## Injected heading \\[click\\](http://evil.example) \\<img src=x onerror=alert(1)\\> \\| cell**');
    // The LLM's critical item is marked; the AI column shows the cost per day, a host without calls a dash.
    expect(markdown).toContain('2. 🤖 AI · **The LLM says: SSH brute force');
    expect(lines).toContain('| Host | CPU | Memory | Disk | Status | AI $/day |');
    expect(rows.find((r) => r.includes('evil') && r.includes('%'))).toMatch(/ \| 0\.0123 \+ unpriced \|$/);
    expect(rows.find((r) => r.startsWith('| down-01') && r.includes('%'))).toMatch(/🔌 Unreachable \| – \|$/);
    expect(markdown).toContain('Site total: 0.0123 USD for 30 calls on 1 host, 0.0123 USD per day.*');
    expect(markdown).toContain('- 🔌 **down-01**: last seen 2026-11-25 17:00:00 UTC; 0 of 24 passes in the period failed; last error: connect failed # Injected \\<script\\>x\\</script\\>');
  });

  it('HTML: every value is escaped, every style inline, in the shared email layout at most 600 px wide', () => {
    const html = renderer.render('site-report.html', model);
    expect(html).not.toMatch(/<(script|img|iframe|a |b>)/i);
    expect(html).not.toMatch(/onerror=/);
    expect(html).toContain('evil|host &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;iframe src&#61;&quot;http://evil.example&quot;&gt;');
    expect(html).not.toMatch(/<style|class=|<link/i);
    expect(html).toContain('max-width:600px');
    expect(html).toContain('<title>Site Status Report: s01-home</title>');
    expect(html).toContain('<span style="color:#7e22ce;font-weight:bold;white-space:nowrap;">🔌 Unreachable</span>');
    expect(html).toContain('>AI $/day</th>');
    expect(html).toContain('>🤖 AI</span> <strong>The LLM says: SSH brute force');
    const rows = html.match(/<tr>/g) ?? [];
    // The layout (2), the header block (4), the status counts (1), 2 score rows and 2 resource rows: none added by a value.
    expect(rows).toHaveLength(11);
  });

  it('plain text: every value stays on its line', () => {
    const text = renderer.render('site-report.txt', model);
    const lines = text.split('\n');
    expect(lines.some((l) => /^\s*(#|- injected|\[click\])/.test(l))).toBe(false);
    expect(lines).toContain(`  1. ${EVIL_TITLE.replace('\n', ' ')} (auth.bruteforce), still open`);
    expect(lines).toContain(`  2. [AI] The LLM says: ${EVIL_TITLE.replace('\n', ' ')} (ai.finding), not reported by the latest pass`);
    expect(lines.some((l) => l.startsWith('  evil|host <script>alert(1)</script>: CPU') && l.endsWith(', AI 0.0123 USD/day + unpriced'))).toBe(true);
    expect(lines.some((l) => l.startsWith('  evil|host <script>alert(1)</script> /mnt/a|b # mount <b>bold</b>: 95.0% used'))).toBe(true);
    expect(lines.filter((l) => l.includes('connect failed'))).toEqual([
      expect.stringContaining('down-01: CPU 10.0%, memory 20.0%, disk 20.0% on /, status Unreachable (last seen 2026-11-25 17:00:00 UTC; 0 of 24 passes failed; connect failed # Injected <script>x</script>)'),
    ]);
  });

  it('subject: one line with the counts that matter', () => {
    expect(renderer.render('site-report-subject.txt', model)).toBe('[dthostmon] Site Report: s01-home — 2 hosts, 1 critical, 1 unreachable\n');
  });
});

describe('site report without data', () => {
  const empty = buildSiteReportModel(
    { since: SINCE.toISOString(), until: GENERATED_AT.toISOString(), trendSince: SINCE.toISOString(), hosts: [] },
    { site: 's02-empty', hosts: [], generatedAt: GENERATED_AT, since: SINCE, previousReport: null },
  );

  it.each(['site-report.md', 'site-report.html', 'site-report.txt'])('%s says so instead of printing zeros', (name) => {
    const out = renderer.render(name, empty);
    expect(out).toMatch(/No host data available/);
    expect(out).toMatch(/No mount is near its limit/);
    expect(out).not.toMatch(/0\.0%/);
    expect(out).toMatch(/first site report/);
  });
});

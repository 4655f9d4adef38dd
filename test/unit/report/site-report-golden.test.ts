import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { createRenderer } from '../../../src/report/render.js';
import { buildSiteReportModel, siteReportSummary } from '../../../src/report/site-report-model.js';
import type { SiteReportData } from '../../../src/store/site-report-repo.js';
import type { ResolvedHost } from '../../../src/types.js';
import { FIXTURES } from '../analyze/helpers.js';
import { GENERATED_AT, SINCE } from './site-report-sample.js';

/**
 * The whole Markdown site report for a fixed site, data and clock (test/fixtures/site-report/s01-home: the config,
 * the data as loadSiteReportData returns it, and the expected report). After a deliberate template change, rerun
 * with UPDATE_GOLDEN=1 to rewrite the expected file, and review its diff.
 */
const DIR = join(FIXTURES, 'site-report', 's01-home');
const GOLDEN = join(DIR, 'site-report.md');

async function build() {
  const config = await loadConfig(join(DIR, 'dthostmon.yaml'), { env: {}, homeDir: '/home/me' });
  const data = JSON.parse(readFileSync(join(DIR, 'data.json'), 'utf8')) as SiteReportData;
  const model = buildSiteReportModel(data, {
    site: 's01-home',
    hosts: config.hosts as ResolvedHost[],
    generatedAt: GENERATED_AT,
    since: SINCE,
    previousReport: { generatedAt: '2026-11-24T18:00:00.000Z', scores: { 'web-01': 70, 'db-01': 90, 'mail-01': 97, 'backup-01': null } },
  });
  return { model, markdown: createRenderer().render('site-report.md', model) };
}

describe('site report golden (s01-home)', () => {
  it('renders exactly the expected Markdown', async () => {
    const { markdown } = await build();
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, markdown);
    expect(markdown).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('records the scores it showed, for the next report to compare with', async () => {
    const { model } = await build();
    expect(siteReportSummary(model)).toEqual({ scores: { 'backup-01': null, 'db-01': 88, 'mail-01': 97, 'nas-01': 100, 'web-01': 62 } });
  });
});

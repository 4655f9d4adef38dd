import { link, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostReportPath, sanitizeHostDirName, writeHostReport } from '../../../src/report/write-report.js';

const AT = new Date('2026-11-25T18:42:51.123Z');

describe('writeHostReport', () => {
  let reportsDir: string;
  beforeEach(async () => {
    reportsDir = await mkdtemp(join(tmpdir(), 'dthm-reports-'));
  });
  afterEach(async () => {
    await rm(reportsDir, { recursive: true, force: true });
  });

  it('writes reportsDir/<host>/<UTC timestamp>.md and returns the path', async () => {
    const path = await writeHostReport(reportsDir, 'web-01', AT, '# report\n');
    expect(path).toBe(join(reportsDir, 'web-01', '20261125T184251Z.md'));
    expect(path).toBe(hostReportPath(reportsDir, 'web-01', AT));
    expect(await readFile(path, 'utf8')).toBe('# report\n');
    expect(await readdir(join(reportsDir, 'web-01'))).toEqual(['20261125T184251Z.md']);
  });

  it('sanitizes the host name into one safe directory name', async () => {
    expect(sanitizeHostDirName('web-01.example.net')).toBe('web-01.example.net');
    expect(sanitizeHostDirName('../../etc')).toBe('_._.._etc');
    expect(sanitizeHostDirName('..')).toBe('_.');
    expect(sanitizeHostDirName('.hidden')).toBe('_hidden');
    expect(sanitizeHostDirName('a/b\\c d:e')).toBe('a_b_c_d_e');
    expect(sanitizeHostDirName('')).toBe('_');
    expect(sanitizeHostDirName('x'.repeat(300))).toHaveLength(100);
    const path = await writeHostReport(reportsDir, '../escape', AT, 'x');
    expect(path).toBe(join(reportsDir, '_._escape', '20261125T184251Z.md'));
  });

  it('replaces an existing report by rename, so a reader never sees a partial file', async () => {
    const path = await writeHostReport(reportsDir, 'web-01', AT, 'old report\n');
    // A hard link keeps the old inode: an in-place rewrite would change what it shows, a rename does not.
    const keep = join(reportsDir, 'old-inode.md');
    await link(path, keep);
    await writeHostReport(reportsDir, 'web-01', AT, 'new report\n');
    expect(await readFile(path, 'utf8')).toBe('new report\n');
    expect(await readFile(keep, 'utf8')).toBe('old report\n');
    expect(await readdir(join(reportsDir, 'web-01'))).toEqual(['20261125T184251Z.md']);
  });

  it('leaves no temporary file behind when the final rename fails', async () => {
    // A directory where the report should go makes rename() fail after the temp file was written.
    await mkdir(join(reportsDir, 'web-01', '20261125T184251Z.md'), { recursive: true });
    await expect(writeHostReport(reportsDir, 'web-01', AT, 'x')).rejects.toThrow();
    expect(await readdir(join(reportsDir, 'web-01'))).toEqual(['20261125T184251Z.md']);
  });

  it('fails cleanly when the reports directory cannot be created', async () => {
    const file = join(reportsDir, 'a-file');
    await writeFile(file, '');
    await expect(writeHostReport(file, 'web-01', AT, 'x')).rejects.toThrow();
  });
});

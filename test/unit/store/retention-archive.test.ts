import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { StoreError } from '../../../src/errors.js';
import { RetentionArchive } from '../../../src/store/retention-archive.js';

const lines = (file: string) =>
  gunzipSync(readFileSync(file))
    .toString('utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { table: string; row: { id: number } });

describe('RetentionArchive', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dthm-archive-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends each batch as a gzip member to the file of each row\'s month; gunzip reads the members as one stream', async () => {
    const archive = new RetentionArchive(path.join(dir, 'archive'));
    await archive.append([
      { table: 'host_runs', at: '2025-01-31T23:59:59.999Z', row: { id: 1 } },
      { table: 'findings', at: '2025-02-01T00:00:00.000Z', row: { id: 2 } },
    ]);
    await archive.append([{ table: 'audit_log', at: '2025-01-02T00:00:00.000Z', row: { id: 3 } }, { table: 'runs', at: null, row: { id: 4 } }]);
    const jan = path.join(dir, 'archive', '2025-01.jsonl.gz');
    expect(archive.files).toEqual(['2025-01', '2025-02', 'undated'].map((m) => path.join(dir, 'archive', `${m}.jsonl.gz`)));
    expect(lines(jan)).toEqual([
      { table: 'host_runs', row: { id: 1 } },
      { table: 'audit_log', row: { id: 3 } },
    ]);
    // Two members: the second gzip header starts where the first member ends.
    expect(readFileSync(jan).subarray(2).indexOf(Buffer.from([0x1f, 0x8b]))).toBeGreaterThan(0);
    expect(readdirSync(path.join(dir, 'archive')).filter((f) => f.endsWith('.journal'))).toEqual([]);
  });

  it('cuts off an append a crash interrupted (its journal is still there) before appending again, and says so', async () => {
    const archiveDir = path.join(dir, 'archive');
    await new RetentionArchive(archiveDir).append([{ table: 'runs', at: '2025-03-01T00:00:00.000Z', row: { id: 1 } }]);
    const file = path.join(archiveDir, '2025-03.jsonl.gz');
    const complete = statSync(file).size;
    // What a crash halfway through the next append leaves: its journal, and part of a member.
    writeFileSync(path.join(archiveDir, '.2025-03.jsonl.gz.journal'), String(complete));
    appendFileSync(file, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00]));
    expect(() => gunzipSync(readFileSync(file))).toThrow();
    const warnings: string[] = [];
    await new RetentionArchive(archiveDir, { onWarning: (m) => warnings.push(m) }).append([{ table: 'runs', at: '2025-03-02T00:00:00.000Z', row: { id: 2 } }]);
    expect(lines(file).map((l) => l.row.id)).toEqual([1, 2]);
    expect(warnings).toEqual([`retention archive ${file}: cut off an append a crash interrupted (5 bytes)`]);
    expect(readdirSync(archiveDir)).toEqual(['2025-03.jsonl.gz']);
  });

  it('fails with one line naming the file when it cannot write', async () => {
    const blocker = path.join(dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const failure = await new RetentionArchive(blocker).append([{ table: 'runs', at: '2025-03-01T00:00:00.000Z', row: { id: 1 } }]).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(StoreError);
    expect((failure as StoreError).exitCode).toBe(3);
    expect((failure as StoreError).message).toMatch(new RegExp(`^cannot write the retention archive ${blocker}/2025-03\\.jsonl\\.gz: \\S.*$`));
  });
});

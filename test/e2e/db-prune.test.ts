/**
 * `dthostmon db prune` through the built binary, on an SQLite store with passes 200, 100 and 1 day ago (the CLI prunes
 * at the real time): --dry-run changes nothing, a prune archives and deletes what is older than 90 days, a second
 * prune finds nothing, --json prints the summary, and an archive that cannot be written exits 3 with one line.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { migrateToLatest } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/open-store.js';
import { assertBuilt, runCli, tempDir } from '../helpers/cli.js';
import { seedSmallStore } from '../helpers/retention-seed.js';

const HOSTS = 'hosts:\n  - {name: web-01, hostname: 10.0.0.5, user: dtmon}\n';

async function seedStore(dbPath: string): Promise<void> {
  const store = await openStore({ dialect: 'sqlite', path: dbPath });
  try {
    await migrateToLatest(store.db);
    await seedSmallStore(store.db, new Date());
  } finally {
    await store.close();
  }
}

describe('dthostmon db prune', () => {
  const dir = tempDir('dthm-e2e-prune-');
  const config = join(dir, 'dthostmon.yaml');
  const archiveDir = join(dir, 'data', 'archive');
  beforeAll(async () => {
    assertBuilt();
    writeFileSync(config, `database:\n  path: data/dthostmon.db\n${HOSTS}`);
    await seedStore(join(dir, 'data', 'dthostmon.db'));
  });

  it('--dry-run says what it would archive and delete, and changes nothing', async () => {
    const res = await runCli(['db', 'prune', '--dry-run', '-c', config]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SQLite .*dthostmon\.db: history before \S+Z \(retention\.days 90\), dry run: nothing changed$/);
    expect(lines[1]).toMatch(new RegExp(`^  would archive \\d+ rows to ${archiveDir}: \\d{4}-\\d{2}\\.jsonl\\.gz, \\d{4}-\\d{2}\\.jsonl\\.gz$`));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}would delete \d+ rows: host_runs 2, findings 2, runs 2, audit_log 2$/));
    expect(existsSync(archiveDir)).toBe(false);
  });

  it('prunes with --json, archiving before it deletes; a second prune finds nothing', async () => {
    const res = await runCli(['db', 'prune', '--json', '-c', config]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout) as { dryRun: boolean; deletedRows: Record<string, number>; archivedRows: Record<string, number>; archiveFiles: string[] };
    expect(summary).toMatchObject({ dryRun: false, deletedRows: { host_runs: 2, findings: 2, runs: 2, audit_log: 2 } });
    expect(summary.archivedRows).toEqual(summary.deletedRows);
    const archived = summary.archiveFiles.flatMap((file) => gunzipSync(readFileSync(file)).toString('utf8').trimEnd().split('\n'));
    expect(archived.map((line) => (JSON.parse(line) as { table: string }).table).sort()).toEqual(['audit_log', 'audit_log', 'findings', 'findings', 'host_runs', 'host_runs', 'runs', 'runs']);
    const again = await runCli(['db', 'prune', '-c', config]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/\n {2}nothing to prune\n {2}took \d+\.\d s\n$/);
    expect((await runCli(['db', 'prune', '--quiet', '-c', config])).stdout).toBe('');
  });

  it('exits 3 with one line when the archive cannot be written', async () => {
    const blocked = join(dir, 'blocked.yaml');
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    writeFileSync(blocked, `database:\n  path: data2/dthostmon.db\nretention:\n  archive_dir: not-a-dir\n${HOSTS}`);
    await seedStore(join(dir, 'data2', 'dthostmon.db'));
    const res = await runCli(['db', 'prune', '-c', blocked]);
    expect(res.code).toBe(3);
    expect(res.stdout).toBe('');
    expect(res.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^dthostmon: cannot write the retention archive .*not-a-dir\/\d{4}-\d{2}\.jsonl\.gz: /)]);
  });
});

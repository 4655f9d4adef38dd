import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.js';
import type { CliIo } from '../../../src/cli/output.js';
import { migrateToLatest, migrationStatus } from '../../../src/store/migrate.js';
import { tempDir } from '../../helpers/cli.js';
import { openTestStore, storeTables, testDialects } from '../../helpers/store.js';

const ALL = readdirSync('migrations')
  .filter((file) => file.endsWith('.js'))
  .map((file) => file.slice(0, -'.js'.length))
  .sort();

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t), isTTY: false },
    stderr: { write: (t: string) => (stderr += t), isTTY: false },
    env: { NO_COLOR: '1' },
    cwd: process.cwd(),
  };
  const code = await main(['node', 'dthostmon', ...args], io);
  return { code, stdout, stderr };
}

describe.each(await testDialects())('migrationStatus on %s', (dialect) => {
  it('lists every migration as pending on an empty store, none after migrating, and changes nothing', async () => {
    const store = await openTestStore(dialect, { migrate: false });
    try {
      await expect(migrationStatus(store.db)).resolves.toEqual({ applied: [], pending: ALL });
      // Asking did not create Kysely's migration tables.
      expect(await storeTables(store)).toEqual([]);
      await migrateToLatest(store.db);
      await expect(migrationStatus(store.db)).resolves.toEqual({ applied: ALL, pending: [] });
    } finally {
      await store.cleanup();
    }
  });
});

describe('dthostmon db status', () => {
  const dir = tempDir('dthm-db-status-');
  const dbPath = join(dir, 'var', 'dthostmon.db');
  const config = join(dir, 'dthostmon.yaml');
  writeFileSync(config, 'database:\n  path: var/dthostmon.db\nhosts:\n  - name: self\n    transport: local\n');

  it('exits 1 listing every migration for a store not created yet, and does not create it', async () => {
    const res = await cli(['db', 'status', '-c', config]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(`SQLite ${dbPath} (does not exist yet): ${ALL.length} pending migrations: ${ALL.join(', ')}`);
    expect(res.stdout).toContain('dthostmon db migrate');
    expect(existsSync(dbPath)).toBe(false);
    const json = await cli(['db', 'status', '-c', config, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ store: `SQLite ${dbPath}`, exists: false, applied: [], pending: ALL });
  });

  it('exits 0 once migrated; --quiet then prints nothing', async () => {
    expect((await cli(['db', 'migrate', '-c', config])).code).toBe(0);
    const res = await cli(['db', 'status', '-c', config]);
    expect(res).toEqual({ code: 0, stdout: `SQLite ${dbPath}: schema is up to date (${ALL.length} migrations applied)\n`, stderr: '' });
    expect(await cli(['db', 'status', '-c', config, '--quiet'])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('exits 3 with one line when the store cannot be opened', async () => {
    const garbage = join(dir, 'garbage.yaml');
    writeFileSync(join(dir, 'garbage.db'), 'this is not a SQLite database, and it is long enough to have a header\n'.repeat(20));
    writeFileSync(garbage, 'database:\n  path: garbage.db\nhosts:\n  - name: self\n    transport: local\n');
    const res = await cli(['db', 'status', '-c', garbage]);
    expect(res.code).toBe(3);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^dthostmon: cannot open SQLite .*garbage\.db: /)]);

    const refused = join(dir, 'refused.yaml');
    writeFileSync(refused, 'database:\n  url: postgres://mon:pw-secret@127.0.0.1:1/dthostmon\nhosts:\n  - name: self\n    transport: local\n');
    const pg = await cli(['db', 'status', '-c', refused]);
    expect(pg.code).toBe(3);
    expect(pg.stderr).toMatch(/^dthostmon: cannot open PostgreSQL postgres:\/\/mon@127\.0\.0\.1:1\/dthostmon: /);
    expect(pg.stderr).not.toContain('pw-secret');
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { sql } from 'kysely';
import { StoreError } from '../../../src/errors.js';
import { openStore } from '../../../src/store/open-store.js';
import { openTestStore, testDialects } from '../../helpers/store.js';

describe.each(await testDialects())('openStore on %s', (dialect) => {
  it('opens a working store and closes it', async () => {
    const store = await openTestStore(dialect, { migrate: false });
    try {
      expect(store.dialect).toBe(dialect);
      const result = await sql<{ one: number }>`select 1 as one`.execute(store.db);
      expect(result.rows).toEqual([{ one: 1 }]);
    } finally {
      await store.cleanup();
    }
  });
});

describe('openStore on SQLite', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dthostmon-open-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the parent directory and turns on WAL, busy timeout and foreign keys', async () => {
    const file = path.join(dir, 'nested', 'deeper', 'dthostmon.db');
    const store = await openStore({ dialect: 'sqlite', path: file });
    try {
      expect(store.describe).toBe(`SQLite ${file}`);
      const pragma = async (name: string) =>
        (await sql<Record<string, unknown>>`select * from ${sql.raw(`pragma_${name}`)}`.execute(store.db)).rows[0];
      expect(await pragma('journal_mode')).toEqual({ journal_mode: 'wal' });
      expect(await pragma('busy_timeout')).toEqual({ timeout: 5000 });
      expect(await pragma('foreign_keys')).toEqual({ foreign_keys: 1 });
    } finally {
      await store.close();
    }
  });

  it('fails with one StoreError line when the path lies under a regular file', async () => {
    const blocker = path.join(dir, 'not-a-directory');
    await writeFile(blocker, 'plain file');
    const file = path.join(blocker, 'dthostmon.db');

    const failure = await openStore({ dialect: 'sqlite', path: file }).catch((err: unknown) => err);

    expect(failure).toBeInstanceOf(StoreError);
    expect((failure as StoreError).exitCode).toBe(3);
    expect((failure as Error).message).toBe(`cannot open SQLite ${file}: a parent of the path is not a directory`);
  });

  it('fails with a StoreError when the file is not a database', async () => {
    const file = path.join(dir, 'garbage.db');
    await writeFile(file, 'this is not an SQLite database, just enough bytes to have a header'.repeat(20));

    const failure = await openStore({ dialect: 'sqlite', path: file }).catch((err: unknown) => err);

    expect(failure).toBeInstanceOf(StoreError);
    expect((failure as Error).message).toBe(`cannot open SQLite ${file}: file is not a database`);
  });
});

describe('openStore on PostgreSQL', () => {
  it('fails with one StoreError line without the password when nothing listens', async () => {
    const failure = await openStore({
      dialect: 'postgres',
      url: 'postgres://dthm:s3cr%40t-pw@127.0.0.1:1/dthostmon',
      display: 'postgres://dthm@127.0.0.1:1/dthostmon',
    }).catch((err: unknown) => err);

    expect(failure).toBeInstanceOf(StoreError);
    expect((failure as StoreError).exitCode).toBe(3);
    expect((failure as Error).message).toBe('cannot open PostgreSQL postgres://dthm@127.0.0.1:1/dthostmon: connection refused');
    const everything = inspect(failure, { depth: 10 }) + String((failure as Error).stack);
    expect(everything).not.toContain('s3cr');
  });

  it('fails with a StoreError on a URL it cannot parse', async () => {
    const failure = await openStore({
      dialect: 'postgres',
      url: 'postgres://dthm:s3cret@127.0.0.1:notaport/dthostmon',
      display: 'postgres://dthm@127.0.0.1:notaport/dthostmon',
    }).catch((err: unknown) => err);

    expect(failure).toBeInstanceOf(StoreError);
    expect((failure as Error).message).toMatch(/^cannot open PostgreSQL postgres:\/\/dthm@127\.0\.0\.1:notaport\/dthostmon: /);
    expect(inspect(failure, { depth: 10 })).not.toContain('s3cret');
  });
});

/**
 * The retention archive: `<dir>/YYYY-MM.jsonl.gz`, one JSON object per line (`{"table": ..., "row": {...}}`), in the
 * file of the month of the row's own time. Each batch is appended as a new gzip member (zcat and gunzip read
 * multi-member files as one stream) and fsynced before its rows are deleted.
 *
 * A crash in the middle of an append must not leave a member cut short for good: before appending, the file's length
 * is written (and fsynced) to a journal `.YYYY-MM.jsonl.gz.journal`, removed once the member is durable. A journal
 * found later means that append never completed: the file is cut back to the recorded length (its rows were not
 * deleted, so the next batch archives them again).
 */
import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { StoreError, errorMessage } from '../errors.js';
import { archiveMonth } from './retention-plan.js';

const gzipAsync = promisify(gzip);

/** One row to archive, with the time that picks its month file. */
export interface ArchiveRecord {
  table: string;
  /** The row's own time (ISO), or null when it has none. */
  at: string | null;
  row: Record<string, unknown>;
}

/** Appends batches of rows to the month files of one directory. */
export class RetentionArchive {
  private readonly written = new Set<string>();
  private readonly checked = new Set<string>();
  private readonly onWarning: (message: string) => void;

  constructor(
    readonly dir: string,
    options: { onWarning?: (message: string) => void } = {},
  ) {
    this.onWarning = options.onWarning ?? (() => undefined);
  }

  /** The files appended to so far, sorted. */
  get files(): string[] {
    return [...this.written].sort();
  }

  /**
   * Appends the records, one gzip member per month file; durable on disk when it resolves.
   * @throws StoreError (one line naming the file) when a file cannot be written: the caller deletes nothing then.
   */
  async append(records: readonly ArchiveRecord[]): Promise<void> {
    const byMonth = new Map<string, string[]>();
    for (const record of records) {
      const month = archiveMonth(record.at);
      const lines = byMonth.get(month) ?? [];
      lines.push(JSON.stringify({ table: record.table, row: record.row }));
      byMonth.set(month, lines);
    }
    for (const [month, lines] of [...byMonth].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const file = path.join(this.dir, `${month}.jsonl.gz`);
      try {
        await this.appendMember(file, await gzipAsync(Buffer.from(`${lines.join('\n')}\n`)));
      } catch (err) {
        throw new StoreError(`cannot write the retention archive ${file}: ${errorMessage(err)}`, { cause: err });
      }
      this.written.add(file);
    }
  }

  private async appendMember(file: string, member: Buffer): Promise<void> {
    const journal = path.join(this.dir, `.${path.basename(file)}.journal`);
    if (!this.checked.has(file)) {
      await mkdir(this.dir, { recursive: true });
      await this.recover(file, journal);
      this.checked.add(file);
    }
    const handle = await open(file, 'a');
    try {
      const { size } = await handle.stat();
      await writeFile(journal, String(size));
      await syncPath(journal);
      // The new file's and the journal's directory entries must survive a crash too.
      await syncPath(this.dir);
      try {
        await handle.write(member);
        await handle.sync();
      } catch (err) {
        await handle.truncate(size).catch(() => undefined);
        throw err;
      }
    } finally {
      await handle.close();
    }
    await rm(journal);
  }

  /** Cuts off what an append interrupted by a crash left behind (see the module comment). */
  private async recover(file: string, journal: string): Promise<void> {
    let recorded: number;
    try {
      recorded = Number(await readFile(journal, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const size = await stat(file).then((s) => s.size, () => 0);
    if (Number.isInteger(recorded) && recorded >= 0 && size > recorded) {
      const handle = await open(file, 'r+');
      try {
        await handle.truncate(recorded);
        await handle.sync();
      } finally {
        await handle.close();
      }
      this.onWarning(`retention archive ${file}: cut off an append a crash interrupted (${size - recorded} bytes)`);
    }
    await rm(journal);
  }
}

/** fsync of a file or directory. */
async function syncPath(target: string): Promise<void> {
  const handle = await open(target, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

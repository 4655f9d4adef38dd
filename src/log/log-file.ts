/**
 * `--log-file`: an append-only file written asynchronously (a pass never waits for the disk), created 0640,
 * reopened on SIGHUP so logrotate can move it away (`postrotate kill -HUP`) without `copytruncate`.
 */
import { closeSync, openSync } from 'node:fs';
import { UsageError, errorMessage } from '../errors.js';
import { loadPino } from './logger.js';

export interface LogFile {
  /** Where the lines go (a pino destination). */
  stream: ReturnType<typeof import('pino').destination>;
  /** Opens the path again: after `mv`, new lines land in a new file and the moved one keeps the old lines. */
  reopen(): void;
  /** Writes what is buffered and closes the file. */
  close(): Promise<void>;
}

const FILE_MODE = 0o640;

function whyNotOpened(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return errorMessage(err);
}

/**
 * Opens (appends to) the log file. A write that fails later (disk full, the directory gone at a reopen) is reported
 * through `onError` once per failure and never stops the command.
 * @throws UsageError when the file cannot be opened now.
 */
export function openLogFile(path: string, onError: (message: string) => void): LogFile {
  // Opened once synchronously so that a wrong path is a one-line usage error now, not an 'error' event later.
  try {
    closeSync(openSync(path, 'a', FILE_MODE));
  } catch (err) {
    throw new UsageError(`--log-file ${path}: cannot open it (${whyNotOpened(err)})`);
  }
  const stream = loadPino().destination({ dest: path, append: true, sync: false, mode: FILE_MODE });
  stream.on('error', (err: unknown) => onError(`--log-file ${path}: ${whyNotOpened(err)}`));
  return {
    stream,
    reopen: () => stream.reopen(),
    close: () =>
      new Promise<void>((resolve) => {
        stream.once('close', () => resolve());
        stream.once('error', () => resolve());
        stream.end();
      }),
  };
}

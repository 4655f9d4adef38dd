/**
 * Writes the synced dthostmon.yaml safely: the current file is copied to `<config>.bak` (one backup, replaced each
 * time: the original added a timestamped backup on every run, without limit: GAP-S16), the new text goes to
 * `<config>.tmp-<pid>` with the original file's mode, is flushed to disk, and renamed over the config. A crash
 * leaves either the old or the new file, never half of one.
 */
import { closeSync, copyFileSync, fchmodSync, fchownSync, fsyncSync, mkdirSync, openSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, errorMessage } from '../errors.js';

/** Mode of a config created by sync: it will hold secrets (SMTP, database) once the user fills it in. */
const NEW_FILE_MODE = 0o600;

export interface WriteResult {
  /** The file written (symlinks resolved). */
  path: string;
  /** `<config>.bak`, or null when the file is new. */
  backupPath: string | null;
}

function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every filesystem lets a directory be opened and flushed; the rename itself is still atomic.
  }
}

/** Writes `text` to `configPath` atomically, after a backup of the current file. Throws ConfigError on failure. */
export function writeConfigAtomically(configPath: string, text: string, pid: number = process.pid): WriteResult {
  let path = configPath;
  let mode = NEW_FILE_MODE;
  let owner: { uid: number; gid: number } | null = null;
  let backupPath: string | null = null;
  const fail = (what: string, err: unknown): never => {
    throw new ConfigError([{ file: path, path: '', message: `${what}: ${errorMessage(err)}; the config was not changed` }]);
  };
  try {
    path = realpathSync(configPath);
    const stat = statSync(path);
    mode = stat.mode & 0o7777;
    owner = { uid: stat.uid, gid: stat.gid };
    backupPath = `${path}.bak`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') fail('cannot read', err);
  }
  if (backupPath) {
    try {
      copyFileSync(path, backupPath);
    } catch (err) {
      fail(`cannot write the backup ${backupPath}`, err);
    }
  }
  const tmp = `${path}.tmp-${pid}`;
  let isTmpCreated = false;
  try {
    if (!backupPath) mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(tmp, 'w', mode);
    isTmpCreated = true;
    try {
      // The umask must not change the mode of an existing config (it may be 0640 for a group that reads it).
      fchmodSync(fd, mode);
      // Root (serve in a container, sync-config under sudo) rewriting another user's config keeps its owner.
      if (owner && process.getuid?.() === 0 && (owner.uid !== 0 || owner.gid !== 0)) fchownSync(fd, owner.uid, owner.gid);
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    if (isTmpCreated) rmSync(tmp, { force: true });
    fail('cannot write', err);
  }
  syncDirectory(dirname(path));
  return { path, backupPath };
}

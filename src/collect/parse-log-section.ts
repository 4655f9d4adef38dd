import type { Fingerprint, RotatedSibling } from './cursor-plan.js';

/** How the probe found a matched log path. `newline`: a file name with a newline, which we refuse to handle. */
export type ProbedFileState = 'ok' | 'missing' | 'unreadable' | 'notfile' | 'newline';

/** One log file as the probe saw it (paths without rootfs). */
export interface ProbedLogFile {
  pattern: string;
  path: string;
  state: ProbedFileState;
  inode: number | null;
  sizeBytes: number | null;
  /** Over the previous cursor's fingerprint length (or the head when there is no cursor). */
  fingerprint: Fingerprint | null;
  /** Over the first 1024 bytes (same as `fingerprint` when the lengths agree). */
  headFingerprint: Fingerprint | null;
  siblings: RotatedSibling[];
}

const STATES = new Set<string>(['ok', 'missing', 'unreadable', 'notfile', 'newline']);

/** Parses the records of one `log:<n>` probe section (format in `buildProbeScript`). Unknown lines are ignored. */
export function parseLogSection(stdout: string, pattern: string): ProbedLogFile[] {
  const files: ProbedLogFile[] = [];
  let file: ProbedLogFile | null = null;
  let sibling: RotatedSibling | null = null;
  for (const line of stdout.split('\n')) {
    const space = line.indexOf(' ');
    const kind = space < 0 ? line : line.slice(0, space);
    const rest = space < 0 ? '' : line.slice(space + 1);
    if (kind === 'file') {
      const [state = '', ...path] = rest.split(' ');
      if (!STATES.has(state)) continue;
      file = {
        pattern,
        path: path.join(' '),
        state: state as ProbedFileState,
        inode: null,
        sizeBytes: null,
        fingerprint: null,
        headFingerprint: null,
        siblings: [],
      };
      sibling = null;
      files.push(file);
      continue;
    }
    if (!file) continue;
    const fields = rest.trim().split(/\s+/);
    if (kind === 'stat') {
      file.inode = toInt(fields[0]);
      file.sizeBytes = toInt(fields[1]);
    } else if (kind === 'fp') {
      file.fingerprint = toFingerprint(fields);
    } else if (kind === 'head') {
      file.headFingerprint = toFingerprint(fields);
    } else if (kind === 'sib' || kind === 'gz') {
      const isCompressed = kind === 'gz';
      const [inode, size, ...path] = rest.split(' ');
      sibling = isCompressed
        ? { path: rest, isCompressed, inode: null, sizeBytes: null, fingerprint: null }
        : { path: path.join(' '), isCompressed, inode: toInt(inode), sizeBytes: toInt(size), fingerprint: null };
      file.siblings.push(sibling);
    } else if ((kind === 'sibfp' || kind === 'gzfp') && sibling) {
      sibling.fingerprint = toFingerprint(fields);
    } else if (kind === 'gzsize' && sibling) {
      sibling.sizeBytes = littleEndianUint32(fields);
    }
  }
  for (const f of files) f.headFingerprint ??= f.fingerprint;
  return files;
}

function toInt(text: string | undefined): number | null {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : null;
}

function toFingerprint(fields: string[]): Fingerprint | null {
  const [value, length] = fields;
  const lengthBytes = toInt(length);
  return value && lengthBytes !== null ? { value, lengthBytes } : null;
}

/** gzip's trailer ends with the uncompressed size modulo 2^32, little-endian (printed by `od -tu1`). */
function littleEndianUint32(fields: string[]): number | null {
  const bytes = fields.map(toInt);
  if (bytes.length !== 4 || bytes.some((b) => b === null || b > 255)) return null;
  return bytes.reduce<number>((sum, b, i) => sum + (b ?? 0) * 2 ** (8 * i), 0);
}

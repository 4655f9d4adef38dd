import { join } from 'node:path';
import { fileTimestamp } from './format.js';
import { writeFileAtomic } from './write-file.js';

const MAX_NAME_LENGTH = 100;

/**
 * A host name as one safe path segment: only `[A-Za-z0-9._-]` survive (others become `_`), no leading dot (so no
 * `.`, `..` or hidden directory), never empty, at most 100 characters.
 */
export function sanitizeHostDirName(host: string): string {
  const cleaned = host
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\./, '_')
    .slice(0, MAX_NAME_LENGTH);
  return cleaned === '' ? '_' : cleaned;
}

/** `reportsDir/<host>/<20261125T184251Z>.md`: where the report of a host generated at this time goes. */
export function hostReportPath(reportsDir: string, host: string, generatedAt: Date): string {
  return join(reportsDir, sanitizeHostDirName(host), `${fileTimestamp(generatedAt)}.md`);
}

/**
 * Writes a host report atomically: a temporary file in the same directory, flushed to disk, then renamed over the
 * final name. A reader (or `serve`) sees either no file or the whole report, never a partial one. Returns the path.
 */
export async function writeHostReport(reportsDir: string, host: string, generatedAt: Date, content: string): Promise<string> {
  return writeFileAtomic(hostReportPath(reportsDir, host, generatedAt), content);
}

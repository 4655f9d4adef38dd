import { join } from 'node:path';
import { fileTimestamp } from './format.js';
import { writeFileAtomic } from './write-file.js';

const MAX_SLUG_LENGTH = 60;

/** `Disk /var 93% on web-01` -> `disk-var-93-on-web-01`: a file name part that says what the mail is about. */
export function subjectSlug(subject: string): string {
  const slug = subject
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/-+$/, '');
  return slug === '' ? 'message' : slug;
}

/**
 * `<emlDir>/<YYYYMMDDTHHMMSSZ>-<id>-<slug>.eml`. The time is when the message was queued, so writing the same
 * outbox row again (after a crash) replaces the file instead of adding a second one.
 */
export function emlPath(emlDir: string, queuedAt: Date, id: number, subject: string): string {
  return join(emlDir, `${fileTimestamp(queuedAt)}-${id}-${subjectSlug(subject)}.eml`);
}

/**
 * Writes a raw message as an .eml file atomically (temporary file in the same directory, flushed, renamed), creating
 * the directory. A mail client opens it as the email that would have been sent. Returns the path.
 */
export async function writeEml(emlDir: string, queuedAt: Date, id: number, subject: string, raw: string): Promise<string> {
  return writeFileAtomic(emlPath(emlDir, queuedAt, id, subject), raw);
}

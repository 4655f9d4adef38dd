import { errorMessage } from '../errors.js';

/** Short wording for the system errors a user can act on; anything else keeps the driver's message. */
const REASON_BY_CODE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS lookup failed)',
  ETIMEDOUT: 'connection timed out',
  CONNECT_TIMEOUT: 'connection timed out',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a parent of the path is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
};

/**
 * One line saying why the store could not be opened, with every secret (e.g. the URL password) replaced by `***`.
 * Driver messages are not trusted to leave secrets out, so they are scrubbed too.
 */
export function connectErrorReason(err: unknown, secrets: readonly string[]): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  let reason = REASON_BY_CODE[code] ?? (messageOf(err).split('\n')[0] || 'unknown error');
  for (const secret of secrets) {
    if (secret) reason = reason.split(secret).join('***');
  }
  return reason;
}

/** errorMessage, also for errors from another realm (Node built-ins seen from a vm context such as jest's). */
function messageOf(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string') return err.message;
  return errorMessage(err);
}

/** The password of a connection URL, raw and URL-encoded, for scrubbing; empty when there is none or no URL. */
export function urlSecrets(url: string): string[] {
  try {
    const { password } = new URL(url);
    if (!password) return [];
    const decoded = safeDecode(password);
    return decoded === password ? [password] : [password, decoded];
  } catch {
    return [];
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

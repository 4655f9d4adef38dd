import { formatSeconds } from './format-seconds.js';

/**
 * One short, secret-free phrase for an ssh2 or socket error, to follow `ssh user@host:port: `. Known causes get a
 * fixed wording (tests and operators grep for it); anything else keeps the first line of its message.
 */
export function describeSshError(err: unknown, connectTimeoutMs: number): string {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { level?: unknown; code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const timedOut = `timed out after ${formatSeconds(connectTimeoutMs)}`;
  if (e.level === 'client-authentication') return 'authentication failed (publickey)';
  if (e.level === 'client-timeout') return /keepalive/i.test(message) ? 'connection lost (keepalive timeout)' : timedOut;
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'EHOSTUNREACH':
      return 'host unreachable';
    case 'ENETUNREACH':
      return 'network unreachable';
    case 'ETIMEDOUT':
      return timedOut;
    case 'ECONNRESET':
      return 'connection reset by peer';
    default:
      break;
  }
  if (/Host denied/.test(message)) return 'host key verification failed';
  if (/Connection lost before handshake/.test(message)) return 'connection closed before the SSH handshake';
  const firstLine = message.split('\n')[0]?.trim() ?? '';
  return firstLine.length > 200 ? `${firstLine.slice(0, 200)}…` : firstLine || 'unknown error';
}

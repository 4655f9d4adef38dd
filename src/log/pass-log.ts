/**
 * A pass's warnings and progress as log events (component `pass`), for `run` and `serve --schedule`. In the text
 * format they are the lines `run` always printed: `warning: ...`, and with --verbose `web-01: collecting`,
 * `web-01: ok score 97`.
 */
import { sanitizeText } from '../collect/sanitize-line.js';
import type { PassEvent } from '../run-pass.js';
import type { Logger } from './logger.js';

export interface PassLog {
  /** runPass's onWarning: warn, with `host` when the warning starts with a host's name. */
  warning(message: string): void;
  /** runPass's onProgress: debug events with `host`, `status`, `score`, `durationMs`. */
  progress(event: PassEvent): void;
}

/** The PassDeps callbacks of one pass; `hostNames` are the config's hosts (a warning's `host` is one of them). */
export function createPassLog(log: Logger, hostNames: readonly string[], maxConcurrentHosts: number): PassLog {
  const pass = log.child({ component: 'pass' });
  const names = new Set(hostNames);
  return {
    warning: (message) => {
      const text = sanitizeText(message);
      const colon = text.indexOf(': ');
      const host = colon > 0 ? text.slice(0, colon) : '';
      pass.warn(text, names.has(host) ? { host } : undefined);
    },
    progress: (event) => {
      if (event.type === 'pass-start') {
        pass.debug(`pass ${event.runId}: ${event.hostCount} host(s), at most ${maxConcurrentHosts} at once`, { runId: event.runId, hostCount: event.hostCount });
      } else if (event.type === 'host-start') {
        pass.debug(`${event.host}: collecting`, { host: event.host });
      } else {
        const r = event.result;
        const error = r.error ? sanitizeText(r.error) : null;
        pass.debug(`${r.name}: ${r.status}${r.score === null ? '' : ` score ${r.score}`}${error ? ` (${error})` : ''}`, {
          host: r.name,
          status: r.status,
          score: r.score,
          durationMs: r.durationMs,
          ...(error ? { error } : {}),
        });
      }
    },
  };
}

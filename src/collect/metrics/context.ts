/** What every metrics source client gets from the pass: the HTTP client, the host, the environment and the clock. */
import type { Clock } from '../../types.js';
import type { HttpAuth, HttpClient } from './http.js';

export interface SourceContext {
  http: HttpClient;
  host: { name: string; hostname: string; site: string | null };
  /** Where tokens and passwords are read from (process.env in a pass): settings carry variable NAMES only. */
  env: Readonly<Record<string, string | undefined>>;
  clock: Clock;
  /** The pass deadline (each request also has the source's own timeout). */
  signal: AbortSignal;
}

/** Placeholders of `metrics.queries[].query` and of label matcher values: `$name`, `$hostname`, `$site`, `$match`. */
export function expandPlaceholders(text: string, vars: Readonly<Record<string, string>>): string {
  // Longest names first is not needed: a name ends at the first character that cannot be part of an identifier.
  return text.replace(/\$([a-z_]+)\b/g, (whole, name: string) => (Object.hasOwn(vars, name) ? (vars[name] as string) : whole));
}

/** The credentials of a source from the environment: basic (user + password variable) or a token variable. */
export function authFromEnv(
  env: SourceContext['env'],
  opts: { username: string | null; passwordEnv: string | null; tokenEnv: string | null; tokenKind: 'bearer' | 'token' },
): HttpAuth | null {
  const token = opts.tokenEnv ? env[opts.tokenEnv] : undefined;
  if (token) return { kind: opts.tokenKind, token };
  if (opts.username) return { kind: 'basic', username: opts.username, password: (opts.passwordEnv ? env[opts.passwordEnv] : undefined) ?? '' };
  return null;
}

/** Milliseconds since `start` by the pass clock. */
export function elapsedMs(clock: Clock, start: Date): number {
  return Math.max(0, clock().getTime() - start.getTime());
}

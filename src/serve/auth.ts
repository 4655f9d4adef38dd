/**
 * API key and registration token checks. Keys come from the config (written as `${VAR}`), are sent as `X-API-Key` or
 * `Authorization: Bearer`, and are compared as SHA-256 digests with timingSafeEqual, so neither the content nor the
 * length of the key leaks through timing. Nothing here logs or echoes a presented value.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError, type RouteAuth } from './types.js';

export interface ApiKeys {
  /** api.api_key; null: every `api` route is refused (serve refuses to start without one). */
  apiKey: string | null;
  /** api.registration_token; null: only the API key opens `registration` routes. */
  registrationToken: string | null;
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Constant-time equality of two secrets of any length. */
export function secretEquals(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The credentials a request presents, by header (first value only when a header is repeated). */
export function presentedCredentials(headers: IncomingHttpHeaders): { key: string | null; registration: string | null } {
  const first = (v: string | string[] | undefined): string | null => (Array.isArray(v) ? (v[0] ?? null) : (v ?? null));
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(first(headers.authorization) ?? '')?.[1] ?? null;
  const apiKeyHeader = first(headers['x-api-key']);
  return { key: apiKeyHeader ?? bearer, registration: first(headers['x-registration-token']) ?? bearer };
}

/**
 * Whether a request may call a route of this kind. `none`: anyone; `api`: the API key; `registration`: the
 * registration token or the API key.
 * @throws ApiError 401 `unauthorized` (with WWW-Authenticate) otherwise.
 */
export function authorize(auth: RouteAuth, headers: IncomingHttpHeaders, keys: ApiKeys): void {
  if (auth === 'none') return;
  const presented = presentedCredentials(headers);
  const candidates = [presented.key, presented.registration].filter((v): v is string => v !== null);
  const matches = (expected: string | null): boolean =>
    // Every candidate is compared (no early exit) so the time does not tell which header matched.
    expected !== null && candidates.map((c) => secretEquals(c, expected)).some(Boolean);
  const isApiKey = matches(keys.apiKey);
  const isRegistration = auth === 'registration' && matches(keys.registrationToken);
  if (isApiKey || isRegistration) return;
  const what = auth === 'registration' ? 'a valid registration token or API key' : 'a valid API key';
  const message =
    candidates.length === 0
      ? `${what} is required (X-API-Key or Authorization: Bearer${auth === 'registration' ? ' or X-Registration-Token' : ''})`
      : `${what} is required: the one sent is not valid`;
  throw new ApiError(401, 'unauthorized', message, { 'www-authenticate': 'Bearer realm="dthostmon"' });
}

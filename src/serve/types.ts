/**
 * The contract between `dthostmon serve`'s HTTP core (server.ts: TLS, limits, auth, routing, error bodies) and its
 * routes (routes/*.ts: one file per resource, each a list of `Route`s). A route never touches the socket: it gets a
 * validated request and returns plain data, or throws `ApiError`. Everything a route reads comes from the same Kysely
 * repositories `run` writes (src/store/).
 */
import type { Kysely } from 'kysely';
import type { LoadedConfig } from '../config/types.js';
import type { Database } from '../store/schema.js';
import type { Clock } from '../types.js';

/** Who may call a route: the API key, the registration token, or anyone (`/health`). */
export type RouteAuth = 'api' | 'registration' | 'none';

export interface ApiRequest {
  method: 'GET' | 'POST';
  /** Path parameters by name (`/api/v1/hosts/:name` -> `{ name }`), URL-decoded. */
  params: Readonly<Record<string, string>>;
  /** The query string. Routes validate what they read (zod) and throw ApiError 400 on bad values. */
  query: URLSearchParams;
  /** The parsed JSON body (POST), or undefined. */
  body: unknown;
  /** The client's address (for logs; never a key). */
  remoteAddress: string;
}

/** What every route gets besides the request. */
export interface ApiContext {
  db: Kysely<Database>;
  /** The config `serve` loaded (registration rereads the file itself before writing). */
  config: LoadedConfig;
  clock: Clock;
}

export type ApiResult =
  | { status: number; json: unknown; headers?: Record<string, string> }
  /** Text bodies: `/metrics` (Prometheus text format), rendered reports (Markdown, HTML). */
  | { status: number; text: string; contentType: string; headers?: Record<string, string> };

export interface Route {
  method: 'GET' | 'POST';
  /** `/api/v1/hosts/:name/results`: literal segments and `:param` segments. */
  path: string;
  auth: RouteAuth;
  handle(req: ApiRequest, ctx: ApiContext): Promise<ApiResult>;
}

/**
 * A refused request. The server turns it into the error body `{ "error": { "code", "message" } }` with `status`;
 * `message` is one line for the client (never a stack, a key or an SQL error).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Shorthands for the common refusals. */
export const notFound = (what: string): ApiError => new ApiError(404, 'not_found', what);
export const badRequest = (message: string): ApiError => new ApiError(400, 'bad_request', message);

/** JSON result with status 200 (or another). */
export function ok(json: unknown, status = 200): ApiResult {
  return { status, json };
}

/**
 * Path routing: `/api/v1/hosts/:name` patterns matched segment by segment (literal segments win over parameters, so
 * `/api/v1/hosts/register` is never taken for a host named "register"). A path that matches with another method is a
 * 405 with Allow; no match is a 404.
 */
import { ApiError, type Route } from './types.js';

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

interface Compiled {
  route: Route;
  segments: Array<{ literal: string } | { param: string }>;
  /** Literal segments count: more literals = more specific. */
  literals: number;
}

export interface Router {
  /** @throws ApiError 404 `not_found`, 405 `method_not_allowed` (Allow header), 400 for a badly encoded path. */
  match(method: string, pathname: string): RouteMatch;
}

function splitPath(pathname: string): string[] {
  // One trailing slash is forgiven (`/hosts/` is `/hosts`); empty segments elsewhere never match a parameter.
  const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  return trimmed.split('/').slice(1);
}

/** Compiles the route table; throws on two routes with the same method and pattern (a wiring bug). */
export function createRouter(routes: readonly Route[]): Router {
  const compiled: Compiled[] = routes.map((route) => {
    const segments = splitPath(route.path).map((s) => (s.startsWith(':') ? { param: s.slice(1) } : { literal: s }));
    return { route, segments, literals: segments.filter((s) => 'literal' in s).length };
  });
  const seen = new Set<string>();
  for (const c of compiled) {
    const key = `${c.route.method} ${c.segments.map((s) => ('literal' in s ? s.literal : ':')).join('/')}`;
    if (seen.has(key)) throw new Error(`two routes for ${c.route.method} ${c.route.path}`);
    seen.add(key);
  }
  compiled.sort((a, b) => b.literals - a.literals);

  return {
    match(method, pathname) {
      const raw = splitPath(pathname);
      let parts: string[];
      try {
        parts = raw.map((p) => decodeURIComponent(p));
      } catch {
        throw new ApiError(400, 'bad_request', 'the path is not valid percent-encoding');
      }
      const allowed = new Set<string>();
      for (const c of compiled) {
        const params = matchSegments(c.segments, parts);
        if (!params) continue;
        const routeMethod = c.route.method;
        if (routeMethod === method || (method === 'HEAD' && routeMethod === 'GET')) return { route: c.route, params };
        allowed.add(routeMethod);
        if (routeMethod === 'GET') allowed.add('HEAD');
      }
      if (allowed.size > 0) {
        const allow = [...allowed].sort().join(', ');
        throw new ApiError(405, 'method_not_allowed', `${method} is not allowed here (allowed: ${allow})`, { allow });
      }
      throw new ApiError(404, 'not_found', 'no such endpoint');
    },
  };
}

function matchSegments(segments: Compiled['segments'], parts: string[]): Record<string, string> | null {
  if (segments.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i += 1) {
    const segment = segments[i] as Compiled['segments'][number];
    const part = parts[i] as string;
    if ('literal' in segment) {
      if (segment.literal !== part) return null;
    } else {
      if (part === '') return null;
      params[segment.param] = part;
    }
  }
  return params;
}

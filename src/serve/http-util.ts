/**
 * Small HTTP helpers of `dthostmon serve`: query validation for the routes, the error body, the security headers, and
 * the request body reader (size-limited, JSON only).
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { ApiError } from './types.js';

/**
 * Validates a query string against a zod object schema, strictly: an unknown parameter is a 400 naming it. A key
 * given once is a string, a key repeated is an array of strings (use `z.union([z.string(), z.array(z.string())])` or
 * a preprocess where a route accepts repeats). Use z.coerce for numbers.
 * @throws ApiError 400 `bad_request` with `<param>: <message>`.
 */
export function parseQuery<Shape extends z.ZodRawShape>(shape: Shape, query: URLSearchParams): z.infer<z.ZodObject<Shape>> {
  const entries: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const values = query.getAll(key);
    entries[key] = values.length === 1 ? (values[0] as string) : values;
  }
  const result = z.strictObject(shape).safeParse(entries);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new ApiError(400, 'bad_request', 'invalid query string');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => oneLine(k, 40));
    const known = Object.keys(shape);
    throw new ApiError(400, 'bad_request', `${keys.join(', ')}: unknown parameter${keys.length > 1 ? 's' : ''} (known: ${known.join(', ') || 'none'})`);
  }
  const param = issue.path.map(String).join('.') || 'query';
  throw new ApiError(400, 'bad_request', `${oneLine(param, 40)}: ${oneLine(issue.message, 200)}`);
}

/** The error body every route and the server itself answer with. */
export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message: oneLine(message, 500) } };
}

/** One line, control characters out, at most `max` characters: safe for a log line or an error message. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s*[\u0000-\u001f\u007f]+\s*/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Headers on every answer. The API is read by scripts, never framed or run as a page: nosniff and a CSP that allows
 * nothing; `no-store` because fleet data must not sit in shared caches. HTML (rendered reports) keeps its inline
 * styles and data: images, and nothing else.
 */
export function securityHeaders(contentType: string): Record<string, string> {
  const isHtml = contentType.startsWith('text/html');
  return {
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'content-security-policy': isHtml
      ? "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
      : "default-src 'none'; frame-ancestors 'none'",
  };
}

/**
 * Reads a POST body: only `application/json` (415 otherwise), at most `maxBytes` (413, also when Content-Length says
 * so before anything is read), parsed (400 `invalid_json`). An empty body is undefined.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (type !== 'application/json') {
    if (declared === 0 || (!req.headers['content-length'] && !req.headers['transfer-encoding'])) return undefined;
    throw new ApiError(415, 'unsupported_media_type', 'the request body must be Content-Type: application/json');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (err) {
    throw new ApiError(400, 'invalid_json', `the request body is not valid JSON: ${oneLine((err as Error).message, 120)}`);
  }
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'payload_too_large', `the request body is larger than ${maxBytes} bytes (api.max_body)`);
}

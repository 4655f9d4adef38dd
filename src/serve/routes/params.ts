/**
 * Strict request parameter validation for the read routes (zod): every query parameter is declared, an unknown or
 * repeated one is a 400 naming it, and a bad value is a 400 saying what was expected. Messages are one line and
 * never echo more than a short, sanitized piece of the client's input.
 */
import { z } from 'zod';
import { badRequest } from '../types.js';

/** A query schema: one zod schema per parameter, each receiving the raw text (or undefined when absent). */
export type QueryShape = Record<string, z.ZodType<unknown, string | undefined>>;

export type ParsedQuery<S extends QueryShape> = { [K in keyof S]: z.output<S[K]> };

/** Host names and site ids are config names: a bound on their length keeps a crafted URL from reaching the store. */
const MAX_NAME_LENGTH = 255;
/** Ids are 32-bit `serial` on PostgreSQL: a larger number would be an SQL error, not a 404. */
const MAX_ID = 2 ** 31 - 1;

/**
 * Validates `query` against `shape`. With `allowUnknown` (the original's paths: old scripts may send more), unknown
 * parameters are ignored instead of refused.
 * @throws ApiError 400 naming the first bad parameter.
 */
export function parseQuery<S extends QueryShape>(query: URLSearchParams, shape: S, options: { allowUnknown?: boolean } = {}): ParsedQuery<S> {
  const raw: Record<string, string> = {};
  for (const [key, value] of query) {
    if (!Object.hasOwn(shape, key)) {
      if (options.allowUnknown) continue;
      const allowed = Object.keys(shape);
      throw badRequest(`unknown parameter ${quote(key)} (allowed: ${allowed.length > 0 ? allowed.join(', ') : 'none'})`);
    }
    if (Object.hasOwn(raw, key)) throw badRequest(`parameter ${key} given more than once`);
    raw[key] = value;
  }
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(shape)) {
    const result = schema.safeParse(raw[key]);
    if (!result.success) throw badRequest(`parameter ${key}: ${result.error.issues[0]?.message ?? 'invalid value'}`);
    out[key] = result.data;
  }
  return out as ParsedQuery<S>;
}

/** An integer parameter in [min, max], `fallback` when absent. */
export function intParam(min: number, max: number, fallback: number) {
  const expected = `expected an integer from ${min} to ${max}`;
  return z
    .string()
    .regex(/^[0-9]{1,9}$/, expected)
    .transform(Number)
    .pipe(z.number().int().min(min, expected).max(max, expected))
    .optional()
    .transform((v) => v ?? fallback);
}

/** An optional integer id (> 0). */
export function optionalIdParam() {
  return z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, 'expected a positive integer id')
    .transform(Number)
    .pipe(z.number().max(MAX_ID, 'expected a positive integer id'))
    .optional();
}

/** `true` or `false`, undefined when absent. */
export function boolParam() {
  return z.enum(['true', 'false'], 'expected true or false').transform((v) => v === 'true').optional();
}

/** One of `values`, `fallback` (or undefined) when absent. */
export function enumParam<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, `expected one of ${values.join(', ')}`).optional();
}

/** A short free-text filter (site, tag, category). */
export function textParam() {
  return z
    .string()
    .min(1, 'must not be empty')
    .max(MAX_NAME_LENGTH, `longer than ${MAX_NAME_LENGTH} characters`)
    .refine((v) => !hasControl(v), 'contains control characters')
    .optional();
}

/**
 * A path parameter that names a host or a site (URL-decoded by the server).
 * @throws ApiError 400 when empty, too long or holding control characters.
 */
export function nameParam(params: Readonly<Record<string, string>>, key: string): string {
  const value = params[key] ?? '';
  if (value.length === 0 || value.length > MAX_NAME_LENGTH || hasControl(value)) {
    throw badRequest(`parameter ${key}: expected a name of 1 to ${MAX_NAME_LENGTH} printable characters`);
  }
  return value;
}

/**
 * A path parameter that is a numeric id (hosts.id, runs.id, host_runs.id).
 * @throws ApiError 400 when it is not a positive integer.
 */
export function idParam(params: Readonly<Record<string, string>>, key: string): number {
  const value = params[key] ?? '';
  if (!/^[1-9][0-9]{0,9}$/.test(value) || Number(value) > MAX_ID) throw badRequest(`parameter ${key}: expected a positive integer id`);
  return Number(value);
}

function hasControl(text: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(text);
}

/** A client-supplied name for a message: quoted, cut short, control characters dropped. */
export function quote(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '');
  return JSON.stringify(clean.length > 60 ? `${clean.slice(0, 60)}...` : clean);
}

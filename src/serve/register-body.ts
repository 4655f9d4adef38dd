/**
 * The body of `POST /api/v1/hosts/register`, validated strictly: it comes from any machine that holds the
 * registration token, and what passes here is written into dthostmon.yaml.
 */
import { z } from 'zod';
import { ID_PATTERN } from '../config/schema-hosts.js';
import { badRequest, type ApiError } from './types.js';

const ID_HINT = 'letters, digits, ".", "_" or "-", starting with a letter or digit';
/** The config's hostname pattern (schema-hosts.ts), with DNS's length limit. */
const HOSTNAME = /^[A-Za-z0-9._:%[\]-]+$/;
/** A POSIX-portable login name (useradd's rules, without the trailing `$` of machine accounts). */
const USER = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

const tag = z
  .string({ error: 'expected a text value' })
  .transform((value) => value.trim())
  .pipe(
    z
      .string()
      .min(1, { error: 'must not be empty' })
      .max(64, { error: 'at most 64 characters' })
      .refine((value) => !CONTROL.test(value), { error: 'must not contain control characters' })
      // A tag with a comma would be split in two wherever tags are written as "a,b" (the config, DTHM_HOST_TAGS).
      .refine((value) => !value.includes(','), { error: 'must not contain a comma' }),
  );

export const registrationBodySchema = z.strictObject({
  name: z
    .string({ error: 'required: the host id (e.g. web01)' })
    .max(63, { error: 'at most 63 characters' })
    .regex(ID_PATTERN, { error: `expected ${ID_HINT}` }),
  hostname: z
    .string({ error: 'required: the DNS name or IP address the monitor connects to' })
    .max(253, { error: 'at most 253 characters' })
    .regex(HOSTNAME, { error: 'expected a DNS name or an IP address' }),
  port: z
    .number({ error: 'expected a port number' })
    .int({ error: 'expected a port number' })
    .min(1, { error: 'expected 1..65535' })
    .max(65535, { error: 'expected 1..65535' })
    .optional(),
  user: z
    .string({ error: 'expected a user name' })
    .max(32, { error: 'at most 32 characters' })
    .regex(USER, { error: 'expected a user name (letters, digits, ".", "_", "-")' })
    .optional(),
  site: z
    .string({ error: 'expected a site id' })
    .regex(ID_PATTERN, { error: `expected a site id: ${ID_HINT}` })
    .optional(),
  tags: z.array(tag, { error: 'expected a list of texts' }).max(32, { error: 'at most 32 tags' }).optional(),
  enabled: z.boolean({ error: 'expected true or false' }).optional(),
});

export interface RegistrationRequest {
  name: string;
  hostname: string;
  port?: number;
  user?: string;
  site?: string;
  tags: string[];
  enabled: boolean;
}

/** `tags[2]`, `name`, `body` for the whole object. */
function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'body';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('');
}

/** One line naming each bad field (`port: expected 1..65535; tags[0]: must not contain a comma`). */
function describeIssues(error: z.ZodError): string {
  const parts = error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `${fieldName(issue.path)}: unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')} (expected name, hostname, port, user, site, tags, enabled)`;
    return `${fieldName(issue.path)}: ${issue.message}`;
  });
  return parts.slice(0, 5).join('; ');
}

/** The validated registration, or an ApiError 400 naming the fields that are wrong. Tags are deduplicated. */
export function parseRegistrationBody(body: unknown): RegistrationRequest | ApiError {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return badRequest('expected a JSON object such as {"name": "web01", "hostname": "192.0.2.10"}');
  }
  const parsed = registrationBodySchema.safeParse(body);
  if (!parsed.success) return badRequest(describeIssues(parsed.error));
  const { tags, enabled, ...rest } = parsed.data;
  return { ...rest, tags: [...new Set(tags ?? [])], enabled: enabled ?? true };
}

/**
 * Self-registration (FR-CONFIG-002): `POST /api/v1/hosts/register` adds a host to dthostmon.yaml, and
 * `GET /api/v1/ssh-key` gives the monitor's public key to install on it (both used by scripts/dthostmon_add.sh).
 * Both accept the registration token or the API key (auth 'registration', checked by the server).
 *
 * A host added is a `config.changed` audit row. Statuses: 201 created, 200 already registered (same name, same site; nothing changed), 409 the name is registered
 * in another site, 400 a bad body or an unknown site, 403 registration is off (no `api.registration_token`),
 * 500 the config on disk does not validate now or cannot be written (the file is never replaced by one that fails
 * validation).
 */
import { homedir } from 'node:os';
import type { Environment } from '../../config/env.js';
import { parseRegistrationBody } from '../register-body.js';
import { registerHost, type RegisterOutcome } from '../register-host.js';
import { readMonitorPublicKey } from '../register-ssh-key.js';
import { ApiError, badRequest, ok, type ApiContext, type ApiRequest, type ApiResult, type Route } from '../types.js';
import { ID_PATTERN } from '../../config/schema-hosts.js';
import { appendAudit } from '../../store/audit-repo.js';
import { configChangedEvent } from '../../pass/audit-events.js';

export interface RegisterRouteOptions {
  /** For `${VAR}` when the config is revalidated (default process.env). */
  env?: Environment;
  /** For `~` in key paths (default os.homedir()). */
  homeDir?: string;
}

function knownSites(known: string[]): string {
  return known.length === 0 ? 'the config has no sites (register without "site")' : `known sites: ${known.join(', ')}`;
}

function toResult(outcome: RegisterOutcome, name: string): ApiResult {
  switch (outcome.kind) {
    case 'created':
      return ok(
        {
          status: 'created',
          host: outcome.host,
          message: `host ${name} added to the config${outcome.host.enabled ? '; the next pass monitors it' : ' (disabled)'}`,
        },
        201,
      );
    case 'exists': {
      const differs = outcome.differences.length > 0 ? `; this request differs in ${outcome.differences.join(', ')} (edit dthostmon.yaml to change it)` : '';
      return ok({ status: 'exists', host: outcome.host, message: `host ${name} is already registered; the config was not changed${differs}` });
    }
    case 'conflict':
      throw new ApiError(409, 'host_conflict', `host name ${name} is already used ${outcome.site === null ? 'by a host without a site' : `in site ${outcome.site}`}; host names are unique across sites`);
    case 'unknown_site':
      throw new ApiError(400, 'unknown_site', `site ${outcome.site} is not in the config; ${knownSites(outcome.known)}`);
    case 'invalid':
      throw new ApiError(400, 'invalid_host', `the host entry would not validate: ${outcome.message}`);
    case 'config_invalid':
      throw new ApiError(500, 'config_invalid', `the config file on the monitor does not validate now (${outcome.problems} problem(s)); nothing was written: fix it (dthostmon config validate) and retry`);
    case 'failed':
      throw new ApiError(500, 'config_write_failed', outcome.message);
  }
}

/**
 * The added host in the audit trail (`config.changed`, actor `serve:<client address>`). The file is already written:
 * a row that cannot be stored is a 500 that says so, never a silent gap.
 */
async function auditRegistration(ctx: ApiContext, remoteAddress: string, name: string): Promise<void> {
  const event = configChangedEvent({ file: ctx.config.path, by: 'register', hosts: { added: [name], updated: [], removed: [] } }, { actor: `serve:${remoteAddress}`, at: ctx.clock().toISOString() });
  try {
    await appendAudit(ctx.db, [event]);
  } catch {
    throw new ApiError(500, 'audit_failed', `host ${name} was added to the config, but its audit row could not be stored`);
  }
}

/** The routes, with the environment and home directory given (tests); `registerRoutes` uses the process's. */
export function createRegisterRoutes(options: RegisterRouteOptions = {}): Route[] {
  const register: Route = {
    method: 'POST',
    path: '/api/v1/hosts/register',
    auth: 'registration',
    async handle(req: ApiRequest, ctx: ApiContext) {
      const api = (ctx.config.document as { api?: { registration_token?: string } }).api;
      if (!api?.registration_token) {
        throw new ApiError(403, 'registration_disabled', 'self-registration is off on this monitor: set api.registration_token in its config');
      }
      const request = parseRegistrationBody(req.body);
      if (request instanceof ApiError) throw request;
      const outcome = await registerHost(ctx.config.path, request, {
        ...(options.env ? { env: options.env } : {}),
        ...(options.homeDir ? { homeDir: options.homeDir } : {}),
        now: ctx.clock(),
        remoteAddress: req.remoteAddress,
      });
      if (outcome.kind === 'created') await auditRegistration(ctx, req.remoteAddress, outcome.host.name);
      return toResult(outcome, request.name);
    },
  };
  const sshKey: Route = {
    method: 'GET',
    path: '/api/v1/ssh-key',
    auth: 'registration',
    async handle(req: ApiRequest, ctx: ApiContext) {
      const unknown = [...req.query.keys()].filter((k) => k !== 'site');
      if (unknown.length > 0) throw badRequest(`unknown parameter ${unknown[0]} (expected site)`);
      const site = req.query.get('site') ?? undefined;
      if (site !== undefined && !ID_PATTERN.test(site)) throw badRequest('site: expected a site id (letters, digits, ".", "_" or "-")');
      const key = await readMonitorPublicKey(ctx.config, site, options.homeDir ?? homedir());
      if (key.kind === 'unknown_site') throw new ApiError(400, 'unknown_site', `site ${site} is not in the config; ${knownSites(key.known)}`);
      if (key.kind === 'missing') throw new ApiError(404, 'no_public_key', key.hint);
      return ok({ public_key: key.publicKey, fingerprint: key.fingerprint, key_type: key.keyType });
    },
  };
  return [register, sshKey];
}

/** `POST /api/v1/hosts/register` and `GET /api/v1/ssh-key`. */
export const registerRoutes: Route[] = createRegisterRoutes();

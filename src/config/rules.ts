/**
 * Cross-field rules. They read the raw (substituted, not yet validated) data defensively, so their
 * problems are reported together with the schema's: a user fixes everything in one round.
 */
import type { ConfigProblem } from '../errors.js';
import { checkLogRules } from './check-log-rules.js';
import { describeValue, type PathSegment } from './config-path.js';
import { problemAt, type ProblemSource } from './issues.js';

export interface RuleResult {
  errors: ConfigProblem[];
  warnings: ConfigProblem[];
}

type Raw = Record<string, unknown>;

function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function section(raw: Raw, key: string): Raw {
  const value = raw[key];
  return isRecord(value) ? value : {};
}

function lower(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim().toLowerCase() : undefined;
}

function isTrue(value: unknown): boolean {
  return ['true', 'yes', 'on', '1'].includes(lower(value) ?? String(value));
}

function checkHosts(raw: Raw, source: ProblemSource, out: RuleResult): void {
  const { tree } = source;
  const hosts = Array.isArray(raw.hosts) ? raw.hosts : [];
  const sites = section(raw, 'sites');
  const global = section(raw, 'global');
  if (hosts.length === 0 && (raw.hosts === undefined || Array.isArray(raw.hosts))) {
    out.warnings.push(problemAt(source, tree.valuePosition(['hosts']), ['hosts'], 'no hosts configured: nothing to monitor'));
  }
  const firstByName = new Map<string, number>();
  hosts.forEach((host, i) => {
    if (!isRecord(host)) return;
    const at = (key: string): PathSegment[] => ['hosts', i, key];
    if (typeof host.name === 'string') {
      const first = firstByName.get(host.name);
      if (first === undefined) firstByName.set(host.name, i);
      else {
        const line = tree.valuePosition(['hosts', first, 'name']).line;
        out.errors.push(
          problemAt(source, tree.valuePosition(at('name')), at('name'), `duplicate host name "${host.name}" (first used by hosts[${first}] on line ${line})`),
        );
      }
    }
    const siteId = typeof host.site === 'string' ? host.site : undefined;
    if (siteId !== undefined && !Object.prototype.hasOwnProperty.call(sites, siteId)) {
      out.warnings.push(problemAt(source, tree.valuePosition(at('site')), at('site'), `site "${siteId}" is not defined under sites; only global settings apply`));
    }
    const site = siteId !== undefined && isRecord(sites[siteId]) ? (sites[siteId] as Raw) : {};
    const transport = lower(host.transport) ?? lower(site.transport) ?? lower(global.transport) ?? 'ssh';
    if (transport !== 'ssh') return;
    if (host.hostname === undefined) {
      out.errors.push(
        problemAt(source, tree.valuePosition(['hosts', i]), at('hostname'), 'required for transport ssh (or set transport: local to monitor this machine)'),
      );
    }
    if (host.user === undefined && site.user === undefined && global.user === undefined) {
      out.errors.push(
        problemAt(source, tree.valuePosition(['hosts', i]), at('user'), 'required for transport ssh: set it on the host, its site or in global'),
      );
    }
  });
}

function checkSites(raw: Raw, source: ProblemSource, out: RuleResult): void {
  for (const [id, value] of Object.entries(section(raw, 'sites'))) {
    if (value !== null && typeof value !== 'string') continue;
    const what = value === null ? 'is empty' : `is not a map (got ${describeValue(value)})`;
    out.warnings.push(problemAt(source, source.tree.valuePosition(['sites', id]), ['sites', id], `${what}; treated as a site without settings`));
  }
}

function checkDatabase(raw: Raw, source: ProblemSource, out: RuleResult): void {
  const db = section(raw, 'database');
  const { tree } = source;
  const error = (key: string, message: string) =>
    out.errors.push(problemAt(source, tree.keyPosition(['database', key]), ['database', key], message));
  const type = lower(db.type);
  const postgres = type !== undefined ? type === 'postgres' || type === 'postgresql' : db.url !== undefined || db.host !== undefined;
  if (!postgres) {
    for (const key of ['url', 'host', 'user', 'password']) {
      if (db[key] !== undefined) error(key, 'only used with PostgreSQL, but database.type is sqlite');
    }
    return;
  }
  if (db.path !== undefined) error('path', 'only used with SQLite; this database section selects PostgreSQL');
  if (db.url === undefined && db.host === undefined) {
    out.errors.push(problemAt(source, tree.valuePosition(['database']), ['database', 'host'], 'PostgreSQL needs database.url or database.host'));
  }
  if (typeof db.url !== 'string') return;
  for (const key of ['host', 'port', 'name', 'user', 'password']) {
    if (db[key] !== undefined) error(key, 'not used when database.url is set: put it in the URL or drop the url');
  }
  let protocol = '';
  try {
    protocol = new URL(db.url).protocol;
  } catch {
    error('url', 'is not a valid URL (expected postgres://user:password@host:port/name)');
    return;
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') error('url', `expected a postgres:// URL, got a ${protocol} URL`);
}

function checkPushover(raw: Raw, source: ProblemSource, out: RuleResult): void {
  const pushover = section(raw, 'pushover');
  if (!isTrue(pushover.enabled)) return;
  for (const key of ['api_token', 'user_key']) {
    if (pushover[key] === undefined || pushover[key] === '') {
      const path = ['pushover', key];
      out.errors.push(problemAt(source, source.tree.valuePosition(path), path, 'required when pushover.enabled is true'));
    }
  }
}

/** Runs every cross-field rule on the raw data. */
export function checkRules(raw: unknown, source: ProblemSource): RuleResult {
  const out: RuleResult = { errors: [], warnings: [] };
  const doc = isRecord(raw) ? raw : {};
  checkHosts(doc, source, out);
  checkSites(doc, source, out);
  checkDatabase(doc, source, out);
  checkPushover(doc, source, out);
  out.errors.push(...checkLogRules(doc, source));
  return out;
}

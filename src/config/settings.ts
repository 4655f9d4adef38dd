/** Normalizes the `database` and `global` sections into StoreSettings and PassSettings. */
import type { PassSettings, StoreSettings } from './types.js';
import type { ConfigDocument } from './schema.js';
import { resolveConfigPath } from './paths.js';

type DatabaseSection = NonNullable<ConfigDocument['database']>;

const LOG_LEVELS: Record<string, string> = { warning: 'warn', critical: 'error' };

/** Whether the database section selects PostgreSQL (explicitly, or by giving a url or host). */
export function isPostgresSection(db: Partial<Pick<DatabaseSection, 'type' | 'url' | 'host'>> | undefined): boolean {
  if (!db) return false;
  if (db.type !== undefined) return db.type === 'postgres' || db.type === 'postgresql';
  return db.url !== undefined || db.host !== undefined;
}

function hostPart(host: string): string {
  // IPv6 literals need brackets in a URL.
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The URL without its password (userinfo password and `password=` query parameter). */
export function displayPostgresUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL: a `${DATABASE_URL}` left for run time (loaded with unresolved: 'collect'). Shown without a password.
    return url.replace(/\/\/([^:@/\s]*):[^@/\s]*@/, '//$1@');
  }
  parsed.password = '';
  parsed.searchParams.delete('password');
  return parsed.toString();
}

/**
 * The store: SQLite (`database.path`, default `dthostmon.db` beside the config) unless the
 * section selects PostgreSQL, whose URL is built from host/port/name/user/password with each part
 * URL-encoded (the original did not encode the password: GAP-R12). Assumes a validated section.
 */
export function resolveStoreSettings(db: DatabaseSection | undefined, configDir: string, homeDir: string): StoreSettings {
  if (!db || !isPostgresSection(db)) {
    const path = db?.path ?? 'dthostmon.db';
    return { dialect: 'sqlite', path: path === ':memory:' ? path : resolveConfigPath(configDir, path, homeDir) };
  }
  if (db.url !== undefined) return { dialect: 'postgres', url: db.url, display: displayPostgresUrl(db.url) };
  const user = db.user !== undefined ? encodeURIComponent(db.user) : '';
  const password = db.password ? `:${encodeURIComponent(db.password)}` : '';
  const userInfo = user ? `${user}${password}@` : '';
  const where = `${hostPart(db.host ?? 'localhost')}:${db.port}/${encodeURIComponent(db.name)}`;
  return {
    dialect: 'postgres',
    url: `postgres://${userInfo}${where}`,
    display: `postgres://${user ? `${user}@` : ''}${where}`,
  };
}

/** Pass settings in absolute paths and milliseconds. */
export function resolvePassSettings(doc: ConfigDocument, configDir: string, homeDir: string): PassSettings {
  const g = doc.global;
  return {
    maxConcurrentHosts: g.max_concurrent_hosts,
    passTimeoutMs: Math.round(g.pass_timeout * 1000),
    retryAttempts: g.retry_attempts ?? doc.ssh.max_retries ?? 3,
    retryBackoffMs: g.retry_backoff.map((s) => Math.round(s * 1000)),
    reportsDir: resolveConfigPath(configDir, g.reports_dir, homeDir),
    templatesDir: g.templates_dir !== undefined ? resolveConfigPath(configDir, g.templates_dir, homeDir) : null,
    logLevel: LOG_LEVELS[g.log_level] ?? g.log_level,
  };
}

/**
 * Loading a config: read -> parse YAML (located) -> substitute `${VAR}` per value -> validate the
 * schema -> cross-field rules -> resolve hosts. Every problem found along the way is reported at
 * once in one ConfigError, each as `file:line:col path: message`.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { ConfigError, formatProblem, type ConfigProblem } from '../errors.js';
import type { LoadedConfig, UnresolvedReference } from './types.js';
import { formatPath, type PathSegment } from './config-path.js';
import { readEnvironment, substituteValue, type Environment } from './env.js';
import { issuesToProblems, problemAt, sortProblems, type ProblemSource } from './issues.js';
import { collectSecrets, redactText } from './mask.js';
import { resolveDeliverySettings } from './delivery.js';
import { aiHeaderSecrets, aiSecretProblems, resolveAiSettings } from './ai-settings.js';
import { resolveHosts } from './resolve.js';
import { checkRules } from './rules.js';
import { checkMetricsDocument, metricsCredentials } from './metrics-checks.js';
import { configSchema } from './schema.js';
import { resolvePassSettings, resolveStoreSettings } from './settings.js';
import { resolveRetentionSettings } from './retention-settings.js';
import { readYamlTree, type SourceMessage } from './yaml-tree.js';

export interface LoadOptions {
  /** Environment for `${VAR}` (default: process.env); a `.env` beside the config adds to it. */
  env?: Environment;
  /** Home directory for `~` (default: os.homedir()). */
  homeDir?: string;
  /**
   * What an unset `${VAR}` is: `error` (default: `run` cannot use the config), or `collect`: the value counts as not
   * set, checks of that key are skipped, and the reference is listed in `LoadedConfig.unresolved` (`dthostmon config`
   * shows it; sync-config validates files whose `${VAR}` are only set at run time).
   */
  unresolved?: 'error' | 'collect';
}

/** Keys the runtime ignores: an unset variable there is only a warning (the original's example uses one). */
const IGNORED_PATHS = new Set(['global.monitor_interval']);

function readFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'config file not found';
  if (code === 'EACCES' || code === 'EPERM') return 'config file is not readable (permission denied)';
  if (code === 'EISDIR') return 'is a directory, not a config file';
  return `cannot read config file: ${(err as Error).message}`;
}

function deepFreeze<T>(value: T): T {
  // Rule patterns stay unfrozen: V8 runs a frozen RegExp on a slower path, and they run on every log line.
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value) && !(value instanceof RegExp)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Keys whose null turns off what a higher level set (a metrics source). */
const NULL_TURNS_OFF = new Set(['key_path', 'prometheus_url', 'influxdb_url', 'glances_url', 'glances_port']);

/** Null means "not set" except for a site id (an empty site), key_path (null = agent only) and the metrics sources. */
function keepNull(path: PathSegment[]): boolean {
  const last = path[path.length - 1];
  return (path.length === 2 && path[0] === 'sites') || (typeof last === 'string' && NULL_TURNS_OFF.has(last));
}

/** A copy of `value` without the entries at `paths` (list items removed last-first, so indexes stay right). */
function withoutPaths(value: unknown, paths: PathSegment[][]): unknown {
  const copy = structuredClone(value);
  const ordered = [...paths].sort((a, b) => formatPath(b).localeCompare(formatPath(a), 'en', { numeric: true }));
  for (const at of ordered) {
    let parent: unknown = copy;
    for (const segment of at.slice(0, -1)) parent = (parent as Record<string | number, unknown> | null)?.[segment];
    const last = at[at.length - 1];
    if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
    else if (parent && typeof parent === 'object' && last !== undefined) delete (parent as Record<string | number, unknown>)[last];
  }
  return copy;
}

/** Keys of `serve` that should come from the environment: a literal one is a note for `dthostmon config`. */
const ENV_KEYS: PathSegment[][] = [
  ['api', 'api_key'],
  ['api', 'registration_token'],
];

function literalKeyNotes(raw: unknown, substituted: ReadonlySet<string>, locate: (at: PathSegment[], message: string) => ConfigProblem): ConfigProblem[] {
  const api = (raw as { api?: Record<string, unknown> } | null)?.api;
  return ENV_KEYS.filter((at) => typeof api?.[at[1] as string] === 'string' && api[at[1] as string] !== '' && !substituted.has(formatPath(at))).map((at) =>
    locate(at, `written in the file: prefer \${VAR} (the environment or the .env beside the config); anyone who can read this file can use the key`),
  );
}

/**
 * Validates config `text` as if read from `file` (shown in messages; relative paths in the config
 * resolve against its directory). Returns a frozen LoadedConfig or throws ConfigError.
 */
export function loadConfigText(text: string, file: string, options: LoadOptions = {}): LoadedConfig {
  const path = resolve(file);
  const dir = dirname(path);
  const homeDir = options.homeDir ?? homedir();
  const environment = readEnvironment(dir, options.env ?? process.env);
  const substitutionErrors: SourceMessage[] = [];
  const substitutionWarnings: SourceMessage[] = [];
  const failedPaths = new Set<string>();
  // Values that came from `${VAR}`: API keys are accepted only from there.
  const substitutedPaths = new Set<string>();
  const collect = options.unresolved === 'collect';
  const unresolvedAt: { offset: number; path: PathSegment[]; names: string[] }[] = [];

  const tree = readYamlTree(text, {
    keepNull,
    onScalar: (value, at, offset) => {
      const result = substituteValue(value, environment.env);
      if (!result.malformed && result.missing.length === 0) {
        if (result.hadReference) substitutedPaths.add(formatPath(at));
        return result.hadReference && result.value === '' ? null : result.value;
      }
      const id = formatPath(at);
      failedPaths.add(id);
      const names = [...new Set(result.missing)];
      if (collect && !result.malformed) {
        // Kept as written: a text key shows `${VAR}`; a key whose type the text breaks is dropped below.
        unresolvedAt.push({ offset, path: [...at], names });
        // Still a value from `${VAR}`: an API key written this way is not one written in the file.
        substitutedPaths.add(id);
        return value;
      }
      const message =
        result.malformed ??
        (names.length === 1
          ? `environment variable ${names[0]} is not set (set it, add it to .env beside the config, or write \${${names[0]}:-default})`
          : `environment variables ${names.join(', ')} are not set`);
      (IGNORED_PATHS.has(id) ? substitutionWarnings : substitutionErrors).push({ offset, path: at, message });
      // Keep the text so later checks see the key as set and do not pile up follow-on errors.
      return value;
    },
  });
  const source: ProblemSource = { file, tree };
  const located = (m: SourceMessage): ConfigProblem => problemAt(source, tree.position(m.offset), m.path, m.message);
  const raw = tree.value ?? {};
  const secrets = collectSecrets(raw);
  const redact = (p: ConfigProblem): ConfigProblem => ({ ...p, message: redactText(p.message, secrets) });
  const fail = (problems: ConfigProblem[]): never => {
    throw new ConfigError(sortProblems(problems.map(redact)));
  };

  if (tree.errors.length > 0) fail([...tree.errors.map(located), ...substitutionErrors.map(located)]);
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    fail([problemAt(source, tree.valuePosition([]), [], 'expected a map of sections (global, database, email, ssh, sites, hosts, ...)')]);
  }
  let parsed = configSchema.safeParse(raw, { reportInput: true });
  const schemaProblems = parsed.success ? [] : issuesToProblems(parsed.error.issues, configSchema, source);
  if (collect && !parsed.success) {
    // A `${PORT}` left unresolved cannot be a port: such values count as not set, and the rest is validated.
    const failing = new Set(schemaProblems.map((p) => p.path));
    const retry = configSchema.safeParse(
      withoutPaths(raw, unresolvedAt.map((u) => u.path).filter((at) => failing.has(formatPath(at)))),
      { reportInput: true },
    );
    if (retry.success) parsed = retry;
  }
  const rules = checkRules(raw, source);
  const notAfterFailedSubstitution = (p: ConfigProblem) => !failedPaths.has(p.path);
  const errors = [
    ...substitutionErrors.map(located),
    ...schemaProblems.filter(notAfterFailedSubstitution),
    ...rules.errors.filter(notAfterFailedSubstitution),
    ...aiSecretProblems(raw, substitutedPaths, (at, message) => problemAt(source, tree.valuePosition(at), at, message)),
  ];
  if (!parsed.success) fail(errors.length > 0 ? errors : schemaProblems);
  if (errors.length > 0) fail(errors);
  const document = parsed.data as NonNullable<typeof parsed.data>;
  const metricsChecks = checkMetricsDocument(document, (at, message) => problemAt(source, tree.valuePosition(at), at, message));
  if (metricsChecks.errors.length > 0) fail(metricsChecks.errors);

  const ai = resolveAiSettings(document);
  const warnings = [
    ...environment.warnings,
    ...sortProblems([...tree.warnings.map(located), ...substitutionWarnings.map(located), ...rules.warnings].map(redact)).map(
      formatProblem,
    ),
  ];
  const unresolved: UnresolvedReference[] = unresolvedAt.map((u) => {
    const at = tree.position(u.offset);
    return { path: formatPath(u.path), names: u.names, line: at.line, col: at.col };
  });
  const hosts = resolveHosts(document, dir, homeDir);
  const credentials = metricsCredentials(hosts, environment.env);
  const store = resolveStoreSettings(document.database, dir, homeDir);
  return deepFreeze({
    path,
    dir,
    unresolved,
    document: document as unknown as Record<string, unknown>,
    pass: resolvePassSettings(document, dir, homeDir),
    store,
    retention: resolveRetentionSettings(document, dir, homeDir, store),
    hosts,
    credentials,
    reviewNotes: sortProblems([...metricsChecks.warnings, ...literalKeyNotes(raw, substitutedPaths, (at, message) => problemAt(source, tree.valuePosition(at), at, message))].map(redact)).map(formatProblem),
    delivery: resolveDeliverySettings(document, dir, homeDir),
    ai,
    warnings,
    secrets: [...new Set([...collectSecrets(document), ...aiHeaderSecrets(ai), ...Object.values(credentials)])].sort((a, b) => b.length - a.length),
  });
}

/**
 * Reads and validates the config file at `path` (see loadConfigText). A missing or unreadable
 * file is a ConfigError with one line.
 */
export async function loadConfig(path: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file: path, path: '', message: readFailure(err) }]);
  }
  return loadConfigText(text, path, options);
}

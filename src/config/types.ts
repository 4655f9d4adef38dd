import type { ResolvedHost } from '../types.js';
import type { DeliverySettings } from './delivery.js';
import type { AiSettings } from './ai-settings.js';
import type { RetentionSettings } from './retention-settings.js';

/** How to reach the store, resolved from the `database` section. */
export type StoreSettings =
  | { dialect: 'sqlite'; path: string }
  | {
      dialect: 'postgres';
      /** Full connection URL (password URL-encoded). Never printed: use `describeStore`. */
      url: string;
      /** `postgres://user@host:port/name` without the password, for messages. */
      display: string;
    };

/** Settings of the pass itself (the `global` section, normalized). */
export interface PassSettings {
  maxConcurrentHosts: number;
  passTimeoutMs: number;
  retryAttempts: number;
  retryBackoffMs: number[];
  /** Absolute directory where host reports are written (`reports/<host>/<UTC timestamp>.md`). */
  reportsDir: string;
  /** Absolute directory of user templates that override built-in ones by name, or null. */
  templatesDir: string | null;
  logLevel: string;
}

/** A `${VAR}` left unset (only with `loadConfig(..., { unresolved: 'collect' })`): its key counts as not set. */
export interface UnresolvedReference {
  /** Config path of the value (`database.password`, `hosts[2].hostname`). */
  path: string;
  /** The unset variables it names. */
  names: string[];
  line: number;
  col: number;
}

/** A config that has been read, substituted, validated and resolved. Frozen. */
export interface LoadedConfig {
  /** Absolute path of the YAML file. */
  path: string;
  /** Directory of the YAML file; relative paths in the config are resolved against it. */
  dir: string;
  /** The validated document after `${VAR}` substitution (defaults applied). */
  document: Record<string, unknown>;
  pass: PassSettings;
  store: StoreSettings;
  /** Email, Pushover, alert routing, silences and site report schedules. */
  delivery: DeliverySettings;
  /** The optional LLM analysis: provider chain, budgets, cache, prices. */
  ai: AiSettings;
  /** How long history is kept and where expired rows are archived (docs/retention.md). */
  retention: RetentionSettings;
  /** Every host in file order, disabled ones included (with `enabled: false`). */
  hosts: ResolvedHost[];
  /**
   * Values of the variables the metrics sources read tokens and passwords from (`*_env` keys), taken from the
   * environment and the `.env` beside the config when the config was loaded. Never printed; also in `secrets`.
   */
  credentials: Readonly<Record<string, string>>;
  /** Unset `${VAR}` references (empty unless loaded with `unresolved: 'collect'`). */
  unresolved: UnresolvedReference[];
  /**
   * Choices an operator made on purpose that a review should see (`allow_insecure_http: true`), located. Shown by
   * `dthostmon config` and `config validate`, not by every `run` (cron would mail them every pass).
   */
  reviewNotes: string[];
  /** Non-fatal notes (`sites.s02-austin is not a map; treated as empty`), located like errors. */
  warnings: string[];
  /** Secret values found in the config (passwords, keys, tokens) so output and logs can redact them. */
  secrets: string[];
}

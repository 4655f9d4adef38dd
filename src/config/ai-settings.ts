/**
 * The AI settings of a validated document: the provider chain (from `ai.providers`, else the original's
 * `ai.opencode` block), budgets, cache and prices. API keys and server passwords must come from the environment
 * (NR-SEC-002): a key written into the file ends up in backups, repositories and `config` output.
 */
import type { ConfigProblem } from '../errors.js';
import type { PathSegment } from './config-path.js';
import { formatPath } from './config-path.js';
import type { ConfigDocument } from './schema.js';
import type { Severity } from '../types.js';
import type { ProviderSettings, ProviderType } from '../analyze/llm/types.js';

export interface ModelPrice {
  /** USD per million input tokens. */
  input: number;
  /** USD per million output tokens. */
  output: number;
}

export interface AiSettings {
  /** False when no provider is configured or `ai.enabled: false`. */
  enabled: boolean;
  providers: ProviderSettings[];
  hostInputTokens: number;
  passInputTokens: number;
  maxOutputTokens: number;
  cacheTtlMs: number;
  /** Null: a host with nothing new is never summarized again. */
  summaryIntervalMs: number | null;
  maxSeverity: Severity;
  /** Prices from config by model id (the built-in table is in analyze/llm/cost.ts). */
  prices: Record<string, ModelPrice>;
}

export const DEFAULT_BASE_URLS: Record<ProviderType, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  ollama: 'http://127.0.0.1:11434',
  opencode: 'http://localhost:4096',
};

const DEFAULT_RETRIES = 3;
const DEFAULT_START_TIMEOUT_MS = 30_000;

type AiSection = ConfigDocument['ai'];

export function resolveAiSettings(document: ConfigDocument): AiSettings {
  const ai: AiSection = document.ai;
  const timeoutMs = ai.timeout * 1000;
  const providers = ai.providers ? ai.providers.map((p) => fromProviderEntry(p, ai, timeoutMs)) : ai.opencode ? [fromLegacyOpencode(ai.opencode, timeoutMs)] : [];
  nameRepeats(providers);
  return {
    enabled: providers.length > 0 && ai.enabled !== false,
    providers,
    hostInputTokens: ai.host_input_tokens,
    passInputTokens: ai.pass_input_tokens,
    maxOutputTokens: ai.max_output_tokens,
    cacheTtlMs: ai.cache_ttl * 1000,
    summaryIntervalMs: ai.summary_interval > 0 ? ai.summary_interval * 1000 : null,
    maxSeverity: ai.max_severity,
    prices: { ...ai.prices },
  };
}

type ProviderEntry = NonNullable<AiSection['providers']>[number];
type OpencodeEntry = NonNullable<AiSection['opencode']>;

function fromProviderEntry(p: ProviderEntry, ai: AiSection, defaultTimeoutMs: number): ProviderSettings {
  const legacy = ai.opencode;
  const baseUrl = trimSlash(
    p.base_url ?? (p.type === 'opencode' && legacy ? `http://${hostForUrl(legacy.host)}:${legacy.port}` : DEFAULT_BASE_URLS[p.type]),
  );
  const models = p.type === 'opencode' ? (p.models ?? (p.model ? [p.model] : (legacy?.preferred_models ?? []))) : [p.model ?? ''];
  return {
    type: p.type,
    name: p.name ?? p.type,
    baseUrl,
    models: [...models],
    apiKey: p.api_key || null,
    timeoutMs: p.timeout !== undefined ? p.timeout * 1000 : defaultTimeoutMs,
    retries: p.retries ?? DEFAULT_RETRIES,
    requestsPerMinute: p.requests_per_minute ?? null,
    jsonMode: p.json_mode ?? 'auto',
    headers: { ...(p.headers ?? {}) },
    ...(p.type === 'opencode'
      ? {
          opencode: {
            autoStart: p.auto_start ?? false,
            command: p.command ?? legacy?.command ?? 'opencode',
            password: p.password || legacy?.password || null,
            agent: p.agent ?? null,
            startTimeoutMs: DEFAULT_START_TIMEOUT_MS,
            keepRunning: p.keep_running ?? legacy?.keep_running ?? false,
          },
        }
      : {}),
  };
}

/** The original's `ai.opencode` block as a one-provider chain (auto_start defaults to true there, as it did). */
function fromLegacyOpencode(o: OpencodeEntry, timeoutMs: number): ProviderSettings {
  return {
    type: 'opencode',
    name: 'opencode',
    baseUrl: `http://${hostForUrl(o.host)}:${o.port}`,
    models: [...o.preferred_models],
    apiKey: null,
    timeoutMs,
    retries: DEFAULT_RETRIES,
    requestsPerMinute: null,
    jsonMode: 'auto',
    headers: {},
    opencode: {
      autoStart: o.auto_start,
      command: o.command ?? 'opencode',
      password: o.password || null,
      agent: null,
      startTimeoutMs: DEFAULT_START_TIMEOUT_MS,
      keepRunning: o.keep_running ?? false,
    },
  };
}

/** Two providers of one type without names become `openai` and `openai#2`: labels must tell them apart. */
function nameRepeats(providers: ProviderSettings[]): void {
  const seen = new Map<string, number>();
  for (const p of providers) {
    const n = (seen.get(p.name) ?? 0) + 1;
    seen.set(p.name, n);
    if (n > 1) p.name = `${p.name}#${n}`;
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Keys that may only come from the environment: `ai.providers[i].api_key`, `.password`, `ai.opencode.password`.
 * `substituted` holds the paths whose value came from a `${VAR}` reference.
 */
export function aiSecretProblems(
  raw: unknown,
  substituted: ReadonlySet<string>,
  problem: (path: PathSegment[], message: string) => ConfigProblem,
): ConfigProblem[] {
  const ai = isRecord(raw) && isRecord(raw.ai) ? raw.ai : null;
  if (!ai) return [];
  const problems: ConfigProblem[] = [];
  const check = (path: PathSegment[], value: unknown, example: string) => {
    if (typeof value !== 'string' || value === '' || substituted.has(formatPath(path))) return;
    const key = path[path.length - 1] as string;
    problems.push(problem(path, `${key} must come from an environment variable, not the file: write ${key}: "\${${example}}" (NR-SEC-002)`));
  };
  if (Array.isArray(ai.providers)) {
    ai.providers.forEach((p: unknown, i: number) => {
      if (!isRecord(p)) return;
      const type = typeof p.type === 'string' ? p.type.toUpperCase() : 'LLM';
      check(['ai', 'providers', i, 'api_key'], p.api_key, `${type}_API_KEY`);
      check(['ai', 'providers', i, 'password'], p.password, 'OPENCODE_SERVER_PASSWORD');
    });
  }
  if (isRecord(ai.opencode)) check(['ai', 'opencode', 'password'], ai.opencode.password, 'OPENCODE_SERVER_PASSWORD');
  return problems;
}

/** Header values of the providers: secrets for masking (an `X-Api-Key: ...` of a proxy). */
export function aiHeaderSecrets(settings: AiSettings): string[] {
  return settings.providers.flatMap((p) => Object.values(p.headers)).filter((v) => v.length > 0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

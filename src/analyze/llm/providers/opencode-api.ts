/**
 * Reading the OpenCode server's answers (opencode-ai 1.18.33, measured; older shapes where they differ): the models of
 * `GET /config/providers`, the text and the error of a `POST /session/:id/message` answer. Pure, loosely typed: a
 * field that is missing or of another type reads as absent.
 */
import { LlmError, type LlmErrorKind } from '../types.js';
import { isRecord } from './shared.js';

const OFFERED_SHOWN = 12;

export interface ModelRef {
  providerID: string;
  modelID: string;
}

/** `provider/model`, split at the first slash (model ids may hold more: `openrouter/anthropic/claude-3.5-sonnet`). */
export function splitModel(id: string): ModelRef | null {
  const slash = id.indexOf('/');
  return slash > 0 && slash < id.length - 1 ? { providerID: id.slice(0, slash), modelID: id.slice(slash + 1) } : null;
}

/**
 * Every `provider/model` of a `GET /config/providers` answer. Current servers key `models` by id; older ones sent an
 * array of `{id}`; both are read.
 */
export function offeredModels(body: unknown): string[] {
  const providers = isRecord(body) && Array.isArray(body.providers) ? (body.providers as unknown[]) : [];
  const ids: string[] = [];
  for (const p of providers) {
    if (!isRecord(p) || typeof p.id !== 'string') continue;
    const models = Array.isArray(p.models) ? p.models.map((m: unknown) => (isRecord(m) ? m.id : undefined)) : isRecord(p.models) ? Object.keys(p.models) : [];
    for (const m of models) if (typeof m === 'string' && m !== '') ids.push(`${p.id}/${m}`);
  }
  return ids;
}

/** The first wanted model the server offers, or null. */
export function pickModel(wanted: readonly string[], offered: readonly string[]): string | null {
  const available = new Set(offered);
  return wanted.find((id) => available.has(id)) ?? null;
}

/** At most `max` characters: an upstream's error text can be long. */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** Ids for a message: the first dozen and how many more (a server may offer hundreds of models). */
export function listed(ids: readonly string[]): string {
  if (ids.length === 0) return 'none';
  const shown = ids.slice(0, OFFERED_SHOWN).join(', ');
  return ids.length > OFFERED_SHOWN ? `${shown} and ${ids.length - OFFERED_SHOWN} more` : shown;
}

/**
 * An `info.error` of a message answer (the server sends those with HTTP 200) as an LlmError: the upstream status
 * decides (401/403 auth, 429/5xx http, after the server's own retries), else the error's name and words.
 */
export function messageError(label: string, error: Record<string, unknown>, attempts: number): LlmError {
  const name = typeof error.name === 'string' ? error.name : 'error';
  const data = isRecord(error.data) ? error.data : {};
  const said = typeof data.message === 'string' && data.message !== '' ? data.message : name;
  const status = typeof data.statusCode === 'number' ? data.statusCode : null;
  let kind: LlmErrorKind = 'protocol';
  if (name === 'ProviderAuthError' || status === 401 || status === 403) kind = 'auth';
  else if (status !== null && (status === 429 || status >= 500)) kind = 'http';
  else if (name === 'MessageAbortedError') kind = 'aborted';
  else if (/timed out|timeout/i.test(said)) kind = 'timeout';
  else if (status === null && name === 'APIError' && /connect|ECONNREFUSED|fetch failed|network/i.test(said)) kind = 'network';
  const upstream = status === null ? said : `HTTP ${status}: ${said}`;
  const hint = kind === 'auth' ? ' (check that provider\'s API key in the OpenCode server\'s config)' : '';
  return new LlmError(kind, `${label}: the model's provider failed behind OpenCode: ${upstream} (${name})${hint}`, { status, attempts });
}

/** Joined `text` parts of a message answer (step markers, reasoning and tool parts are not the answer). */
export function answerText(parts: unknown): string {
  if (!Array.isArray(parts)) return '';
  return parts.map((p: unknown) => (isRecord(p) && p.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');
}

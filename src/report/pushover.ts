/**
 * Pushover delivery (https://pushover.net/api): one form POST per message. The form fields are built when the
 * message is queued and stored in the outbox WITHOUT the application token and user key; the sender adds them at
 * send time, so no credential ever sits in the database.
 */
import { SendError, scrubSecrets } from './send-error.js';

/** -2 lowest (no notification) .. 2 emergency (repeated until acknowledged). */
export type PushoverPriority = -2 | -1 | 0 | 1 | 2;

/** The `pushover` section as the sender needs it. Holds the token and user key: never log them. */
export interface PushoverSettings {
  /** Application API token. */
  token: string;
  /** User or group key. */
  user: string;
  /** `https://api.pushover.net` unless a test or a proxy says otherwise. */
  baseUrl: string;
  /** Priority of a message that does not choose one. */
  priority: PushoverPriority;
  /** Emergency priority: how often Pushover repeats the notification (at least 30 s). */
  retrySeconds?: number;
  /** Emergency priority: how long it keeps repeating (at most 3 h). */
  expireSeconds?: number;
  timeoutMs: number;
}

export const PUSHOVER_BASE_URL = 'https://api.pushover.net';

/** One notification before it becomes form fields. Plain text: Pushover's HTML mode is not used. */
export interface PushoverMessage {
  title: string;
  message: string;
  url?: string;
  urlTitle?: string;
  /** Default: the settings' priority. */
  priority?: PushoverPriority;
  /** When it happened: shown instead of the arrival time, which may be hours later after an outage. */
  timestamp?: Date;
}

/** Form fields of a message, without `token` and `user`. */
export type PushoverFields = Record<string, string>;

/** Sends stored fields. */
export interface PushoverSender {
  /**
   * @returns where it went (`pushover`).
   * @throws SendError: permanent for a 4xx other than 429 (bad token or user key, invalid field), channel-down for a
   *   network error, a timeout, a 429 or a 5xx.
   */
  send(fields: PushoverFields): Promise<{ deliveredTo: string }>;
}

/** Pushover's documented limits. */
const MAX_MESSAGE_CHARS = 1024;
const MAX_TITLE_CHARS = 250;
const MAX_URL_CHARS = 512;
const MAX_URL_TITLE_CHARS = 100;
const MIN_RETRY_SECONDS = 30;
const MAX_EXPIRE_SECONDS = 10_800;

/**
 * The form fields for a message: text cut to Pushover's limits (ending with `…`), and emergency priority only with
 * both retry and expire. Pushover rejects priority 2 without them; the original tool sent it anyway, so every
 * critical alert failed (GAP-R10). Without them the message goes out as priority 1 (high) instead.
 */
export function pushoverFields(
  message: PushoverMessage,
  settings: Pick<PushoverSettings, 'priority' | 'retrySeconds' | 'expireSeconds'>,
): PushoverFields {
  const fields: PushoverFields = {
    title: truncate(message.title, MAX_TITLE_CHARS),
    message: truncate(message.message === '' ? message.title : message.message, MAX_MESSAGE_CHARS),
  };
  const requested = message.priority ?? settings.priority;
  const isEmergencyPossible = settings.retrySeconds !== undefined && settings.expireSeconds !== undefined;
  const priority = requested === 2 && !isEmergencyPossible ? 1 : requested;
  fields.priority = String(priority);
  if (priority === 2 && settings.retrySeconds !== undefined && settings.expireSeconds !== undefined) {
    fields.retry = String(Math.max(MIN_RETRY_SECONDS, Math.round(settings.retrySeconds)));
    fields.expire = String(Math.min(MAX_EXPIRE_SECONDS, Math.max(1, Math.round(settings.expireSeconds))));
  }
  // A URL cut short would point somewhere else: one that is too long is left out.
  if (message.url !== undefined && message.url !== '' && [...message.url].length <= MAX_URL_CHARS) {
    fields.url = message.url;
    if (message.urlTitle !== undefined && message.urlTitle !== '') fields.url_title = truncate(message.urlTitle, MAX_URL_TITLE_CHARS);
  }
  if (message.timestamp !== undefined) fields.timestamp = String(Math.floor(message.timestamp.getTime() / 1000));
  return fields;
}

/** At most `maxChars` characters (code points, so no emoji is split), the last one `…` when something was cut. */
function truncate(text: string, maxChars: number): string {
  const chars = [...text];
  if (chars.length <= maxChars) return text;
  return chars.slice(0, maxChars - 1).join('') + '…';
}

/** A sender posting to `<baseUrl>/1/messages.json`. `fetchImpl` is the global fetch unless a test passes another. */
export function createPushoverSender(settings: PushoverSettings, fetchImpl: typeof fetch = fetch): PushoverSender {
  const endpoint = `${settings.baseUrl.replace(/\/+$/, '')}/1/messages.json`;
  const secrets = [settings.token, settings.user];
  const fail = (what: string, options: { isPermanent: boolean; isChannelDown: boolean }, cause?: unknown) =>
    new SendError(`Pushover: ${scrubSecrets(what, secrets)}`, { ...options, cause });
  return {
    async send(fields) {
      const body = new URLSearchParams({ ...fields, token: settings.token, user: settings.user });
      let response: Response;
      let text: string;
      try {
        response = await fetchImpl(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: body.toString(),
          signal: AbortSignal.timeout(settings.timeoutMs),
        });
        text = await response.text();
      } catch (err) {
        throw fail(networkFailure(err, settings.timeoutMs), { isPermanent: false, isChannelDown: true }, err);
      }
      const reply = parseReply(text);
      if (response.status === 200 && reply?.status === 1) return { deliveredTo: 'pushover' };
      const reason = reply?.errors?.join('; ') || text.slice(0, 200) || response.statusText;
      const isRejected = response.status >= 400 && response.status < 500 && response.status !== 429;
      throw fail(`HTTP ${response.status}: ${reason}`, { isPermanent: isRejected, isChannelDown: !isRejected });
    },
  };
}

interface PushoverReply {
  status?: unknown;
  errors?: string[];
}

function parseReply(text: string): PushoverReply | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return null;
    const { status, errors } = value as { status?: unknown; errors?: unknown };
    return { status, errors: Array.isArray(errors) ? errors.map(String) : undefined };
  } catch {
    return null;
  }
}

function networkFailure(err: unknown, timeoutMs: number): string {
  const e = err as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = e.cause && typeof e.cause.message === 'string' ? `: ${e.cause.message}` : '';
  return `cannot reach the API: ${typeof e.message === 'string' ? e.message : String(err)}${cause}`;
}

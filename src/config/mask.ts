/**
 * Secrets in the config: which keys hold them, collecting their values (so output, logs and
 * reports can redact them) and masking a document for `dthostmon config`.
 */

export const MASK = '********';

const SECRET_KEY = /password|passphrase|secret|token|api_?key|user_key|private_?key/i;
/** `scheme://user:password@` - the password group is masked. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*:)([^@/\s]+)(@)/gi;
/** `?password=x` / `&sslpassword=x` / `?token=x` in a URL query - the value group is masked. */
const URL_QUERY_SECRET = /([?&](?:[a-z_]*password|pass|pwd|secret|token|api_?key|access_key)=)([^&#\s]+)/gi;
const PRIVATE_KEY_BLOCK = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** Whether a config key holds a secret (`password`, `api_key`, `smtp_auth_password`, `user_key`, ...). */
export function isSecretKey(key: string): boolean {
  // `ssh.key_passphrase_env` holds the NAME of a variable, not its value: masking it would hide a harmless word.
  // `ai.host_input_tokens` and friends are token COUNTS (budgets), not tokens.
  return SECRET_KEY.test(key) && !key.endsWith('_env') && !/tokens$/i.test(key);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function maskString(value: string): string {
  if (PRIVATE_KEY_BLOCK.test(value)) return MASK;
  return value.replace(URL_PASSWORD, `$1${MASK}$3`).replace(URL_QUERY_SECRET, `$1${MASK}`);
}

/**
 * A copy of `doc` with every secret replaced by `********`: values of secret-like keys, private
 * key material anywhere, and the password part of URLs (`postgres://u:********@db/x`).
 * With `showSecrets` the copy is returned unmasked.
 */
export function maskSecrets<T>(doc: T, options: { showSecrets: boolean }): T {
  const walk = (value: unknown, secret: boolean): unknown => {
    if (Array.isArray(value)) return value.map((item) => walk(item, secret));
    if (isRecord(value)) {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) {
        Object.defineProperty(out, key, {
          value: walk(child, secret || isSecretKey(key)),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    if (options.showSecrets) return value;
    if (secret && value !== null && value !== undefined && value !== '') return MASK;
    return typeof value === 'string' ? maskString(value) : value;
  };
  return walk(doc, false) as T;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Every secret value in `doc` (values of secret-like keys, URL passwords, private key blocks),
 * plus their URL-encoded forms, longest first, so redaction replaces whole values.
 */
export function collectSecrets(doc: unknown): string[] {
  const found = new Set<string>();
  const add = (value: string) => {
    if (value === '') return;
    found.add(value);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) found.add(encoded);
  };
  const walk = (value: unknown, secret: boolean): void => {
    if (Array.isArray(value)) value.forEach((item) => walk(item, secret));
    else if (isRecord(value)) for (const [key, child] of Object.entries(value)) walk(child, secret || isSecretKey(key));
    else if (typeof value === 'string') {
      if (secret || PRIVATE_KEY_BLOCK.test(value)) add(value);
      for (const match of value.matchAll(URL_PASSWORD)) add(safeDecode(match[2] ?? ''));
      for (const match of value.matchAll(URL_QUERY_SECRET)) add(safeDecode(match[2] ?? ''));
    } else if (secret && typeof value === 'number') add(String(value));
  };
  walk(doc, false);
  return [...found].sort((a, b) => b.length - a.length);
}

/**
 * Values shorter than this are not searched for in free text: a 1-3 character "secret" would mask
 * ordinary words (and protects nothing anyway). maskSecrets still masks them by key.
 */
export const MIN_REDACTED_LENGTH = 4;

/** Replaces every occurrence of any secret value (of at least 4 characters) in `text` with `********`. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= MIN_REDACTED_LENGTH) out = out.split(secret).join(MASK);
  }
  return out;
}

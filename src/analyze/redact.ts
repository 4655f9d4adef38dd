/**
 * Masks secrets in a log line before it leaves analysis (evidence, LLM digest, reports, database).
 * Over-redaction is acceptable; a leak is not. Pure: no I/O.
 */

/** What a secret is replaced with. */
export const MASK = '********';

/** Config secrets shorter than this are not masked literally: masking `abc` everywhere would shred every line. */
export const MIN_LITERAL_SECRET_LENGTH = 4;

type Replacer = (line: string) => string;

// PEM blocks: a whole block on one line (JSON logs escape newlines), or a BEGIN marker whose body follows.
const PEM_BLOCK = /(-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)[\s\S]+?(-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g;
const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;
const PEM_END = /-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;

// scheme://user:password@host. The password stops at `@` or whitespace (RFC 3986 forbids a raw `@` in it).
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@]+)(@)/gi;

// `Authorization: Bearer x`, `Proxy-Authorization: Basic x`, `authorization=x`.
const AUTH_HEADER =
  /\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:(bearer|basic|token|digest|negotiate|ntlm|apikey)\s+)?([^\s"',;]+)/gi;
const BEARER = /\b(bearer\s+)([A-Za-z0-9._~+/=-]{8,})/gi;

// Vendor token formats with fixed prefixes (the prefix is kept so the kind of secret stays visible).
const VENDOR_TOKENS: RegExp[] = [
  /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|ABIA|ACCA)[0-9A-Z]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/g,
  /\bgl(?:pat|dt|rt|ptt|cbt|oas|soat|ffct|imt|ft|agent)-[A-Za-z0-9_-]{20,}/g,
  /\bxox[abposre]-[A-Za-z0-9-]{10,}/g,
  /\bxapp-\d-[A-Za-z0-9-]{10,}/g,
  /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
];
const SLACK_WEBHOOK = /(hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9/_-]+/g;

// key=value and "key": "value". `passwd`/`pass` only with `=`: `pam_unix(passwd:chauthtok)` is not a secret. `PWD=` is
// left alone on purpose: in sudo lines it is the working directory, and the evidence needs it.
const KEY_WORDS = String.raw`pass(?:word|phrase)|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?|auth[_-]?token`;
const ASSIGN_EQ = new RegExp(
  String.raw`(?<![A-Za-z0-9])([\w.-]*(?:${KEY_WORDS}|passwd|pass)["']?\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'&;,]+))`,
  'gi',
);
const ASSIGN_COLON = new RegExp(
  String.raw`(?<![A-Za-z0-9])(["']?[\w.-]*(?:${KEY_WORDS})["']?\s*:\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'&;,]+))`,
  'gi',
);

// `--password=x`, `--db-password x`, `--passphrase x` (a following flag is not a value).
// `[\w-]{0,64}`: bounded, so a line of 60k dashes costs microseconds, not seconds (any local user can log one).
const PASSWORD_FLAG = /(--?[\w-]{0,64}(?:password|passwd|passphrase|pass)(?![\w-])(?:=|\s+))(?!-)(?:"([^"]*)"|'([^']*)'|(\S+))/gi;
// mysql-like tools take `-pSECRET` or (by mistake, still worth masking) `-p SECRET`; sshpass `-p`; redis-cli `-a`.
const MYSQL_LIKE = /\b(?:mysql\w*|mariadb[\w-]*|sshpass|mysqlsh)\b/i;
const SHORT_P_FLAG = /(\s-p)(\s*)(?!-)(\S+)/g;
const REDIS_CLI = /\bredis-cli\b/i;
// curl/wget `-u user:password`, `--user=user:password`, `--proxy-user user:password` (crontabs and shell histories);
// smbclient `-U user%password`.
const USER_PASS_TOOLS = /\b(?:curl|wget|lftp|smbclient)\b/i;
const USER_PASS_FLAG = /(\s(?:-u|-U|--user|--proxy-user)(?:\s+|=))([^\s:%]+)([:%])(?!\s)(\S+)/g;
const SHORT_A_FLAG = /(\s-a\s+)(?!-)(\S+)/g;

const STATIC_REPLACERS: Replacer[] = [
  (l) => l.replace(PEM_BLOCK, (_m, begin: string, end: string) => `${begin}${MASK}${end}`),
  (l) => l.replace(URL_CREDENTIALS, `$1${MASK}$3`),
  (l) => l.replace(AUTH_HEADER, (_m, head: string, scheme: string | undefined) => `${head}${scheme ? `${scheme} ` : ''}${MASK}`),
  (l) => l.replace(BEARER, `$1${MASK}`),
  (l) => VENDOR_TOKENS.reduce((acc, re) => acc.replace(re, MASK), l),
  (l) => l.replace(SLACK_WEBHOOK, `$1${MASK}`),
  (l) => l.replace(ASSIGN_EQ, maskAssignment),
  (l) => l.replace(ASSIGN_COLON, maskAssignment),
  (l) => l.replace(PASSWORD_FLAG, maskAssignment),
  (l) => (MYSQL_LIKE.test(l) ? l.replace(SHORT_P_FLAG, `$1$2${MASK}`) : l),
  (l) => (REDIS_CLI.test(l) ? l.replace(SHORT_A_FLAG, `$1${MASK}`) : l),
  (l) => (USER_PASS_TOOLS.test(l) ? l.replace(USER_PASS_FLAG, `$1$2$3${MASK}`) : l),
];

function maskAssignment(_m: string, head: string, dq?: string, sq?: string): string {
  if (dq !== undefined) return `${head}"${MASK}"`;
  if (sq !== undefined) return `${head}'${MASK}'`;
  return `${head}${MASK}`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The forms a config secret takes in a line: as is, and URL-encoded (inside connection URLs). */
function secretVariants(secret: string): string[] {
  return [secret, encodeURIComponent(secret)];
}

/**
 * Builds a redactor for one set of config secrets (compiled once, used on many lines).
 * Literal secrets are masked first and longest first, so a secret containing another is masked whole.
 */
export function createRedactor(extraSecrets: readonly string[]): (line: string) => string {
  const literals = [...new Set(extraSecrets.filter((s) => s.length >= MIN_LITERAL_SECRET_LENGTH).flatMap(secretVariants))]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp);
  const literalRe = literals.length > 0 ? new RegExp(literals.join('|'), 'g') : null;
  return (line: string): string => {
    let out = literalRe ? line.replace(literalRe, MASK) : line;
    for (const replace of STATIC_REPLACERS) out = replace(out);
    return out;
  };
}

/**
 * Masks passwords, tokens, keys and the given config secrets in one line with `********`.
 * Idempotent: redacting a redacted line changes nothing.
 */
export function redactLine(line: string, extraSecrets: string[]): string {
  return createRedactor(extraSecrets)(line);
}

/**
 * Redacts consecutive lines of one source. Unlike `redactLine`, it also masks the body lines of a PEM private key
 * block that spans several lines (between the BEGIN and END markers).
 */
export function redactLines(lines: readonly string[], extraSecrets: string[]): string[] {
  const redact = createRedactor(extraSecrets);
  let inPem = false;
  return lines.map((line) => {
    if (inPem) {
      if (PEM_END.test(line)) {
        inPem = false;
        return line.replace(/^[\s\S]*?(-----END)/, `${MASK}$1`);
      }
      return MASK;
    }
    if (PEM_BEGIN.test(line) && !PEM_END.test(line)) inPem = true;
    return redact(line);
  });
}

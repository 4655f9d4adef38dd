/**
 * How a sender (SMTP, Pushover) reports a failed delivery to the outbox. The outbox decides from these two flags
 * alone what happens to the row, so the senders keep the knowledge of their protocol and the outbox stays generic.
 */
export interface SendErrorOptions {
  /**
   * Retrying the same message cannot succeed (an SMTP 5xx rejection of the message or its recipients, a Pushover
   * 4xx such as an invalid user key): the row is dead-lettered at once instead of being retried for hours.
   */
  isPermanent: boolean;
  /**
   * The channel itself is unusable right now (connection refused or timed out, TLS or login failed, HTTP 5xx): the
   * other messages of the same channel would fail the same way, so the outbox defers them in this call instead of
   * paying one timeout per message.
   */
  isChannelDown: boolean;
  cause?: unknown;
}

/** A failed delivery. `message` is one line, names where it went (host:port, Pushover) and never holds a secret. */
export class SendError extends Error {
  readonly isPermanent: boolean;
  readonly isChannelDown: boolean;
  constructor(message: string, options: SendErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SendError';
    this.isPermanent = options.isPermanent;
    this.isChannelDown = options.isChannelDown;
  }
}

/**
 * One line with every secret replaced by `***`. Senders run their error text through it as a last guard: a server
 * that echoes a command, or a library that quotes its options, must not put a password or token into the outbox.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let line = text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  // Longest first: a secret may be part of another (the password inside the base64 of an AUTH PLAIN string).
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length < 3) continue;
    line = line.split(secret).join('***');
    const base64 = Buffer.from(secret, 'utf8').toString('base64');
    line = line.split(base64).join('***');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) line = line.split(encoded).join('***');
  }
  return line;
}

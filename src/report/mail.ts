/**
 * Builds the raw RFC 5322 message of an email once, when it is queued. The outbox stores these bytes, so a retry
 * (after a dead SMTP server, or a crash between sending and marking sent) resends the identical message with the
 * same Message-ID, and a receiving server or mail client can recognise the duplicate.
 */
import { createHash } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import MailComposer from 'nodemailer/lib/mail-composer';

/** An attachment; with `cid` it is an inline image the HTML shows as `<img src="cid:<cid>">`. */
export interface EmailAttachment {
  filename: string;
  content: Buffer | string;
  contentType: string;
  /** Content-ID: makes the part inline (multipart/related beside the HTML) instead of a downloadable attachment. */
  cid?: string;
}

/** An email as the alert and report stages produce it, before it has sender headers. */
export interface OutgoingEmail {
  to: string[];
  subject: string;
  /** Plain-text part: what a text-only client or `mail` on the command line shows. */
  text: string;
  /** HTML part, shown instead of the text by clients that can. */
  html?: string;
  attachments?: EmailAttachment[];
}

/** Headers the sender adds: the same for every email of a configuration, except the id and the date. */
export interface ComposeOptions {
  /** `address` or `Name <address>`. */
  from: string;
  replyTo: string;
  /** `<unique@domain>`; see messageIdFor. */
  messageId: string;
  date: Date;
}

/** The SMTP envelope: bare addresses, as MAIL FROM and RCPT TO take them. */
export interface Envelope {
  from: string;
  to: string[];
}

/**
 * The raw message: multipart/alternative (text + HTML); the HTML and its inline images in multipart/related;
 * other attachments beside them in multipart/mixed. CRLF line ends, as SMTP and .eml files expect. Nodemailer picks
 * quoted-printable or base64 for any body with long or non-ASCII lines and folds long headers, so no line exceeds
 * the 998 characters RFC 5322 allows (the subject is cut to MAX_SUBJECT_CHARS for the same reason).
 */
export async function composeEmail(email: OutgoingEmail, options: ComposeOptions): Promise<string> {
  const composer = new MailComposer({
    from: options.from,
    replyTo: options.replyTo,
    to: email.to,
    subject: subjectLine(email.subject),
    messageId: options.messageId,
    date: options.date,
    text: email.text,
    ...(email.html === undefined ? {} : { html: email.html }),
    attachments: (email.attachments ?? []).map((attachment) => ({
      filename: attachment.filename,
      content: attachment.content,
      contentType: attachment.contentType,
      ...(attachment.cid === undefined
        ? { contentDisposition: 'attachment' }
        : { cid: attachment.cid, contentDisposition: 'inline' }),
    })),
    newline: 'win',
    // Everything is given as content: a path or URL in a template must never make us read a file or fetch a page.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const raw = await composer.compile().build();
  return raw.toString('utf8');
}

/** Longest subject kept; mail clients show far less, and an unbroken ASCII run cannot be folded under 998. */
export const MAX_SUBJECT_CHARS = 250;

/** The subject on one line, cut to MAX_SUBJECT_CHARS characters ending with `…` when it was longer. */
export function subjectLine(subject: string): string {
  const chars = [...subject.replace(/\s*[\r\n]+\s*/g, ' ').trim()];
  return chars.length <= MAX_SUBJECT_CHARS ? chars.join('') : chars.slice(0, MAX_SUBJECT_CHARS - 1).join('') + '…';
}

/**
 * A Message-ID derived from the outbox dedupe key: composing the same message again (a rerun of the same pass)
 * yields the same id, so even a message queued twice by mistake is recognisable as one. The domain is the sender's.
 */
export function messageIdFor(dedupeKey: string, from: string): string {
  const digest = createHash('sha256').update(dedupeKey).digest('hex').slice(0, 32);
  const domain = bareAddress(from).split('@')[1] || 'dthostmon.invalid';
  return `<${digest}.dthostmon@${domain}>`;
}

/** The envelope for a message from `from` (which may carry a display name) to `to`. */
export function envelopeFor(from: string, to: readonly string[]): Envelope {
  return { from: bareAddress(from), to: to.map(bareAddress) };
}

/** `Name <a@b>` -> `a@b`; an address without a name is returned as is. */
function bareAddress(address: string): string {
  const [first] = addressparser(address, { flatten: true });
  return first?.address || address.trim();
}

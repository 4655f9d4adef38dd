/**
 * SMTP delivery of raw messages composed by ./mail.ts. The connection security is decided once, explicitly
 * (resolveSmtpSecurity): the original tool sent mail, and the SMTP password, in clear whenever `use_tls` was off or
 * the server did not offer STARTTLS; here that needs `email.allow_insecure: true`.
 */
import { createTransport } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type { SMTPPoolOptions, SMTPPoolSentMessageInfo } from 'nodemailer/lib/smtp-pool';
import type { Envelope } from './mail.js';
import { SendError, scrubSecrets } from './send-error.js';

/**
 * - `starttls`: connect in clear, upgrade with STARTTLS, and refuse to send if the server does not offer it (port 587).
 * - `tls`: TLS from the first byte (implicit TLS, port 465).
 * - `none`: no TLS at all, not even when offered; only with `email.allow_insecure: true` (a relay on localhost).
 */
export type SmtpSecurity = 'starttls' | 'tls' | 'none';

/** The `email` section as the SMTP sender needs it; produced from the config. Holds the password: never log it. */
export interface SmtpSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  /** Null: send without logging in. */
  auth: { user: string; pass: string } | null;
  /** From header and envelope sender: `address` or `Name <address>`. */
  from: string;
  replyTo: string;
  /** False accepts a self-signed or otherwise unverifiable server certificate. */
  tlsRejectUnauthorized: boolean;
  /** Limit for connecting, for the greeting and for each wait on the server. */
  timeoutMs: number;
}

/** Sends raw messages; one connection for all messages until close(). */
export interface EmailSender {
  /**
   * Sends one raw RFC 5322 message as is (its bytes are not rewritten).
   * @returns where it went (`smtp://host:port`).
   * @throws SendError with a one-line message naming host:port and the server's reply.
   */
  send(raw: string, envelope: Envelope): Promise<{ deliveredTo: string }>;
  /** Closes the connection. The sender stays usable: the next send opens a new connection. */
  close(): Promise<void>;
}

/** Nodemailer transport options for the settings: one pooled connection that the outbox, not nodemailer, retries. */
export function smtpTransportOptions(settings: SmtpSettings): SMTPPoolOptions & { pool: true } {
  return {
    pool: true,
    maxConnections: 1,
    // A message whose connection dropped mid-send is the outbox's to retry (with backoff, recorded in the row).
    maxRequeues: 0,
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    ...(settings.auth === null ? {} : { auth: { user: settings.auth.user, pass: settings.auth.pass } }),
    tls: { rejectUnauthorized: settings.tlsRejectUnauthorized },
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
    dnsTimeout: settings.timeoutMs,
    logger: false,
    debug: false,
  };
}

/**
 * A sender for the settings. The connection opens on the first send and is reused until close(), so one delivery
 * call pays one TCP + TLS + login handshake for all its messages.
 */
export function createSmtpSender(settings: SmtpSettings): EmailSender {
  const where = `${settings.host}:${settings.port}`;
  const secrets = settings.auth === null ? [] : [settings.auth.pass, `\0${settings.auth.user}\0${settings.auth.pass}`];
  let transport: Mail<SMTPPoolSentMessageInfo, SMTPPoolOptions> | null = null;
  const open = () => (transport ??= createTransport(smtpTransportOptions(settings)));
  return {
    async send(raw, envelope) {
      try {
        await open().sendMail({ envelope: { from: envelope.from, to: envelope.to }, raw });
      } catch (err) {
        throw smtpSendError(err, where, secrets);
      }
      return { deliveredTo: `smtp://${where}` };
    },
    async close() {
      const current = transport;
      transport = null;
      current?.close();
    },
  };
}

/** Nodemailer's error codes for a connection or session that failed, as opposed to a message the server refused. */
const SESSION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EAUTH', 'ENOAUTH', 'EPROXY', 'EPROTOCOL']);

/** Node's codes for a certificate or handshake problem, reported by nodemailer as a connection error. */
const TLS_ERROR_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME/;

interface NodemailerError {
  message: string;
  code?: string;
  /** The system or TLS error code nodemailer replaced with its own (ECONNREFUSED, CERT_HAS_EXPIRED, ...). */
  originalCode?: string;
  response?: string;
  responseCode?: number;
  permanent?: boolean;
}

function asNodemailerError(err: unknown): NodemailerError {
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') return err as NodemailerError;
  return { message: String(err) };
}

/**
 * One line: `SMTP host:port: <what failed>: <server reply or system error>`. A 5xx refusal of the message or its
 * recipients is permanent; 530-539 are login problems (a config fix makes them pass), so they are not.
 */
export function smtpSendError(err: unknown, where: string, secrets: readonly string[]): SendError {
  const e = asNodemailerError(err);
  const code = e.code ?? '';
  const isAuthReply = e.responseCode !== undefined && e.responseCode >= 530 && e.responseCode <= 539;
  const isChannelDown = SESSION_CODES.has(code) || e.responseCode === 421 || isAuthReply;
  const isPermanent = !isChannelDown && e.permanent === true && (code === 'EENVELOPE' || code === 'EMESSAGE');
  const what = TLS_ERROR_CODE.test(e.originalCode ?? '') ? 'TLS failed' : describeSmtpFailure(code);
  // Nodemailer appends the server's reply to its message already; keep its text, never our options.
  const detail = scrubSecrets(e.message, secrets);
  return new SendError(`SMTP ${where}: ${what}: ${detail}`, { isPermanent, isChannelDown, cause: err });
}

function describeSmtpFailure(code: string): string {
  switch (code) {
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'EDNS':
    case 'EPROXY':
      return 'cannot connect';
    case 'ETIMEDOUT':
      return 'timed out';
    case 'ETLS':
      return 'TLS failed';
    case 'EAUTH':
    case 'ENOAUTH':
      return 'login refused';
    case 'EENVELOPE':
      return 'sender or recipients refused';
    case 'EMESSAGE':
      return 'message refused';
    default:
      return 'send failed';
  }
}

/**
 * A real SMTP server on 127.0.0.1 (the smtp-server package) for the delivery tests: STARTTLS (offered or not),
 * implicit TLS, optional login; it keeps every message it accepts, byte for byte, and counts connections.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  raw: string;
  envelope: { from: string; to: string[] };
  /** Whether the session was encrypted when the message arrived. */
  isSecure: boolean;
}

export interface SmtpPeerOptions {
  /** Implicit TLS from the first byte. */
  secure?: boolean;
  /** Offer STARTTLS (default true; ignored with `secure`). */
  starttls?: boolean;
  /** Required login; null accepts mail without one. */
  auth?: { user: string; pass: string } | null;
  /** Recipients refused with 550 (a permanent failure). */
  rejectRecipients?: string[];
  /** A fixed port (to bring a server back where a test saw it down); 0 = any free one. */
  port?: number;
}

export interface SmtpPeer {
  port: number;
  received: ReceivedMail[];
  /** TCP connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

export async function startSmtpPeer(options: SmtpPeerOptions = {}): Promise<SmtpPeer> {
  const auth = options.auth ?? null;
  const peer: SmtpPeer = { port: 0, received: [], connections: 0, close: async () => undefined };
  const server = new SMTPServer({
    secure: options.secure ?? false,
    disabledCommands: [...(options.starttls === false ? ['STARTTLS'] : []), ...(auth === null ? ['AUTH'] : [])],
    authOptional: auth === null,
    allowInsecureAuth: false,
    logger: false,
    closeTimeout: 100,
    onConnect(_session, callback) {
      peer.connections += 1;
      callback();
    },
    onAuth(login, _session, callback) {
      if (auth !== null && login.username === auth.user && login.password === auth.pass) {
        callback(null, { user: login.username });
        return;
      }
      const err = Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 });
      callback(err);
    },
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipients?.includes(address.address)) {
        callback(Object.assign(new Error('5.1.1 No such user'), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        peer.received.push({
          raw: Buffer.concat(chunks).toString('utf8'),
          envelope: { from: from === false ? '' : from.address, to: session.envelope.rcptTo.map((r) => r.address) },
          isSecure: session.secure,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  peer.port = (server.server.address() as AddressInfo).port;
  peer.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return peer;
}

/** A port where nothing listens right now (taken from a server that is closed again). */
export async function closedPort(): Promise<number> {
  const peer = await startSmtpPeer({ starttls: false });
  await peer.close();
  return peer.port;
}

/**
 * The `email:` section of a test config for a peer on `port`: login monitor / ${SMTP_PASSWORD} (set it in the env the
 * config is loaded with), no certificate check, alerts to ops@example.com, reports to reports@example.com.
 */
export function emailConfigLines(port: number): string[] {
  return [
    'email:',
    '  smtp_host: 127.0.0.1',
    `  smtp_port: ${port}`,
    '  smtp_auth_user: monitor',
    '  smtp_auth_password: ${SMTP_PASSWORD}',
    '  tls_verify: false',
    '  from_address: "dthostmon <monitor@example.com>"',
    '  alert_recipients: [ops@example.com]',
    '  report_recipients: [reports@example.com]',
  ];
}

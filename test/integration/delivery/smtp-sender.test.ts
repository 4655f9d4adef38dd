import { simpleParser, type AddressObject } from 'mailparser';
import { composeEmail, envelopeFor, type OutgoingEmail } from '../../../src/report/mail.js';
import { SendError } from '../../../src/report/send-error.js';
import { createSmtpSender, type SmtpSettings } from '../../../src/report/smtp.js';
import { startSmtpPeer, type SmtpPeer } from './smtp-peer.js';

const AUTH = { user: 'monitor', pass: 'Sup3r-Secret-Pa55' };
const FROM = 'dthostmon <monitor@example.net>';
const REPLY_TO = 'ops@example.net';
const MESSAGE_ID = '<0123456789abcdef.dthostmon@example.net>';
const DATE = new Date('2026-03-01T10:00:00.000Z');
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

const EMAIL: OutgoingEmail = {
  to: ['alice@example.org', 'Bob <bob@example.org>'],
  subject: '[dthostmon] web-01: disk /var 93% (crit)',
  text: 'web-01 needs attention.\nDisk /var is 93% full.\n',
  html: '<p>web-01 needs attention.</p><img src="cid:score-chart@dthostmon" alt="score">',
  attachments: [
    { filename: 'score.png', content: PNG, contentType: 'image/png', cid: 'score-chart@dthostmon' },
    { filename: 'web-01.md', content: '# web-01\n\nScore 62\n', contentType: 'text/markdown' },
  ],
};

function settings(port: number, overrides: Partial<SmtpSettings> = {}): SmtpSettings {
  return {
    host: '127.0.0.1',
    port,
    security: 'starttls',
    auth: AUTH,
    from: FROM,
    replyTo: REPLY_TO,
    tlsRejectUnauthorized: false,
    timeoutMs: 5000,
    ...overrides,
  };
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((entry) => entry.value.map((address) => address.address ?? ''));
}

async function sendOne(peerSettings: SmtpSettings): Promise<{ raw: string; deliveredTo: string }> {
  const raw = await composeEmail(EMAIL, { from: FROM, replyTo: REPLY_TO, messageId: MESSAGE_ID, date: DATE });
  const sender = createSmtpSender(peerSettings);
  try {
    const { deliveredTo } = await sender.send(raw, envelopeFor(FROM, EMAIL.to));
    return { raw, deliveredTo };
  } finally {
    await sender.close();
  }
}

async function sendError(peerSettings: SmtpSettings): Promise<SendError> {
  const error = await sendOne(peerSettings).then(
    () => null,
    (err: unknown) => err,
  );
  if (!(error instanceof SendError)) throw new Error(`expected a SendError, got ${String(error)}`);
  return error;
}

describe('SMTP sender against a real SMTP server', () => {
  let peer: SmtpPeer | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });

  it('STARTTLS with login: the message arrives encrypted, byte for byte, with every part in place', async () => {
    peer = await startSmtpPeer({ auth: AUTH });
    const { raw, deliveredTo } = await sendOne(settings(peer.port));
    expect(deliveredTo).toBe(`smtp://127.0.0.1:${peer.port}`);
    expect(peer.received).toHaveLength(1);
    const [received] = peer.received;
    expect(received?.isSecure).toBe(true);
    expect(received?.envelope).toEqual({ from: 'monitor@example.net', to: ['alice@example.org', 'bob@example.org'] });
    expect(received?.raw.replace(/\r\n$/, '')).toBe(raw.replace(/\r\n$/, ''));

    // keepCidLinks: the HTML as sent (mailparser would otherwise inline the image as a data: URL).
    const mail = await simpleParser(received?.raw ?? '', { keepCidLinks: true });
    expect(addresses(mail.from)).toEqual(['monitor@example.net']);
    expect(mail.from?.value[0]?.name).toBe('dthostmon');
    expect(addresses(mail.to)).toEqual(['alice@example.org', 'bob@example.org']);
    expect(addresses(mail.replyTo)).toEqual([REPLY_TO]);
    expect(mail.subject).toBe(EMAIL.subject);
    expect(mail.messageId).toBe(MESSAGE_ID);
    expect(mail.date?.toISOString()).toBe(DATE.toISOString());
    expect(mail.text).toBe(EMAIL.text);
    expect(mail.html).toContain('<p>web-01 needs attention.</p>');
    const image = mail.attachments.find((a) => a.filename === 'score.png');
    expect(image).toMatchObject({ contentType: 'image/png', contentDisposition: 'inline', cid: 'score-chart@dthostmon', related: true });
    expect(image?.content.equals(PNG)).toBe(true);
    expect(mail.html).toContain(`<img src="cid:${image?.cid ?? '?'}"`);
    const report = mail.attachments.find((a) => a.filename === 'web-01.md');
    expect(report).toMatchObject({ contentType: 'text/markdown', contentDisposition: 'attachment' });
    expect(report?.content.toString('utf8')).toBe('# web-01\n\nScore 62\n');
  });

  it('implicit TLS (secure from the first byte)', async () => {
    peer = await startSmtpPeer({ secure: true, auth: AUTH });
    await sendOne(settings(peer.port, { security: 'tls' }));
    expect(peer.received.map((m) => m.isSecure)).toEqual([true]);
  });

  it('plain, when allowed: no TLS even though the server offers STARTTLS', async () => {
    peer = await startSmtpPeer({ auth: null });
    await sendOne(settings(peer.port, { security: 'none', auth: null }));
    expect(peer.received.map((m) => m.isSecure)).toEqual([false]);
    expect((await simpleParser(peer.received[0]?.raw ?? '')).messageId).toBe(MESSAGE_ID);
  });

  it('a refused login is one line naming host:port and the reply, never the password', async () => {
    peer = await startSmtpPeer({ auth: AUTH });
    const error = await sendError(settings(peer.port, { auth: { user: AUTH.user, pass: 'wrong-Pa55word-xyz' } }));
    expect(error.message).toMatch(new RegExp(`^SMTP 127\\.0\\.0\\.1:${peer.port}: login refused: .*535`));
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain('wrong-Pa55word-xyz');
    expect(error.message).not.toContain(Buffer.from(`\0${AUTH.user}\0wrong-Pa55word-xyz`).toString('base64'));
    expect(error).toMatchObject({ isChannelDown: true, isPermanent: false });
    expect(peer.received).toHaveLength(0);
  });

  it('STARTTLS required but not offered: refused, nothing is sent in clear', async () => {
    peer = await startSmtpPeer({ starttls: false, auth: null });
    const error = await sendError(settings(peer.port, { auth: null }));
    expect(error.message).toContain(`SMTP 127.0.0.1:${peer.port}:`);
    expect(error.isChannelDown).toBe(true);
    expect(peer.received).toHaveLength(0);
  });

  it('verifies the certificate unless told not to', async () => {
    peer = await startSmtpPeer({ auth: AUTH });
    const error = await sendError(settings(peer.port, { tlsRejectUnauthorized: true }));
    expect(error.message).toMatch(new RegExp(`^SMTP 127\\.0\\.0\\.1:${peer.port}: TLS failed: .*certificate`));
    expect(error.message).not.toContain(AUTH.pass);
    expect(peer.received).toHaveLength(0);
  });

  it('reuses one connection for several messages and opens a new one after close()', async () => {
    peer = await startSmtpPeer({ auth: AUTH });
    const raw = await composeEmail(EMAIL, { from: FROM, replyTo: REPLY_TO, messageId: MESSAGE_ID, date: DATE });
    const sender = createSmtpSender(settings(peer.port));
    const envelope = envelopeFor(FROM, ['alice@example.org']);
    try {
      await sender.send(raw, envelope);
      await sender.send(raw, envelope);
      await sender.send(raw, envelope);
      expect(peer.connections).toBe(1);
      await sender.close();
      await sender.send(raw, envelope);
      expect(peer.connections).toBe(2);
    } finally {
      await sender.close();
    }
    expect(peer.received).toHaveLength(4);
  });

  it('nothing listening: a channel-down error naming host:port', async () => {
    peer = await startSmtpPeer({ auth: AUTH });
    const port = peer.port;
    await peer.close();
    peer = undefined;
    const error = await sendError(settings(port));
    expect(error.message).toMatch(new RegExp(`^SMTP 127\\.0\\.0\\.1:${port}: cannot connect: .*ECONNREFUSED`));
    expect(error).toMatchObject({ isChannelDown: true, isPermanent: false });
  });
});

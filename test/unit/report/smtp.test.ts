import { smtpSendError, smtpTransportOptions, type SmtpSettings } from '../../../src/report/smtp.js';

const SETTINGS: SmtpSettings = {
  host: 'mail.example.net',
  port: 587,
  security: 'starttls',
  auth: { user: 'monitor', pass: 'Pa55-word!' },
  from: 'monitor@example.net',
  replyTo: 'ops@example.net',
  tlsRejectUnauthorized: true,
  timeoutMs: 15_000,
};

describe('smtpTransportOptions', () => {
  it('STARTTLS is required, never optional', () => {
    expect(smtpTransportOptions(SETTINGS)).toMatchObject({ secure: false, requireTLS: true, ignoreTLS: false, port: 587 });
  });

  it('implicit TLS and plain', () => {
    expect(smtpTransportOptions({ ...SETTINGS, security: 'tls', port: 465 })).toMatchObject({ secure: true, requireTLS: false });
    expect(smtpTransportOptions({ ...SETTINGS, security: 'none', port: 25 })).toMatchObject({ secure: false, requireTLS: false, ignoreTLS: true });
  });

  it('one pooled connection, no retries of its own, timeouts and certificate checking from the settings', () => {
    const options = smtpTransportOptions({ ...SETTINGS, tlsRejectUnauthorized: false, auth: null });
    expect(options).toMatchObject({ pool: true, maxConnections: 1, maxRequeues: 0, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 15_000 });
    expect(options.tls).toEqual({ rejectUnauthorized: false });
    expect(options).not.toHaveProperty('auth');
    expect(smtpTransportOptions(SETTINGS).auth).toEqual({ user: 'monitor', pass: 'Pa55-word!' });
  });
});

describe('smtpSendError', () => {
  const where = 'mail.example.net:587';
  const nodemailerError = (fields: Record<string, unknown>) => Object.assign(new Error(String(fields.message)), fields);

  it('a 5xx refusal of the recipients or the message is permanent', () => {
    const error = smtpSendError(
      nodemailerError({ message: "Can't send mail - all recipients were rejected: 550 5.1.1 No such user", code: 'EENVELOPE', responseCode: 550, permanent: true }),
      where,
      [],
    );
    expect(error.message).toBe("SMTP mail.example.net:587: sender or recipients refused: Can't send mail - all recipients were rejected: 550 5.1.1 No such user");
    expect(error).toMatchObject({ isPermanent: true, isChannelDown: false });
  });

  it('a 4xx refusal is retried; a 530 (login required) is a channel problem, not the message', () => {
    expect(smtpSendError(nodemailerError({ message: 'm: 451 try later', code: 'EMESSAGE', responseCode: 451, permanent: false }), where, [])).toMatchObject({
      isPermanent: false,
      isChannelDown: false,
    });
    expect(smtpSendError(nodemailerError({ message: 'm: 530 auth required', code: 'EENVELOPE', responseCode: 530, permanent: true }), where, [])).toMatchObject({
      isPermanent: false,
      isChannelDown: true,
    });
    expect(smtpSendError(nodemailerError({ message: 'm: 421 closing', code: 'EENVELOPE', responseCode: 421 }), where, [])).toMatchObject({
      isChannelDown: true,
    });
  });

  it('names timeouts, keeps one line and removes secrets, also base64-encoded', () => {
    const secret = 'Pa55-word!';
    const plain = Buffer.from(`\0monitor\0${secret}`).toString('base64');
    const error = smtpSendError(
      nodemailerError({ message: `Timeout\r\n  AUTH PLAIN ${plain} pass=${secret}`, code: 'ETIMEDOUT' }),
      where,
      [secret, `\0monitor\0${secret}`],
    );
    expect(error.message).toBe('SMTP mail.example.net:587: timed out: Timeout AUTH PLAIN *** pass=***');
    expect(error).toMatchObject({ isPermanent: false, isChannelDown: true });
  });

  it('accepts anything thrown', () => {
    expect(smtpSendError('boom', where, []).message).toBe('SMTP mail.example.net:587: send failed: boom');
  });
});

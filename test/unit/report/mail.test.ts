import { simpleParser } from 'mailparser';
import { MAX_SUBJECT_CHARS, composeEmail, envelopeFor, messageIdFor, subjectLine, type OutgoingEmail } from '../../../src/report/mail.js';

const OPTIONS = {
  from: 'dthostmon <monitor@example.net>',
  replyTo: 'ops@example.net',
  messageId: '<abc.dthostmon@example.net>',
  date: new Date('2026-03-01T10:00:00.000Z'),
};
const PNG = Buffer.from('89504e470d0a1a0a', 'hex');

function contentTypes(raw: string): string[] {
  return [...raw.matchAll(/^Content-Type: ([^;\r\n]+)/gm)].map((m) => m[1] ?? '');
}

describe('composeEmail', () => {
  it('keeps every line within 998 characters, even for a 5000-character HTML line and a long subject', async () => {
    const longLine = `<p>${'x'.repeat(2500)}${'é'.repeat(2500)}</p>`;
    const raw = await composeEmail(
      { to: ['a@example.org'], subject: `Report ${'w'.repeat(1200)}`, text: 'y'.repeat(5000), html: longLine },
      OPTIONS,
    );
    const lines = raw.split('\r\n');
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(998);
    const mail = await simpleParser(raw);
    expect(mail.html).toBe(longLine);
    expect(mail.text).toBe('y'.repeat(5000));
    expect(mail.subject).toBe(`Report ${'w'.repeat(MAX_SUBJECT_CHARS - 8)}…`);
    expect([...(mail.subject ?? '')]).toHaveLength(MAX_SUBJECT_CHARS);
  });

  it('uses CRLF line ends only', async () => {
    const raw = await composeEmail({ to: ['a@example.org'], subject: 's', text: 'one\ntwo\n' }, OPTIONS);
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('nests text and HTML in multipart/alternative, inline images in multipart/related, files in multipart/mixed', async () => {
    const email: OutgoingEmail = {
      to: ['a@example.org'],
      subject: 'nested',
      text: 'text',
      html: '<img src="cid:chart">',
      attachments: [
        { filename: 'chart.png', content: PNG, contentType: 'image/png', cid: 'chart' },
        { filename: 'host.md', content: '# host\n', contentType: 'text/markdown' },
      ],
    };
    const raw = await composeEmail(email, OPTIONS);
    expect(contentTypes(raw)).toEqual(['multipart/mixed', 'multipart/alternative', 'text/plain', 'multipart/related', 'text/html', 'image/png', 'text/markdown']);
    expect(raw).toMatch(/^Content-Disposition: inline; filename=chart\.png/m);
    expect(raw).toMatch(/^Content-Id: <chart>/im);
    expect(raw).toMatch(/^Content-Disposition: attachment; filename=host\.md/m);
  });

  it('is a single text/plain part when there is no HTML and no attachment', async () => {
    const raw = await composeEmail({ to: ['a@example.org'], subject: 'plain', text: 'just text' }, OPTIONS);
    expect(contentTypes(raw)).toEqual(['text/plain']);
    expect(raw).toMatch(/^Message-ID: <abc\.dthostmon@example\.net>\r$/m);
    expect(raw).toMatch(/^Reply-To: ops@example\.net\r$/m);
  });

  it('encodes a non-ASCII subject and display name so they survive the trip', async () => {
    const raw = await composeEmail(
      { to: ['Zoë <zoe@example.org>'], subject: 'Überwachung: Platte fast voll ⚠', text: 'ß' },
      { ...OPTIONS, from: 'Überwachung <monitor@example.net>' },
    );
    expect(raw).not.toMatch(/[^\x00-\x7f]/);
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe('Überwachung: Platte fast voll ⚠');
    expect(mail.from?.value[0]?.name).toBe('Überwachung');
    expect(mail.text).toBe('ß');
  });
});

describe('subjectLine', () => {
  it('puts the subject on one line and keeps short ones as they are', () => {
    expect(subjectLine('disk full\r\n  on web-01\n')).toBe('disk full on web-01');
    expect(subjectLine('ok')).toBe('ok');
    expect(subjectLine('⚠'.repeat(MAX_SUBJECT_CHARS))).toBe('⚠'.repeat(MAX_SUBJECT_CHARS));
  });
});

describe('messageIdFor and envelopeFor', () => {
  it('derives the same Message-ID from the same dedupe key, in the sender domain', () => {
    const id = messageIdFor('alert:12:ops@example.net', 'dthostmon <monitor@example.net>');
    expect(id).toMatch(/^<[0-9a-f]{32}\.dthostmon@example\.net>$/);
    expect(messageIdFor('alert:12:ops@example.net', 'monitor@example.net')).toBe(id);
    expect(messageIdFor('alert:13:ops@example.net', 'monitor@example.net')).not.toBe(id);
    expect(messageIdFor('k', 'no-domain')).toMatch(/@dthostmon\.invalid>$/);
  });

  it('strips display names for the envelope', () => {
    expect(envelopeFor('dthostmon <monitor@example.net>', ['Bob <bob@example.org>', 'carol@example.org'])).toEqual({
      from: 'monitor@example.net',
      to: ['bob@example.org', 'carol@example.org'],
    });
  });
});

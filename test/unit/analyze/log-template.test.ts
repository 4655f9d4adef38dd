import { isErrorTemplate, MAX_TEMPLATES_PER_PASS, TemplateAccumulator, templateKey, templateOf, templateOfMessage } from '../../../src/analyze/log-template.js';
import type { LogRecord } from '../../../src/types.js';

const record = (message: string, program: string | null = 'sshd', over: Partial<LogRecord> = {}): LogRecord => ({
  source: '/var/log/auth.log',
  line: `h ${program ?? ''}: ${message}`,
  time: null,
  hostname: 'h',
  program,
  pid: 1,
  message,
  ...over,
});

describe('templateOfMessage', () => {
  it.each([
    ['Failed password for root from 203.0.113.9 port 52144 ssh2', 'Failed password for root from <*> port <*> <*>'],
    ['Failed password for root from 2001:db8::1 port 22 ssh2', 'Failed password for root from <*> port <*> <*>'],
    ['session opened for user root(uid=0) by (uid=0)', 'session opened for user <*>(uid=<*>) by (uid=<*>)'],
    ['Failed password for invalid user oracle from 192.0.2.1 port 22 ssh2', 'Failed password for invalid user <*> from <*> port <*> <*>'],
    ['alice : user NOT in sudoers ; TTY=pts/0', 'alice : user <*> in sudoers ; TTY=<*>'],
    ['Out of memory: Killed process 4242 (java) total-vm:123kB', 'Out of memory: Killed process <*> (java) <*>'],
    ['Started Session 5 of user root.', 'Started Session <*> of user <*>'],
    ['pam_unix(cron:session): session opened for user=root by x', 'pam_unix(cron:session): session opened for user=<*> by x'],
    ['job 550e8400-e29b-41d4-a716-446655440000 done in 0x1f ms', 'job <*> done in <*> ms'],
    ['user "alice smith" not found', 'user "<*>" not found'],
    ["can't open 'my file.txt'", "can't open '<*>'"],
    ['token AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGhIjKlMnOp expired', 'token <*> expired'],
    ['  leading   and\ttabs  ', 'leading and tabs'],
    ['', ''],
  ])('%s', (message, template) => {
    expect(templateOfMessage(message)).toBe(template);
  });

  it('gives lines that differ only in their values one template', () => {
    const a = templateOf(record('Invalid user admin from 198.51.100.7 port 4000'));
    const b = templateOf(record('Invalid user admin from 203.0.113.250 port 61000'));
    expect(a).toBe(b);
    expect(a).toBe('sshd: Invalid user <*> from <*> port <*>');
    expect(templateOf(record('plain line', null))).toBe('-: plain line');
  });

  it('keeps a hostile line short and survives an unclosed quote', () => {
    expect(templateOfMessage('x '.repeat(100_000)).length).toBeLessThanOrEqual(300);
    expect(templateOfMessage('say "unclosed and 42')).toBe('say "unclosed and <*>');
  });
});

describe('isErrorTemplate', () => {
  it('reads the priority of journal lines and the wording of the others', () => {
    expect(isErrorTemplate('x: fine', 3)).toBe(true);
    expect(isErrorTemplate('x: failed badly', 6)).toBe(false);
    expect(isErrorTemplate('nginx: connect() failed (<*>: Connection refused)')).toBe(true);
    expect(isErrorTemplate('kernel: EXT4-fs error (device <*>)')).toBe(true);
    expect(isErrorTemplate('CRON: pam_unix(cron:session): session opened for user root')).toBe(false);
    expect(isErrorTemplate('app: errorless terror')).toBe(false);
  });
});

describe('TemplateAccumulator', () => {
  it('counts lines per template with a few examples, and merges', () => {
    const a = new TemplateAccumulator();
    for (let i = 0; i < 5; i++) a.add(record(`Failed password for root from 192.0.2.${i} port 22 ssh2`));
    const b = new TemplateAccumulator();
    b.add(record('Failed password for root from 192.0.2.9 port 22 ssh2'));
    b.add(record('Accepted publickey for alice from 192.0.2.9 port 22 ssh2'));
    a.merge(b);
    expect(a.lines).toBe(7);
    expect(a.errorLines).toBe(6);
    const failed = [...a.stats.values()].find((s) => s.template === 'sshd: Failed password for root from <*> port <*> <*>');
    expect(failed).toMatchObject({ count: 6, isError: true, source: '/var/log/auth.log' });
    expect(failed?.examples).toHaveLength(3);
  });

  it('tracks at most MAX_TEMPLATES_PER_PASS templates and counts the rest', () => {
    const acc = new TemplateAccumulator();
    const words = (n: number): string => n.toString(26).replace(/\d/g, (d) => 'qrstuvwxyz'[Number(d)] ?? 'q');
    for (let i = 0; i < MAX_TEMPLATES_PER_PASS + 10; i++) acc.add(record(`distinct ${words(i)}`));
    expect(acc.stats.size).toBe(MAX_TEMPLATES_PER_PASS);
    expect(acc.untracked).toBe(10);
    expect(acc.lines).toBe(MAX_TEMPLATES_PER_PASS + 10);
  });
});

describe('templateOfMessage on random input', () => {
  it('always ends, is stable, and never grows past the cap', () => {
    const alphabet = ['a', 'Z', '0', '9', ' ', '\t', '"', "'", '=', '(', ')', '[', ']', ',', ';', '<', '>', '{', '}', 'é', '-', '.', ':', '/'];
    let state = 7;
    const random = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    for (let k = 0; k < 3000; k++) {
      const text = Array.from({ length: random(80) }, () => alphabet[random(alphabet.length)]).join('');
      const template = templateOfMessage(text);
      expect(template.length).toBeLessThanOrEqual(300);
      expect(templateOfMessage(text)).toBe(template);
      expect(template).not.toMatch(/\d/);
    }
  });

  it('templateKey is equal exactly when the templates are', () => {
    const alphabet = ['a', 'b', '1', ' ', '"', "'", '=', '(', 'x', 'é', '-'];
    let state = 11;
    const random = (n: number): number => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    const byTemplate = new Map<string, number>();
    const byKey = new Map<number, string>();
    for (let k = 0; k < 5000; k++) {
      const message = Array.from({ length: random(12) }, () => alphabet[random(alphabet.length)]).join('');
      const program = random(4) === 0 ? null : ['sshd', 'cron', 'app1', 'x y'][random(4)] ?? 'sshd';
      const template = templateOf({ program, message });
      const key = templateKey({ program, message });
      expect(byTemplate.get(template) ?? key).toBe(key);
      expect(byKey.get(key) ?? template).toBe(template);
      byTemplate.set(template, key);
      byKey.set(key, template);
    }
    expect(byTemplate.size).toBeGreaterThan(500);
    expect(templateKey({ program: 'p', message: 'x '.repeat(200_000) })).toBe(templateKey({ program: 'p', message: 'x '.repeat(150) + 'y' }));
  });
});

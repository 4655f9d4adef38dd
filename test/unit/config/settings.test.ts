import { join } from 'node:path';
import { INLINE_FILE, loadText, textError } from './fixture.js';

const DIR = join(INLINE_FILE, '..');

describe('store settings', () => {
  test('without a database section: SQLite beside the config', () => {
    expect(loadText('hosts: []\n').store).toEqual({ dialect: 'sqlite', path: join(DIR, 'dthostmon.db') });
  });

  test('SQLite paths resolve against the config directory; ~ and :memory: work', () => {
    expect(loadText('database:\n  path: ../var/x.db\n').store).toEqual({ dialect: 'sqlite', path: join(DIR, '../var/x.db') });
    expect(loadText('database:\n  path: ~/x.db\n').store).toEqual({ dialect: 'sqlite', path: '/home/tester/x.db' });
    expect(loadText('database:\n  type: sqlite\n  path: ":memory:"\n').store).toEqual({ dialect: 'sqlite', path: ':memory:' });
  });

  test('PostgreSQL from host/port/name/user/password, every part URL-encoded', () => {
    const store = loadText('database:\n  host: db.internal\n  port: 6432\n  name: mon itor\n  user: app@corp\n  password: "p@ss/w:rd#1"\n').store;
    expect(store).toEqual({
      dialect: 'postgres',
      url: 'postgres://app%40corp:p%40ss%2Fw%3Ard%231@db.internal:6432/mon%20itor',
      display: 'postgres://app%40corp@db.internal:6432/mon%20itor',
    });
    const parsed = new URL(store.dialect === 'postgres' ? store.url : '');
    expect(decodeURIComponent(parsed.password)).toBe('p@ss/w:rd#1');
  });

  test('IPv6 hosts are bracketed; user and password are optional', () => {
    expect(loadText('database:\n  type: postgresql\n  host: "::1"\n').store).toEqual({
      dialect: 'postgres',
      url: 'postgres://[::1]:5432/dthostmon',
      display: 'postgres://[::1]:5432/dthostmon',
    });
  });

  test('a database.url is used as is; its display hides the password', () => {
    expect(loadText('database:\n  url: postgres://app:secret@db:5432/mon?password=also&sslmode=require\n').store).toEqual({
      dialect: 'postgres',
      url: 'postgres://app:secret@db:5432/mon?password=also&sslmode=require',
      display: 'postgres://app@db:5432/mon?sslmode=require',
    });
  });

  test('conflicting or incomplete database settings are located errors', () => {
    expect(textError('database:\n  type: sqlite\n  host: db\n').problems).toEqual([
      expect.objectContaining({ line: 3, col: 3, path: 'database.host', message: 'only used with PostgreSQL, but database.type is sqlite' }),
    ]);
    expect(textError('database:\n  type: postgres\n  path: x.db\n').problems.map((p) => [p.path, p.message])).toEqual([
      ['database.host', 'PostgreSQL needs database.url or database.host'],
      ['database.path', 'only used with SQLite; this database section selects PostgreSQL'],
    ]);
    expect(textError('database:\n  url: postgres://db/x\n  password: pw\n').problems.map((p) => [p.path, p.message])).toEqual([
      ['database.password', 'not used when database.url is set: put it in the URL or drop the url'],
    ]);
    expect(textError('database:\n  url: mysql://db/x\n').problems.map((p) => p.message)).toEqual(['expected a postgres:// URL, got a mysql: URL']);
    expect(textError('database:\n  url: not a url\n').problems.map((p) => p.message)).toEqual([
      'is not a valid URL (expected postgres://user:password@host:port/name)',
    ]);
  });
});

describe('pass settings', () => {
  test('defaults, in ms and absolute paths', () => {
    expect(loadText('hosts: []\n').pass).toEqual({
      maxConcurrentHosts: 5,
      passTimeoutMs: 300000,
      retryAttempts: 3,
      retryBackoffMs: [1000, 2000, 4000],
      reportsDir: join(DIR, 'reports'),
      templatesDir: null,
      logLevel: 'info',
    });
  });

  test('templates_dir, ssh.max_retries fallback and log level names', () => {
    const pass = loadText('global:\n  templates_dir: ~/tpl\n  log_level: CRITICAL\nssh:\n  max_retries: 1\n').pass;
    expect(pass).toMatchObject({ templatesDir: '/home/tester/tpl', retryAttempts: 1, logLevel: 'error' });
    expect(loadText('global:\n  retry_attempts: 0\nssh:\n  max_retries: 1\n').pass.retryAttempts).toBe(0);
  });

  test('ssh.connect_timeout wins over the original ssh.timeout', () => {
    const config = loadText('ssh:\n  timeout: 4\n  connect_timeout: 2.5\nhosts:\n  - name: a\n    hostname: h\n    user: u\n');
    expect(config.hosts[0]?.ssh.connectTimeoutMs).toBe(2500);
  });
});

describe('pushover', () => {
  test('enabled needs a token and a user key', () => {
    expect(textError('pushover:\n  enabled: yes\n  api_token: ""\n').problems.map((p) => [p.line, p.col, p.path, p.message])).toEqual([
      [3, 14, 'pushover.api_token', 'required when pushover.enabled is true'],
      [2, 3, 'pushover.user_key', 'required when pushover.enabled is true'],
    ].sort((a, b) => (a[0] as number) - (b[0] as number)));
  });
});

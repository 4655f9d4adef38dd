import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { INLINE_FILE, fixture, loadError, loadText, stageCase, unstage } from './fixture.js';

/** Values that broke or truncated the original's text substitution (GAP-R1). */
const DB_PASSWORD = 'p4ss: word # not a comment';
const SMTP_PASSWORD = `it's "quoted" #1 {not: flow} [x]`;

describe('${VAR} substitution happens per value, after YAML parsing', () => {
  test('secrets containing ": ", " #" and YAML syntax survive intact', async () => {
    const config = await loadConfig(fixture('substitution/secrets/dthostmon.yaml'), { env: { DB_PASSWORD, SMTP_PASSWORD } });
    const doc = config.document as { database: { password: string }; email: { smtp_auth_password: string } };
    expect(doc.database.password).toBe(DB_PASSWORD);
    expect(doc.email.smtp_auth_password).toBe(SMTP_PASSWORD);
    expect(config.store).toEqual({
      dialect: 'postgres',
      url: `postgres://dthostmon:${encodeURIComponent(DB_PASSWORD)}@db.internal:5432/dthostmon`,
      display: 'postgres://dthostmon@db.internal:5432/dthostmon',
    });
    expect(config.secrets).toEqual(expect.arrayContaining([DB_PASSWORD, encodeURIComponent(DB_PASSWORD), SMTP_PASSWORD]));
  });

  test('every unset variable is an error at its scalar, without follow-on errors', async () => {
    const file = fixture('substitution/missing-var/dthostmon.yaml');
    const err = await loadError(file);
    expect(err.message.split('\n')).toEqual([
      `${file}:5:9 database.port: environment variable DB_PORT is not set (set it, add it to .env beside the config, or write \${DB_PORT:-default})`,
      `${file}:6:13 database.password: environment variable DB_PASSWORD is not set (set it, add it to .env beside the config, or write \${DB_PASSWORD:-default})`,
      `${file}:9:15 hosts[0].hostname: environment variable WEB1_ADDR is not set (set it, add it to .env beside the config, or write \${WEB1_ADDR:-default})`,
      `${file}:11:12 hosts[0].logs[0]: environment variable LOG_DIR is not set (set it, add it to .env beside the config, or write \${LOG_DIR:-default})`,
      `${file}:13:15 hosts[1].hostname: environment variables A, B are not set`,
      `${file}:14:11 hosts[1].user: malformed variable reference "\${bad name}" (expected \${NAME} or \${NAME:-default})`,
    ]);
  });

  test("unresolved: 'collect' lists every unset variable and loads the rest (dthostmon config, sync-config)", async () => {
    const file = fixture('substitution/missing-var/dthostmon.yaml');
    await expect(loadConfig(file, { env: {}, unresolved: 'collect' })).rejects.toThrow(/malformed variable reference/);
    const text = (await import('node:fs')).readFileSync(file, 'utf8').replace('${bad name}', 'mon');
    const config = loadText(text, { unresolved: 'collect' });
    expect(config.unresolved).toEqual([
      { path: 'global.monitor_interval', names: ['MONITOR_INTERVAL'], line: 2, col: 21 },
      { path: 'database.port', names: ['DB_PORT'], line: 5, col: 9 },
      { path: 'database.password', names: ['DB_PASSWORD'], line: 6, col: 13 },
      { path: 'hosts[0].hostname', names: ['WEB1_ADDR'], line: 9, col: 15 },
      { path: 'hosts[0].logs[0]', names: ['LOG_DIR'], line: 11, col: 12 },
      { path: 'hosts[1].hostname', names: ['A', 'B'], line: 13, col: 15 },
    ]);
    const doc = config.document as { database: { port: number; password: string }; hosts: { hostname?: string; logs?: string[] }[] };
    // A text key keeps the reference as written; a key the text cannot be (a port, an absolute path) is not set.
    expect(doc.database.password).toBe('${DB_PASSWORD}');
    expect(doc.database.port).toBe(5432);
    expect(doc.hosts[0]?.hostname).toBeUndefined();
    expect(config.hosts[0]?.logs).not.toContain('${LOG_DIR}/app.log');
  });

  test('an unset variable in the ignored global.monitor_interval is only a warning', () => {
    const config = loadText('global:\n  monitor_interval: ${MONITOR_INTERVAL}\nhosts: []\n');
    expect(config.warnings).toEqual([
      `${INLINE_FILE}:2:21 global.monitor_interval: environment variable MONITOR_INTERVAL is not set (set it, add it to .env beside the config, or write \${MONITOR_INTERVAL:-default})`,
      `${INLINE_FILE}:3:8 hosts: no hosts configured: nothing to monitor`,
    ]);
  });

  test('the .env beside the config is read; the process environment wins', async () => {
    const dir = stageCase('substitution/dotenv-beside');
    try {
      const config = await loadConfig(join(dir, 'dthostmon.yaml'), { env: { DB_PORT: '7777', SSH_USER: 'from-process' } });
      const doc = config.document as { database: Record<string, unknown>; api: { api_key: string } };
      expect(doc.database).toMatchObject({
        host: 'db-from-dotenv.internal',
        port: 7777,
        user: 'dthostmon',
        password: 'p@ss: w0rd #not-a-comment',
      });
      expect(doc.api.api_key).toBe('line1\nline2');
      expect(config.hosts[0]).toMatchObject({ hostname: '10.0.0.1', user: 'from-process' });
      expect(config.warnings).toEqual([]);
      expect(config.secrets).toContain('p@ss: w0rd #not-a-comment');
    } finally {
      unstage(dir);
    }
  });

  test('defaults, nested defaults, empty values and the $${} escape', async () => {
    const file = fixture('substitution/defaults-and-escape/dthostmon.yaml');
    const config = await loadConfig(file, { env: { REPLY_TO: '' } });
    const doc = config.document as { email: Record<string, unknown>; global: Record<string, unknown> };
    expect(config.pass.reportsDir).toBe(join(config.dir, 'out/reports'));
    // `${MAX_HOSTS:-}` substitutes to nothing, which counts as not set: the default applies.
    expect(config.pass.maxConcurrentHosts).toBe(5);
    expect(config.hosts[0]).toMatchObject({ port: 2200, hostname: '10.9.9.9' });
    expect(config.hosts[0]?.origin.port).toBe('global');
    expect(doc.email.reply_to_address).toBeUndefined();
    expect(doc.email.from_address).toBe('${NOT_A_VAR} <monitor@example.org>');

    const other = await loadConfig(file, { env: { REPLY_TO: 'ops@example.org', FALLBACK_ADDR: '10.1.1.1', MAX_HOSTS: '2' } });
    expect(other.hosts[0]?.hostname).toBe('10.1.1.1');
    expect(other.pass.maxConcurrentHosts).toBe(2);
    expect((other.document as { email: Record<string, unknown> }).email.reply_to_address).toBe('ops@example.org');
  });
});

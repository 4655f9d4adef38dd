import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDotenv } from '../../../src/config/env.js';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));
/** The variables .env.example lists: the example must load with exactly these. */
const EXAMPLE_ENV = parseDotenv(readFileSync(`${EXAMPLES}.env.example`, 'utf8')).values;

describe('examples/', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));

  test('has the full example and the localhost example', () => {
    expect(files).toEqual(expect.arrayContaining(['dthostmon.example.yaml', 'localhost.yaml']));
  });

  test.each(files)('%s loads with the variables of .env.example', async (file) => {
    const config = await loadConfig(`${EXAMPLES}${file}`, { env: { ...EXAMPLE_ENV }, homeDir: '/home/mon' });
    expect(config.hosts.length).toBeGreaterThan(0);
  });

  test('.env.example parses cleanly', () => {
    expect(parseDotenv(readFileSync(`${EXAMPLES}.env.example`, 'utf8')).problems).toEqual([]);
  });

  test('localhost.yaml needs no variables at all and keeps its data in ../var', async () => {
    const config = await loadConfig(`${EXAMPLES}localhost.yaml`, { env: {} });
    expect(config.warnings).toEqual([]);
    expect(config.store).toEqual({ dialect: 'sqlite', path: fileURLToPath(new URL('../../../var/dthostmon.db', import.meta.url)) });
    expect(config.pass.reportsDir).toBe(fileURLToPath(new URL('../../../var/reports', import.meta.url)));
    expect(config.hosts).toHaveLength(1);
    expect(config.hosts[0]).toMatchObject({
      name: 'localhost',
      hostname: 'localhost',
      transport: 'local',
      rootfs: '/',
      logs: ['/var/log/syslog', '/var/log/auth.log', '/var/log/messages', '/var/log/secure', '/var/log/apt/history.log', '/var/log/dpkg.log'],
    });
  });

  test('the full example resolves its sites and hosts as documented', async () => {
    const config = await loadConfig(`${EXAMPLES}dthostmon.example.yaml`, { env: { ...EXAMPLE_ENV }, homeDir: '/home/mon' });
    expect(config.warnings).toEqual([]);
    expect(config.store.dialect).toBe('postgres');
    const web = config.hosts.find((h) => h.name === 'chicago-web-01');
    expect(web).toMatchObject({
      port: 2222,
      user: 'monitoring',
      logs: ['/var/log/auth.log', '/var/log/nginx/*.log'],
      tags: ['production', 'webserver', 'nginx'],
      ssh: { keyPath: `${config.dir}/keys/chicago_ed25519` },
    });
    expect(web?.resourceThresholds).toMatchObject({ warning: { low: 70, high: 84 }, critical: { low: 85, high: 100 } });
    expect(config.hosts.find((h) => h.name === 'austin-app-01')).toMatchObject({ user: 'deploy', tags: ['development'], logMaxBytesPerPass: 2 * 1024 * 1024 });
    expect(config.hosts.find((h) => h.name === 'legacy-01')?.ssh.keyPath).toBeNull();
    expect(config.hosts.filter((h) => h.sudo).map((h) => h.name)).toEqual(['chicago-db-01']);
  });

  test('the full example names every variable it misses', async () => {
    const err = await loadConfig(`${EXAMPLES}dthostmon.example.yaml`, { env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const missing = (err as ConfigError).problems.map((p) => /variable (\w+) is not set/.exec(p.message)?.[1]);
    expect(missing).toEqual(['DB_HOST', 'DB_PASSWORD', 'SMTP_HOST', 'SMTP_USER', 'SMTP_PASSWORD', 'API_KEY']);
  });
});

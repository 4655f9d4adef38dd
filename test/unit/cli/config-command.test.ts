/**
 * `dthostmon config`, `config validate` and `config schema`: where each resolved value came from, unset variables,
 * located errors, and no secret value anywhere in any output form.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { tempDir } from '../../helpers/cli.js';
import { cli } from '../../helpers/cli-in-process.js';

const SECRETS = {
  DB_PASSWORD: 'pg-Secret-1: #x',
  SMTP_PASSWORD: 'smtp-Secret-2',
  PUSH_TOKEN: 'push-Secret-3',
  OPENAI_KEY: 'sk-Secret-4-abcdef',
};

describe('dthostmon config', () => {
  const dir = tempDir('dthm-config-cmd-');
  const config = join(dir, 'dthostmon.yaml');
  // The .env beside the config supplies one secret: it must be masked like the others.
  writeFileSync(join(dir, '.env'), `OPENAI_KEY=${SECRETS.OPENAI_KEY}\n`);
  writeFileSync(
    config,
    [
      'global: {user: dtmon, port: 2200}',
      'database: {host: db.example.org, user: mon, password: "${DB_PASSWORD}"}',
      'email: {smtp_host: mail.example.org, smtp_auth_user: mon, smtp_auth_password: "${SMTP_PASSWORD}", alert_recipients: [ops@example.org]}',
      'pushover: {enabled: true, api_token: "${PUSH_TOKEN}", user_key: literal-User-Key-5}',
      'ai: {providers: [{type: openai, model: gpt-4o-mini, api_key: "${OPENAI_KEY}"}]}',
      'sites:',
      '  s01-lab: {port: 2222, tags: [lab], resource_thresholds: {critical: "95-100"}}',
      'hosts:',
      '  - {name: web-01, hostname: 10.0.0.5, site: s01-lab, sudo: true, tags: [web]}',
      '  - {name: db-01, hostname: 10.0.0.6, port: 22, enabled: false}',
      '',
    ].join('\n'),
  );
  const env = { DB_PASSWORD: SECRETS.DB_PASSWORD, SMTP_PASSWORD: SECRETS.SMTP_PASSWORD, PUSH_TOKEN: SECRETS.PUSH_TOKEN };
  const allSecrets = [...Object.values(SECRETS), 'literal-User-Key-5', encodeURIComponent(SECRETS.DB_PASSWORD)];

  it('shows each host setting with the level it came from', async () => {
    const res = await cli(['config', '-c', config], { env });
    expect(res.code).toBe(0);
    const web = res.stdout.slice(res.stdout.indexOf('\nweb-01 (site s01-lab)'), res.stdout.indexOf('\ndb-01'));
    expect(web).toMatch(/\n {2}port +2222 +site\n/);
    expect(web).toMatch(/\n {2}user +dtmon +global\n/);
    expect(web).toMatch(/\n {2}hostname +10\.0\.0\.5 +host\n/);
    expect(web).toMatch(/\n {2}sudo +true +host\n/);
    expect(web).toMatch(/\n {2}tags +lab, web +host\n/);
    expect(web).toMatch(/\n {2}resource_thresholds\.critical +95-100 +site\n/);
    expect(web).toMatch(/\n {2}resource_thresholds\.warning +61-89 +default\n/);
    expect(web).toMatch(/\n {2}alert_recipients +ops@example\.org +global\n/);
    expect(res.stdout).toMatch(/\ndb-01 \[disabled\]\n/);
    expect(res.stdout).toMatch(/\n {2}port +22 +host\n/);
    expect(res.stdout).toMatch(/Monitored hosts: 1 of 2/);
  });

  it('never prints a secret value, in text, in JSON, or per host; --show-secrets does', async () => {
    for (const args of [[], ['--json'], ['--host', 'web-01'], ['--json', '--host', 'db-01']]) {
      const res = await cli(['config', '-c', config, ...args], { env });
      expect(res.code).toBe(0);
      for (const secret of allSecrets) {
        expect(res.stdout).not.toContain(secret);
        expect(res.stderr).not.toContain(secret);
      }
    }
    const shown = await cli(['config', '-c', config, '--show-secrets'], { env });
    expect(shown.stdout).toContain(SECRETS.SMTP_PASSWORD);
    expect(shown.stdout).toContain('literal-User-Key-5');
  });

  it('--json gives the resolved settings and origins of each host', async () => {
    const res = await cli(['config', '-c', config, '--json', '--host', 'web-01'], { env });
    const body = JSON.parse(res.stdout) as { hosts: { name: string; settings: { key: string; value: string; origin: string }[] }[]; unresolved: unknown[] };
    expect(body.hosts.map((h) => h.name)).toEqual(['web-01']);
    expect(body.hosts[0]?.settings).toEqual(expect.arrayContaining([{ key: 'port', value: '2222', origin: 'site' }]));
    expect(body.unresolved).toEqual([]);
  });

  it('lists unset ${VAR} with their location, shows the rest, and exits 2', async () => {
    const res = await cli(['config', '-c', config], { env: { PUSH_TOKEN: SECRETS.PUSH_TOKEN } });
    expect(res.code).toBe(2);
    expect(res.stdout).toMatch(/web-01 \(site s01-lab\)/);
    expect(res.stderr).toContain(`${config}:2:55 database.password: \${DB_PASSWORD} not set`);
    expect(res.stderr).toContain(`${config}:3:79 email.smtp_auth_password: \${SMTP_PASSWORD} not set`);
    expect(res.stderr).toMatch(/dthostmon run` refuses this config/);
    const json = JSON.parse((await cli(['config', '-c', config, '--json'], { env: {} })).stdout) as { unresolved: { path: string; names: string[] }[] };
    expect(json.unresolved.map((u) => [u.path, u.names])).toEqual([
      ['database.password', ['DB_PASSWORD']],
      ['email.smtp_auth_password', ['SMTP_PASSWORD']],
      ['pushover.api_token', ['PUSH_TOKEN']],
    ]);
  });

  it('--host names an unknown host: one line, exit 2', async () => {
    const res = await cli(['config', '-c', config, '--host', 'ghost'], { env });
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/--host ghost: not in .*dthostmon\.yaml \(hosts: web-01, db-01\)/);
  });
});

describe('dthostmon config validate', () => {
  const dir = tempDir('dthm-config-validate-');

  it('a valid config: exit 0 and a one-line summary', async () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, 'hosts:\n  - {name: self, transport: local}\n  - {name: off, transport: local, enabled: false}\n');
    const res = await cli(['config', 'validate', '-c', file]);
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe(`${file}: valid (2 hosts, 1 enabled)`);
    const json = JSON.parse((await cli(['config', 'validate', '-c', file, '--json'])).stdout) as { valid: boolean };
    expect(json.valid).toBe(true);
  });

  it('every error located, exit 2, no stack; --json lists them', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'global:\n  pass_timout: 3\nhosts:\n  - name: a\n    transport: local\n    port: x\n  - name: b\n    hostname: ${B_ADDR}\n    user: mon\n');
    const res = await cli(['config', 'validate', '-c', file]);
    expect(res.code).toBe(2);
    const lines = res.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/bad\.yaml:2:3 global\.pass_timout: unknown key; did you mean "pass_timeout"\?/);
    expect(lines[1]).toMatch(/bad\.yaml:6:11 hosts\[0\]\.port: expected an integer from 1 to 65535, got "x"/);
    expect(lines[2]).toMatch(/bad\.yaml:8:15 hosts\[1\]\.hostname: environment variable B_ADDR is not set/);
    expect(lines[3]).toBe(`${file}: 3 errors`);
    expect(res.stderr).not.toMatch(/^\s+at /m);
    const json = JSON.parse((await cli(['config', 'validate', '-c', file, '--json'])).stdout) as { valid: boolean; errors: { line: number; path: string }[] };
    expect(json.valid).toBe(false);
    expect(json.errors.map((e) => [e.line, e.path])).toEqual([
      [2, 'global.pass_timout'],
      [6, 'hosts[0].port'],
      [8, 'hosts[1].hostname'],
    ]);
  });

  it('a missing file: one line, exit 2', async () => {
    const res = await cli(['config', 'validate', '-c', join(dir, 'nope.yaml')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/no config file found; tried .*nope\.yaml/);
  });
});

describe('dthostmon config schema', () => {
  it('prints the JSON Schema, the same as the committed examples/dthostmon.schema.json', async () => {
    const res = await cli(['config', 'schema']);
    expect(res.code).toBe(0);
    const schema = JSON.parse(res.stdout) as { $schema: string; properties: Record<string, unknown> };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['global', 'database', 'hosts', 'sites', 'ai']));
    expect(res.stdout).toBe(readFileSync(new URL('../../../examples/dthostmon.schema.json', import.meta.url), 'utf8'));
  });

  it('--out writes it to a file; an unwritable path is one line, exit 2', async () => {
    const dir = tempDir('dthm-config-schema-');
    const out = join(dir, 'schema.json');
    expect((await cli(['config', 'schema', '--out', out])).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toHaveProperty('properties.hosts');
    const bad = await cli(['config', 'schema', '--out', join(dir, 'no', 'such', 'dir.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--out .*dir\.json: cannot write: ENOENT/);
  });
});

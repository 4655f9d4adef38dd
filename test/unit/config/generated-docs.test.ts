/**
 * docs/CONFIG.md and examples/dthostmon.schema.json are generated from the zod schema (`npm run docs:config`). These
 * tests fail when either is stale, and check the JSON Schema with a real validator (ajv, draft 2020-12) against the
 * configs the loader accepts and rejects, read as an editor's YAML language server reads them (YAML 1.2 core).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { configJsonSchema } from '../../../src/config/json-schema.js';
import { envVarName, renderConfigReference } from '../../../src/config/schema-markdown.js';
import { loadConfig } from '../../../src/config/load.js';
import { parseDotenv } from '../../../src/config/env.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const REGENERATE = 'stale: run `npm run docs:config` and commit the result';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return name.endsWith('.yaml') ? [path] : [];
  });
}

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(configJsonSchema());

function schemaErrors(text: string): string[] {
  const ok = validate(parse(text) ?? {});
  return ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

describe('generated config reference', () => {
  test('docs/CONFIG.md is what the schema renders', () => {
    expect(readFileSync(join(ROOT, 'docs', 'CONFIG.md'), 'utf8') === renderConfigReference() ? 'current' : REGENERATE).toBe('current');
  });

  test('examples/dthostmon.schema.json is what the schema generates', () => {
    const committed = readFileSync(join(ROOT, 'examples', 'dthostmon.schema.json'), 'utf8');
    expect(committed === `${JSON.stringify(configJsonSchema(), null, 2)}\n` ? 'current' : REGENERATE).toBe('current');
  });

  test('CONFIG.md lists keys with type, default, levels and sync-config variables', () => {
    const doc = renderConfigReference();
    expect(doc).toContain('| `port` | integer 1–65535 | 22 | global, site, host | `DTHM_SITE_PORT`, `DTHM_HOST_PORT` |');
    expect(doc).toContain('`DTHM_HOST_MONITORING__CHECK_DOCKER`');
    expect(doc).toContain('| `hostname` | text |  | host | `DTHM_HOST_HOSTNAME` |');
    expect(doc).toMatch(/\| `email\.smtp_port` \| integer 1–65535 \| `587` \|/);
    expect(doc).toMatch(/\| `ai\.cache_ttl` \| duration: seconds or "15m", "24h", "7d" \| `86400` \|/);
    expect(doc).toMatch(/\| `resource_thresholds\.warning` \| band: "low-high" or \[low, high\] \| "61-89" \|/);
    // Every top-level section has its table.
    for (const section of ['global', 'database', 'email', 'pushover', 'ai', 'ssh', 'api', 'thresholds', 'alerts', 'silences']) {
      expect(doc).toContain(`## \`${section}\``);
    }
    expect(envVarName('site', 'resource_thresholds.health')).toBe('DTHM_SITE_RESOURCE_THRESHOLDS__HEALTH');
  });

  test('both examples start with the yaml-language-server line pointing at the committed schema', () => {
    for (const file of ['dthostmon.example.yaml', 'localhost.yaml']) {
      const first = readFileSync(join(ROOT, 'examples', file), 'utf8').split('\n')[0];
      expect(first).toBe('# yaml-language-server: $schema=../examples/dthostmon.schema.json');
    }
  });
});

describe('the JSON Schema accepts what the loader accepts', () => {
  const exampleEnv = parseDotenv(readFileSync(join(ROOT, 'examples', '.env.example'), 'utf8')).values;
  const candidates = [
    ...yamlFiles(join(ROOT, 'examples')),
    ...yamlFiles(join(ROOT, 'test', 'fixtures', 'config')),
  ];

  test.each(candidates.map((f) => [f.slice(ROOT.length), f]))('%s', async (_name, file) => {
    let loads = true;
    try {
      await loadConfig(file, { env: { ...exampleEnv, DB_PASSWORD: 'x', SMTP_PASSWORD: 'x', DB_PORT: '5432', WEB1_ADDR: 'a', LOG_DIR: '/l', A: 'a', B: 'b' }, homeDir: '/home/mon' });
    } catch {
      loads = false;
    }
    // A file the loader accepts must raise no editor error; a file it rejects is not checked here.
    if (loads) expect(schemaErrors(readFileSync(file, 'utf8'))).toEqual([]);
  });

  test('text spellings the loader reads are valid: "22", yes, "a,b", ${VAR}, "8MiB", "24h"', () => {
    const text = [
      'global: {port: "22", journal: yes, check_docker: On, log_max_bytes: 8MiB, user: "${MON_USER}", pass_timeout: "${T:-300}"}',
      'ai: {cache_ttl: 24h}',
      'email: {smtp_port: "${SMTP_PORT}", alert_recipients: "a@example.org, b@example.org"}',
      'sites: {s01-lab: {tags: lab, resource_thresholds: {warning: "70-89", critical: [90, 100]}}}',
      'hosts: [{name: web-01, hostname: 10.0.0.5, site: s01-lab, key_path: null, log_paths: /var/log/app.log}]',
    ].join('\n');
    expect(schemaErrors(text)).toEqual([]);
  });

  test('and flags what the loader rejects: unknown keys, wrong types, out of range, bad ids', () => {
    expect(schemaErrors('global: {pass_timout: 3}').join()).toMatch(/must NOT have additional properties/);
    expect(schemaErrors('hosts: [{name: a, port: 70000}]').length).toBeGreaterThan(0);
    expect(schemaErrors('hosts: [{name: a, journal: maybe}]').length).toBeGreaterThan(0);
    expect(schemaErrors('hosts: [{hostname: a}]').join()).toMatch(/required property 'name'/);
    expect(schemaErrors('sites: {"bad id": {}}').length).toBeGreaterThan(0);
    expect(schemaErrors('hosts: [{name: a, transport: telnet}]').length).toBeGreaterThan(0);
    expect(schemaErrors('global: {log_max_bytes: lots}').length).toBeGreaterThan(0);
  });
});

/**
 * The registration routes called directly (no HTTP): a real config file in a temp dir, a real SQLite store for the
 * context, and the loader `run` uses to read the result back.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import type { LoadedConfig } from '../../../src/config/types.js';
import { createRegisterRoutes } from '../../../src/serve/routes/register.js';
import { ApiError, type ApiContext, type ApiResult, type Route } from '../../../src/serve/types.js';
import { generateKey } from '../../../src/setup/generate-key.js';
import { openTestStore, type TestStore } from '../../helpers/store.js';

const ENV = { DTHM_T_API_KEY: 'api-key-123', DTHM_T_REG_TOKEN: 'reg-token-456' };
const NOW = new Date('2026-11-20T10:00:00Z');

const CONFIG = `# dthostmon config for the registration tests
global:
  reports_dir: ./reports     # spaced   comment, kept as written
  log_level: "info"

database:
  path: ./dthostmon.db

ssh:
  key_path: ./keys/monitor   # the monitor's key

api:
  api_key: \${DTHM_T_API_KEY}
  registration_token: \${DTHM_T_REG_TOKEN}

sites:
  s01:
    user: monitoring         # hosts of s01 log in as this user
  s02: {}
  s03:
    user: monitoring
    key_path: ./keys/s03

hosts:
  # an existing host
  - name: web1
    hostname: 192.0.2.1
    site: s01
  - name: db1
    hostname: db1.example
    user: admin   # no site

# end of file
`;

let dir: string;
let configPath: string;
let store: TestStore;
let routes: Route[];

beforeAll(async () => {
  store = await openTestStore('sqlite');
  routes = createRegisterRoutes({ env: ENV, homeDir: '/nonexistent-home' });
});
afterAll(async () => {
  await store.cleanup();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dthm-register-'));
  configPath = join(dir, 'dthostmon.yaml');
  await writeFile(configPath, CONFIG, { mode: 0o640 });
  await chmod(configPath, 0o640);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function context(path = configPath): Promise<ApiContext> {
  const config: LoadedConfig = await loadConfig(path, { env: ENV });
  return { db: store.db, config, clock: () => NOW };
}

function route(method: string, path: string): Route {
  const found = routes.find((r) => r.method === method && r.path === path);
  if (!found) throw new Error(`no route ${method} ${path}`);
  return found;
}

/** The route's result, or the ApiError it threw as {status, json: error body}. */
async function call(method: 'GET' | 'POST', path: string, body: unknown, ctx: ApiContext, query = ''): Promise<ApiResult & { json?: unknown }> {
  try {
    return await route(method, path).handle({ method, params: {}, query: new URLSearchParams(query), body, remoteAddress: '127.0.0.1' }, ctx);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { status: err.status, json: { error: { code: err.code, message: err.message } } };
  }
}

const register = async (body: unknown, ctx?: ApiContext) => call('POST', '/api/v1/hosts/register', body, ctx ?? (await context()));

describe('POST /api/v1/hosts/register', () => {
  it('adds exactly one host entry, keeping every other line byte for byte, and answers 201', async () => {
    const res = await register({ name: 'web2', hostname: '192.0.2.2', site: 's01', tags: ['web', 'prod'], port: 2222 });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({
      status: 'created',
      host: { name: 'web2', hostname: '192.0.2.2', port: 2222, user: null, site: 's01', tags: ['web', 'prod'], enabled: true },
      message: 'host web2 added to the config; the next pass monitors it',
    });
    const after = await readFile(configPath, 'utf8');
    const lines = CONFIG.split('\n');
    const added = [
      '  # added by POST /api/v1/hosts/register from 127.0.0.1 at 2026-11-20T10:00:00.000Z',
      '  - name: web2',
      '    hostname: 192.0.2.2',
      '    port: 2222',
      '    site: s01',
      '    tags: [web, prod]',
      '    enabled: true',
    ];
    const at = lines.indexOf('    user: admin   # no site') + 1;
    expect(after).toBe([...lines.slice(0, at), ...added, ...lines.slice(at)].join('\n'));
    // The loader `run` uses reads it back with the site's user.
    const loaded = await loadConfig(configPath, { env: ENV });
    const host = loaded.hosts.find((h) => h.name === 'web2');
    expect(host).toMatchObject({ hostname: '192.0.2.2', port: 2222, user: 'monitoring', site: 's01', enabled: true });
    expect(host?.tags).toEqual(expect.arrayContaining(['web', 'prod']));
  });

  it('answers 200 "exists" for the same name in the same site and leaves the file untouched', async () => {
    const body = { name: 'web2', hostname: '192.0.2.2', site: 's01' };
    expect((await register(body)).status).toBe(201);
    const written = await readFile(configPath, 'utf8');
    const again = await register(body);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ status: 'exists', host: { name: 'web2', hostname: '192.0.2.2', site: 's01' } });
    expect(await readFile(configPath, 'utf8')).toBe(written);
    // An existing host with another address is reported, not changed.
    const moved = await register({ name: 'web1', hostname: '192.0.2.99', site: 's01' });
    expect(moved.status).toBe(200);
    expect((moved.json as { message: string }).message).toBe(
      'host web1 is already registered; the config was not changed; this request differs in hostname (edit dthostmon.yaml to change it)',
    );
    expect(await readFile(configPath, 'utf8')).toBe(written);
  });

  it('answers 409 for a name registered in another site (or without one)', async () => {
    const other = await register({ name: 'web1', hostname: '192.0.2.1', site: 's02' });
    expect(other).toEqual({ status: 409, json: { error: { code: 'host_conflict', message: 'host name web1 is already used in site s01; host names are unique across sites' } } });
    const noSite = await register({ name: 'db1', hostname: 'db1.example', site: 's01' });
    expect(noSite.status).toBe(409);
    expect((noSite.json as { error: { message: string } }).error.message).toContain('by a host without a site');
    expect(await readFile(configPath, 'utf8')).toBe(CONFIG);
  });

  it.each([
    [{ hostname: '192.0.2.5' }, 'name: required: the host id (e.g. web01)'],
    [{ name: 'a/b', hostname: 'x' }, 'name: expected letters, digits, ".", "_" or "-", starting with a letter or digit'],
    [{ name: 'a', hostname: 'x y' }, 'hostname: expected a DNS name or an IP address'],
    [{ name: 'a', hostname: 'x', port: 70000 }, 'port: expected 1..65535'],
    [{ name: 'a', hostname: 'x', port: '22' }, 'port: expected a port number'],
    [{ name: 'a', hostname: 'x', tags: 'web' }, 'tags: expected a list of texts'],
    [{ name: 'a', hostname: 'x', tags: ['a,b'] }, 'tags[0]: must not contain a comma'],
    [{ name: 'a', hostname: 'x', tags: ['a\nb'] }, 'tags[0]: must not contain control characters'],
    [{ name: 'a', hostname: 'x', user: 'root;rm' }, 'user: expected a user name (letters, digits, ".", "_", "-")'],
    [{ name: 'a', hostname: 'x', api_key: 'k' }, 'body: unknown field "api_key" (expected name, hostname, port, user, site, tags, enabled)'],
    [['a'], 'expected a JSON object such as {"name": "web01", "hostname": "192.0.2.10"}'],
    [undefined, 'expected a JSON object such as {"name": "web01", "hostname": "192.0.2.10"}'],
  ])('answers 400 for %j, naming the field', async (body, message) => {
    expect(await register(body)).toEqual({ status: 400, json: { error: { code: 'bad_request', message } } });
    expect(await readFile(configPath, 'utf8')).toBe(CONFIG);
  });

  it('answers 400 for a site that is not in the config, listing the known ones', async () => {
    expect(await register({ name: 'x1', hostname: '192.0.2.7', site: 's09' })).toEqual({
      status: 400,
      json: { error: { code: 'unknown_site', message: 'site s09 is not in the config; known sites: s01, s02, s03' } },
    });
  });

  it('answers 400 when the new entry would not validate (no SSH user anywhere), writing nothing', async () => {
    const res = await register({ name: 'x2', hostname: '192.0.2.8', site: 's02' });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'invalid_host' } });
    expect((res.json as { error: { message: string } }).error.message).toBe(
      'the host entry would not validate: hosts[2].user: required for transport ssh: set it on the host, its site or in global',
    );
    expect(await readFile(configPath, 'utf8')).toBe(CONFIG);
  });

  it('answers 500 and writes nothing when the file on disk no longer validates', async () => {
    const ctx = await context();
    const broken = CONFIG.replace('global:\n', 'global:\n  no_such_key: 1\n');
    await writeFile(configPath, broken);
    const res = await register({ name: 'web3', hostname: '192.0.2.3', site: 's01' }, ctx);
    expect(res).toEqual({
      status: 500,
      json: { error: { code: 'config_invalid', message: 'the config file on the monitor does not validate now (1 problem(s)); nothing was written: fix it (dthostmon config validate) and retry' } },
    });
    expect(await readFile(configPath, 'utf8')).toBe(broken);
  });

  it('answers 403 when registration is off (no api.registration_token)', async () => {
    const path = join(dir, 'no-token.yaml');
    await writeFile(path, CONFIG.replace('  registration_token: ${DTHM_T_REG_TOKEN}\n', ''));
    const res = await register({ name: 'web3', hostname: '192.0.2.3', site: 's01' }, await context(path));
    expect(res).toEqual({ status: 403, json: { error: { code: 'registration_disabled', message: 'self-registration is off on this monitor: set api.registration_token in its config' } } });
  });

  it('writes ${ in a tag escaped: the loader reads the text back, not a variable of the monitor', async () => {
    const tags = ['we"ird\\tag', '${DTHM_T_API_KEY}'];
    expect((await register({ name: 'odd', hostname: 'odd.example', site: 's01', tags })).status).toBe(201);
    const loaded = await loadConfig(configPath, { env: ENV });
    const read = loaded.hosts.find((h) => h.name === 'odd')?.tags ?? [];
    expect(read).toEqual(expect.arrayContaining(tags));
    expect(read).not.toContain('api-key-123');
  });

  it('lands 10 concurrent registrations, keeps the file mode and leaves no temp file', async () => {
    const ctx = await context();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => register({ name: `c${i}`, hostname: `192.0.2.${100 + i}`, site: 's01' }, ctx)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    const loaded = await loadConfig(configPath, { env: ENV });
    expect(loaded.hosts.map((h) => h.name).sort()).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9', 'db1', 'web1']);
    expect((await stat(configPath)).mode & 0o777).toBe(0o640);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp')).length).toBe(0);
    // The one backup is the file before the last registration.
    expect((await readFile(`${configPath}.bak`, 'utf8')).split('- name: c').length).toBe(10);
  });
});

describe('GET /api/v1/ssh-key', () => {
  const getKey = async (query = '', ctx?: ApiContext) => call('GET', '/api/v1/ssh-key', undefined, ctx ?? (await context()), query);

  it('returns the public key and its SHA256 fingerprint, per site when the site has its own key', async () => {
    const global = await generateKey(join(dir, 'keys', 'monitor'), 'dthostmon@test');
    const site = await generateKey(join(dir, 'keys', 's03'), 'dthostmon-s03@test');
    const blob = (line: string | null) => Buffer.from((line ?? '').split(' ')[1] ?? '', 'base64');
    const fingerprint = (line: string | null) => `SHA256:${createHash('sha256').update(blob(line)).digest('base64').replace(/=+$/, '')}`;
    expect(await getKey()).toEqual({ status: 200, json: { public_key: global.publicKey, fingerprint: fingerprint(global.publicKey), key_type: 'ssh-ed25519' } });
    expect(await getKey('site=s01')).toMatchObject({ json: { public_key: global.publicKey } });
    expect(await getKey('site=s03')).toMatchObject({ json: { public_key: site.publicKey, fingerprint: fingerprint(site.publicKey) } });
    expect(global.publicKey).toMatch(/^ssh-ed25519 AAAA\S+ dthostmon@test$/);
  });

  it('answers 404 with a hint when there is no public key, 400 for an unknown site or parameter', async () => {
    expect(await getKey()).toEqual({
      status: 404,
      json: { error: { code: 'no_public_key', message: 'the monitor has no public key file yet: create it with `dthostmon setup --generate-key`' } },
    });
    expect(await getKey('site=nope')).toMatchObject({ status: 400, json: { error: { code: 'unknown_site', message: 'site nope is not in the config; known sites: s01, s02, s03' } } });
    expect(await getKey('sites=s01')).toMatchObject({ status: 400, json: { error: { message: 'unknown parameter sites (expected site)' } } });
    const agentOnly = join(dir, 'agent.yaml');
    await writeFile(agentOnly, CONFIG.replace('  key_path: ./keys/monitor ', '  key_path: null '));
    expect(await getKey('', await context(agentOnly))).toMatchObject({ status: 404, json: { error: { message: expect.stringContaining('ssh-agent only') } } });
  });
});

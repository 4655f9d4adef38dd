/**
 * scripts/dthostmon_add.sh run by dash (/bin/sh) as root against a live API server on loopback: it creates a
 * throwaway user (or uses an existing one), installs the monitor's key in its authorized_keys and registers the host,
 * which lands in the server's dthostmon.yaml. Needs root (useradd); skipped otherwise, failed under CI=true.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { loadConfig } from '../../src/config/load.js';
import { createRegisterRoutes } from '../../src/serve/routes/register.js';
import { generateKey } from '../../src/setup/generate-key.js';
import { repoRoot } from '../helpers/cli.js';
import { startTestApi, TEST_REGISTRATION_TOKEN, type TestApi } from '../helpers/api-server.js';
import { openTestStore, type TestStore } from '../helpers/store.js';
import { canTestSudo, throwawayUsers } from '../helpers/sudo.js';

const SCRIPT = join(repoRoot, 'scripts', 'dthostmon_add.sh');
const canRun = await canTestSudo();
const maybe = canRun ? describe : describe.skip;

maybe('dthostmon_add.sh against a live serve', () => {
  const users = throwawayUsers();
  const created: string[] = [];
  let store: TestStore;
  let api: TestApi;
  let keyDir: string;
  let publicKey: string;

  beforeAll(async () => {
    store = await openTestStore('sqlite');
    keyDir = mkdtempSync(join(tmpdir(), 'dthm-addkey-'));
    const key = await generateKey(join(keyDir, 'monitor'), 'dthostmon@monitor');
    publicKey = key.publicKey ?? '';
    api = await startTestApi({
      store,
      routes: createRegisterRoutes({ env: {} }),
      yaml: [
        'ssh:',
        `  key_path: ${keyDir}/monitor`,
        'sites:',
        '  s01:',
        '    user: monitoring   # the site default; the script sends its own user',
        'hosts:',
        '  # hosts registered by dthostmon_add.sh are added below',
        '  - name: existing',
        '    hostname: 192.0.2.1',
        '    user: admin',
      ].join('\n'),
    });
  });
  afterAll(async () => {
    await api?.close();
    await store?.cleanup();
    await users.remove();
    for (const name of created) await execa('userdel', ['-r', name], { reject: false });
    rmSync(keyDir, { recursive: true, force: true });
  });

  /** Runs the script with dash, the token from the environment (never a flag), against the test server. */
  function add(args: string[], env: Record<string, string> = {}) {
    return execa('/bin/sh', [SCRIPT, '--api-host', '127.0.0.1', '--api-port', String(api.port), ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DTHOSTMON_REGISTRATION_TOKEN: TEST_REGISTRATION_TOKEN, ...env },
      extendEnv: false,
      reject: false,
    });
  }

  async function uidGid(user: string): Promise<[number, number]> {
    const uid = Number((await execa('id', ['-u', user])).stdout);
    const gid = Number((await execa('id', ['-g', user])).stdout);
    return [uid, gid];
  }

  it('creates the user, installs the key (0700/0600, owned by the user) and registers; a second run says already registered', async () => {
    const user = `dthmnew${Date.now().toString(36).slice(-6)}`;
    created.push(user);
    const args = ['--create-user', '--ssh-user', user, '--name', 'newhost', '--address', '192.0.2.50', '--site', 's01', '--tags', 'web, we"ird\\tag ,db'];
    const first = await add(args);
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    const fingerprint = (await api.json<{ fingerprint: string }>('/api/v1/ssh-key')).body.fingerprint;
    expect(first.stdout.split('\n')).toEqual([
      `created the user ${user}`,
      `installed the monitor's key (${fingerprint}) in /home/${user}/.ssh/authorized_keys`,
      'created: newhost (192.0.2.50) is registered with the monitor in site s01',
    ]);
    const auth = `/home/${user}/.ssh/authorized_keys`;
    expect(readFileSync(auth, 'utf8')).toBe(`${publicKey}\n`);
    const [uid, gid] = await uidGid(user);
    expect(statSync(auth)).toMatchObject({ uid, gid });
    expect(statSync(auth).mode & 0o777).toBe(0o600);
    expect(statSync(`/home/${user}/.ssh`)).toMatchObject({ uid, gid });
    expect(statSync(`/home/${user}/.ssh`).mode & 0o777).toBe(0o700);

    const config = await loadConfig(api.config.path, { env: {} });
    const host = config.hosts.find((h) => h.name === 'newhost');
    expect(host).toMatchObject({ hostname: '192.0.2.50', user, site: 's01', port: 22, enabled: true });
    expect(host?.tags).toEqual(expect.arrayContaining(['web', 'we"ird\\tag', 'db']));
    const text = readFileSync(api.config.path, 'utf8');
    expect(text).toContain('    user: monitoring   # the site default; the script sends its own user\n');
    expect(text).toContain('  # hosts registered by dthostmon_add.sh are added below\n');

    const second = await add(args);
    expect(second.exitCode).toBe(0);
    expect(second.stdout.split('\n')).toEqual([
      `the monitor's key (${fingerprint}) is already in ${auth}`,
      'already registered: newhost is in the monitor\'s config: host newhost is already registered; the config was not changed',
    ]);
    expect(readFileSync(auth, 'utf8')).toBe(`${publicKey}\n`);
    expect(readFileSync(api.config.path, 'utf8')).toBe(text);
  });

  it('adds the key to an existing user, after a last line that has no newline, flags winning over the environment', async () => {
    const user = await users.add('dthmadd');
    const auth = `/home/${user}/.ssh/authorized_keys`;
    await execa('mkdir', ['-p', `/home/${user}/.ssh`]);
    writeFileSync(auth, 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOtherKeyOtherKeyOtherKeyOtherKey00 other@host');
    const [uid, gid] = await uidGid(user);
    chownSync(auth, uid, gid);
    const res = await add(['--ssh-user', user, '--name', 'oldhost', '--address', '192.0.2.51', '--port', '2222'], { DTHOSTMON_SITE: 'nope', DTHOSTMON_API_PORT: '1' });
    // Without --site, DTHOSTMON_SITE is used (and refused by the server: an unknown site)...
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toBe("dthostmon_add.sh: error: cannot get the monitor's SSH key: HTTP 400: site nope is not in the config; known sites: s01");
    // ...and --site given on the command line wins over it (as --api-port wins over DTHOSTMON_API_PORT).
    const ok = await add(['--ssh-user', user, '--name', 'oldhost', '--address', '192.0.2.51', '--port', '2222', '--site', 's01'], { DTHOSTMON_SITE: 'nope', DTHOSTMON_API_PORT: '1' });
    expect(ok.stderr).toBe('');
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain('created: oldhost (192.0.2.51) is registered with the monitor in site s01');
    expect(readFileSync(auth, 'utf8')).toBe(`ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOtherKeyOtherKeyOtherKeyOtherKey00 other@host\n${publicKey}\n`);
    expect(statSync(auth)).toMatchObject({ uid, gid });
    const config = await loadConfig(api.config.path, { env: {} });
    expect(config.hosts.find((h) => h.name === 'oldhost')).toMatchObject({ hostname: '192.0.2.51', port: 2222, user });
  });

  it('fails with the HTTP status and the server message, and refuses a missing user without --create-user', async () => {
    const bad = await add(['--ssh-user', 'root', '--name', 'x1', '--address', '192.0.2.52'], { DTHOSTMON_REGISTRATION_TOKEN: 'wrong-token' });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toBe(
      "dthostmon_add.sh: error: cannot get the monitor's SSH key: HTTP 401: a valid registration token or API key is required: the one sent is not valid",
    );
    expect(bad.stdout + bad.stderr).not.toContain('wrong-token');
    const missing = await add(['--ssh-user', 'dthmnosuchuser', '--name', 'x2', '--address', '192.0.2.53']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toBe('dthostmon_add.sh: error: user dthmnosuchuser does not exist: create it or pass --create-user');
    const refused = await add(['--ssh-user', 'root', '--name', 'existing', '--address', '192.0.2.1', '--site', 's01']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe(
      'dthostmon_add.sh: error: registration failed: HTTP 409: host name existing is already used by a host without a site; host names are unique across sites',
    );
    const unreachable = await execa('/bin/sh', [SCRIPT, '--api-host', '127.0.0.1', '--api-port', '1', '--ssh-user', 'root', '--address', '192.0.2.9'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DTHOSTMON_REGISTRATION_TOKEN: 't' },
      extendEnv: false,
      reject: false,
    });
    expect(unreachable.exitCode).toBe(1);
    expect(unreachable.stderr).toMatch(/^dthostmon_add\.sh: error: cannot reach the monitor at http:\/\/127\.0\.0\.1:1: curl: \(7\) /);
  });

  it("refuses to write through a symbolic link the user planted in its home", async () => {
    const user = await users.add('dthmlnk');
    const target = mkdtempSync(join(tmpdir(), 'dthm-linktarget-'));
    try {
      await execa('ln', ['-s', target, `/home/${user}/.ssh`]);
      const res = await add(['--ssh-user', user, '--name', 'linked', '--address', '192.0.2.55']);
      expect(res.exitCode).toBe(1);
      expect(res.stderr).toBe(`dthostmon_add.sh: error: /home/${user}/.ssh or /home/${user}/.ssh/authorized_keys is a symbolic link: refusing to write through it`);
      expect((await execa('ls', ['-A', target])).stdout).toBe('');
      expect(readFileSync(api.config.path, 'utf8')).not.toContain('name: linked');
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });

  it('prints the escaped JSON in --dry-run and changes nothing; usage errors exit 2', async () => {
    const dry = await add(['--dry-run', '--ssh-user', 'root', '--name', 'dry', '--address', '192.0.2.60', '--tags', 'a"b,c\\d', '--site', 's01']);
    expect(dry.exitCode).toBe(0);
    const line = dry.stdout.split('\n').find((l) => l.startsWith('would POST '));
    const body = JSON.parse(line?.replace(/^would POST \S+ with: /, '') ?? '') as unknown;
    expect(body).toEqual({ name: 'dry', hostname: '192.0.2.60', user: 'root', site: 's01', tags: ['a"b', 'c\\d'] });
    expect(readFileSync(api.config.path, 'utf8')).not.toContain('name: dry');
    const usage = await add(['--insecure']);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toContain('--insecure is not offered');
    const noToken = await add(['--name', 'x'], { DTHOSTMON_REGISTRATION_TOKEN: '' });
    expect(noToken.exitCode).toBe(2);
    expect(noToken.stderr).toBe('dthostmon_add.sh: no registration token: set DTHOSTMON_REGISTRATION_TOKEN or pass --token-file FILE (see --help)');
  });

  it('is POSIX sh: dash parses it, and busybox ash (when installed) builds the same escaped JSON', async () => {
    expect((await execa('dash', ['-n', SCRIPT], { reject: false })).exitCode).toBe(0);
    const hasBusybox = (await execa('sh', ['-c', 'command -v busybox'], { reject: false })).exitCode === 0;
    if (!hasBusybox) {
      console.warn('busybox not installed: the ash run of dthostmon_add.sh is skipped');
      return;
    }
    const dry = await execa('busybox', ['sh', SCRIPT, '--dry-run', '--ssh-user', 'root', '--name', 'bb', '--address', '192.0.2.61', '--tags', 'q"t,b\\s'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DTHOSTMON_REGISTRATION_TOKEN: 't' },
      extendEnv: false,
      reject: false,
    });
    expect(dry.exitCode).toBe(0);
    const line = dry.stdout.split('\n').find((l) => l.startsWith('would POST ')) ?? '';
    expect(JSON.parse(line.replace(/^would POST \S+ with: /, ''))).toEqual({ name: 'bb', hostname: '192.0.2.61', user: 'root', tags: ['q"t', 'b\\s'] });
  });
});

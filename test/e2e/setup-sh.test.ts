/**
 * setup.sh driven like a person would: in a real terminal (tmux), answering its questions, in a temp copy of the
 * checkout, as a throwaway user so `crontab -l` / `crontab FILE` are that user's real crontab (removed afterwards).
 * The copy has no src/ (dist/ is prebuilt) and no package-lock.json, and node_modules is a link to ours: the build and
 * dependency steps find nothing to do and never touch the shared checkout.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { assertBuilt, repoRoot } from '../helpers/cli.js';
import { canTestSudo, throwawayUsers } from '../helpers/sudo.js';
import { canUseTmux, startTmux, type TmuxSession } from '../helpers/tmux.js';

const COPIED = ['package.json', 'bin', 'dist', 'templates', 'migrations', 'examples', 'setup.sh'];
/** The node setup.sh finds on PATH (the one the crontab line names). */
const NODE = (await execa('sh', ['-c', 'command -v node'])).stdout;

const canRun = await (async () => {
  const [tmux, root] = [await canUseTmux(), await canTestSudo()];
  const crontab = (await execa('sh', ['-c', 'command -v crontab'], { reject: false })).exitCode === 0;
  if (!crontab) {
    const why = 'crontab is not installed (apt-get install cron, or bash scripts/install-peers.sh as root)';
    if (process.env.CI === 'true') throw new Error(why);
    console.warn(`skipping the setup.sh tests: ${why}`);
  }
  return tmux && root && crontab;
})();
const maybe = canRun ? describe : describe.skip;

/** A temp copy of the checkout for setup.sh (owned by root: chown it for a throwaway user). */
function copyCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dthm-setupsh-'));
  for (const name of COPIED) cpSync(join(repoRoot, name), join(dir, name), { recursive: true, preserveTimestamps: true });
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

async function chown(dir: string, user: string): Promise<void> {
  // -R does not follow the node_modules link: only the link itself changes owner.
  await execa('chown', ['-R', `${user}:${user}`, dir]);
}

/** The shell command that runs setup.sh as `user` in `dir`. `--session-command`, not `-c`: su -c starts a new session
 * without the terminal, so Ctrl-C would reach su (which kills the shell) instead of setup.sh. */
function asUser(user: string, dir: string, args: string): string[] {
  return ['su', '-s', '/bin/bash', user, '--session-command', `cd ${dir} && exec env NO_COLOR=1 DTHOSTMON_CONFIG= bash setup.sh ${args}`];
}

function startSetup(user: string, dir: string, args = ''): Promise<TmuxSession> {
  return startTmux(asUser(user, dir, args).map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' '), { width: 200, height: 50 });
}

/** Answers the question that shows `prompt` (waiting for it first). */
async function answer(term: TmuxSession, prompt: string | RegExp, text: string): Promise<void> {
  await term.waitFor(prompt);
  if (text) await term.type(text);
  await term.keys('Enter');
}

async function crontabOf(user: string): Promise<string | null> {
  const res = await execa('crontab', ['-l', '-u', user], { reject: false });
  return res.exitCode === 0 ? res.stdout : null;
}

function logsOf(dir: string): string[] {
  return readdirSync(join(dir, 'logs')).filter((f) => f.startsWith('setup-')).sort();
}

async function dbStatus(user: string, dir: string): Promise<number | undefined> {
  const cmd = `cd ${dir} && ${NODE} bin/dthostmon.js db status -c config/dthostmon.yaml`;
  return (await execa('su', ['-s', '/bin/bash', user, '-c', cmd], { reject: false })).exitCode;
}

maybe('setup.sh in a terminal', () => {
  const users = throwawayUsers();
  const dirs: string[] = [];
  const terms: TmuxSession[] = [];
  const removeCrontabs: string[] = [];

  beforeAll(() => {
    assertBuilt();
    if (!existsSync(join(repoRoot, 'dist', 'cli', 'commands', 'db-status.js'))) throw new Error('dist/ predates `db status`: run npm run build');
  });
  afterEach(async () => {
    for (const term of terms.splice(0)) await term.kill();
  });
  afterAll(async () => {
    for (const user of removeCrontabs) await execa('crontab', ['-r', '-u', user], { reject: false });
    await users.remove();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function prepare(prefix: string): Promise<{ user: string; dir: string; home: string }> {
    const user = await users.add(prefix);
    removeCrontabs.push(user);
    const dir = copyCheckout();
    dirs.push(dir);
    await chown(dir, user);
    return { user, dir, home: `/home/${user}` };
  }

  describe('a fresh machine, then a second run, then --redo config', () => {
    let user: string;
    let dir: string;
    let home: string;
    const cronLine = (): string =>
      `17 * * * * cd ${dir} && ${NODE} ${dir}/bin/dthostmon.js run -c ${dir}/config/dthostmon.yaml --quiet >> ${dir}/logs/cron.log 2>&1`;

    beforeAll(async () => {
      ({ user, dir, home } = await prepare('dthss'));
    });

    it('asks each question, then has created the config, the key, the schema and the crontab line, and logged it all', async () => {
      const term = await startSetup(user, dir);
      terms.push(term);
      await answer(term, '[L/e/n/q]', 'l');
      await answer(term, 'SSH hosts to monitor too', 'mon@127.0.0.1:1');
      await answer(term, /Create an Ed25519 key .*\[Y\/n\/q\]/, '');
      await answer(term, 'Migrate with `dthostmon db migrate`? [Y/n/q]', 'y');
      await answer(term, `Add to ${user}'s crontab`, '');
      await answer(term, /Run `dthostmon run .*` now\? \[y\/N\/q\]/, '');
      expect(await term.waitForExit()).toBe(0);
      const screen = await term.screen({ history: true });
      expect(screen).toMatch(/4 config +done +created, valid \(2 hosts, 2 enabled\)/);
      expect(screen).toMatch(/8 run +skipped +not run now/);

      const config = readFileSync(join(dir, 'config', 'dthostmon.yaml'), 'utf8');
      expect(config).toContain('transport: local');
      expect(config).toMatch(/- name: 127\.0\.0\.1\n {4}hostname: 127\.0\.0\.1\n {4}user: mon\n {4}port: 1\n/);
      expect(statSync(join(home, '.ssh', 'id_ed25519')).mode & 0o777).toBe(0o600);
      expect(statSync(join(home, '.ssh', 'id_ed25519.pub')).mode & 0o777).toBe(0o644);
      expect(await dbStatus(user, dir)).toBe(0);
      expect(await crontabOf(user)).toBe(cronLine());

      const logs = logsOf(dir);
      expect(logs).toEqual([expect.stringMatching(/^setup-\d{8}-\d{6}\.log$/)]);
      const log = readFileSync(join(dir, 'logs', logs[0] as string), 'utf8');
      expect(log).toMatch(/Create it: .*\[L\/e\/n\/q\] answer: l$/m);
      expect(log).toMatch(/SSH hosts to monitor too .* answer: mon@127\.0\.0\.1:1$/m);
      expect(log).toMatch(/Migrate with .* answer: y$/m);
      expect(log).toMatch(/Add to .*crontab.* answer: <Enter>$/m);
      expect(log).toContain('$ dthostmon db migrate');
      expect(log).toMatch(/applied 0001_initial/);
      expect(log).toMatch(/^Summary:$/m);
      expect(log).not.toMatch(/PRIVATE KEY/);
    });

    it('a second run finds every step done and changes nothing', async () => {
      const configBefore = statSync(join(dir, 'config', 'dthostmon.yaml')).mtimeMs;
      const keyBefore = readFileSync(join(home, '.ssh', 'id_ed25519.pub'), 'utf8');
      const term = await startSetup(user, dir);
      terms.push(term);
      await answer(term, /now\? \[y\/N\/q\]/, '');
      expect(await term.waitForExit()).toBe(0);
      const screen = await term.screen({ history: true });
      expect(screen).toContain('Every step was already done; nothing was changed.');
      expect(screen).not.toMatch(/=> done:/);
      expect(screen).toMatch(/7 schedule +ok +crontab line present/);
      expect(statSync(join(dir, 'config', 'dthostmon.yaml')).mtimeMs).toBe(configBefore);
      expect(readFileSync(join(home, '.ssh', 'id_ed25519.pub'), 'utf8')).toBe(keyBefore);
      expect(await crontabOf(user)).toBe(cronLine());
      expect(logsOf(dir)).toHaveLength(2);
    });

    it('--redo config asks before replacing the config, and Enter keeps it', async () => {
      const before = readFileSync(join(dir, 'config', 'dthostmon.yaml'), 'utf8');
      const term = await startSetup(user, dir, '--redo config');
      terms.push(term);
      await answer(term, /Replace .*dthostmon\.yaml .*\? \[y\/N\/q\]/, '');
      await answer(term, /now\? \[y\/N\/q\]/, '');
      expect(await term.waitForExit()).toBe(0);
      expect(readFileSync(join(dir, 'config', 'dthostmon.yaml'), 'utf8')).toBe(before);
      expect(existsSync(join(dir, 'config', 'dthostmon.yaml.bak'))).toBe(false);
    });
  });

  describe('cancelling', () => {
    let user: string;
    let dir: string;
    beforeAll(async () => {
      ({ user, dir } = await prepare('dthsq'));
    });

    it('q at a question stops there: exit 1, says so, and does none of the later steps', async () => {
      const term = await startSetup(user, dir);
      terms.push(term);
      await answer(term, '[L/e/n/q]', '');
      await answer(term, 'SSH hosts to monitor too', '');
      await answer(term, 'Migrate with', 'q');
      expect(await term.waitForExit()).toBe(1);
      const message = 'setup cancelled at step 6 (db); nothing after it was done';
      expect(await term.screen({ history: true })).toContain(message);
      expect(existsSync(join(dir, 'var', 'dthostmon.db'))).toBe(false);
      expect(await crontabOf(user)).toBeNull();
      expect(readFileSync(join(dir, 'logs', logsOf(dir)[0] as string), 'utf8')).toContain(message);
    });

    it('Ctrl-C at a question stops there with exit 130', async () => {
      const term = await startSetup(user, dir);
      terms.push(term);
      await term.waitFor('Migrate with');
      await term.keys('C-c');
      expect(await term.waitForExit()).toBe(130);
      expect(await term.screen({ history: true })).toContain('setup cancelled at step 6 (db); nothing after it was done');
      expect(existsSync(join(dir, 'var', 'dthostmon.db'))).toBe(false);
      expect(await crontabOf(user)).toBeNull();
    });
  });

  it('--yes runs unattended without a terminal and takes the defaults', async () => {
    const { user, dir } = await prepare('dthsy');
    const [command, ...args] = asUser(user, dir, '--yes') as [string, ...string[]];
    const res = await execa(command, args, { stdin: 'ignore', reject: false, all: true });
    expect(res.exitCode).toBe(0);
    expect(res.all).toContain('unattended (--yes)');
    expect(res.all).toMatch(/Create it: .* l \(--yes\)/);
    expect(res.all).toMatch(/8 run +skipped +not run now/);
    expect(readFileSync(join(dir, 'config', 'dthostmon.yaml'), 'utf8')).toContain('transport: local');
    expect(await dbStatus(user, dir)).toBe(0);
    expect(await crontabOf(user)).toContain(`${dir}/bin/dthostmon.js run -c ${dir}/config/dthostmon.yaml --quiet`);
  });
});

describe('setup.sh without a terminal', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const copy = (): string => {
    const dir = copyCheckout();
    dirs.push(dir);
    return dir;
  };
  const setupSh = (dir: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
    execa('bash', [join(dir, 'setup.sh'), ...args], { cwd: dir, stdin: 'ignore', reject: false, all: true, env: { NO_COLOR: '1', DTHOSTMON_CONFIG: '', ...env } });

  it('--help lists every step and flag; an unknown flag is one line and exit 2, before anything is written', async () => {
    const help = await setupSh(repoRoot, ['--help']);
    expect(help.exitCode).toBe(0);
    for (const word of ['node', 'deps', 'build', 'config', 'key', 'db', 'schedule', 'run', '--yes', '--redo', '--config', '--systemd']) {
      expect(help.stdout).toContain(word);
    }
    const dir = copy();
    const bad = await setupSh(dir, ['--frobnicate']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe("setup.sh: unknown option '--frobnicate' (see ./setup.sh --help)");
    const badStep = await setupSh(dir, ['--redo', 'everything']);
    expect(badStep.exitCode).toBe(2);
    expect(badStep.stderr).toMatch(/unknown step 'everything'/);
    expect(existsSync(join(dir, 'logs'))).toBe(false);
  });

  it('a Node.js older than package.json "engines" stops at step 1 and says how to install one', async () => {
    const dir = copy();
    mkdirSync(join(dir, 'fakebin'));
    writeFileSync(join(dir, 'fakebin', 'node'), '#!/bin/sh\necho 18.19.1\n', { mode: 0o755 });
    const res = await setupSh(dir, ['--yes'], { PATH: `${dir}/fakebin:${process.env.PATH ?? ''}` });
    expect(res.exitCode).toBe(1);
    expect(res.all).toContain(`found: Node.js 18.19.1 at ${dir}/fakebin/node, older than 20.19`);
    expect(res.all).toContain('nvm install');
    expect(res.all).toContain('setup stopped at step 1 (node): Node.js 20.19 or newer is required (found 18.19.1); nothing after it was done');
    expect(existsSync(join(dir, 'config'))).toBe(false);
  });

  it('a config that does not validate stops at step 4 with exit 2 and the located problem', async () => {
    const dir = copy();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'hosts:\n  - name: self\n    transport: locl\n');
    const res = await setupSh(dir, ['--yes', '-c', 'bad.yaml']);
    expect(res.exitCode).toBe(2);
    expect(res.all).toMatch(/bad\.yaml:3:\d+ hosts\[0\]\.transport: /);
    expect(res.all).toContain('setup stopped at step 4 (config): the config does not validate');
    expect(res.all).not.toContain('[5/8]');
  });

  it('--systemd writes an hourly service and timer (only written, not enabled, when systemd is not running)', async () => {
    if (process.getuid?.() !== 0) {
      if (process.env.CI === 'true') throw new Error('--systemd needs root; CI=true: a test that cannot run is a failure');
      console.warn('skipping the --systemd test: it needs root');
      return;
    }
    const dir = copy();
    const units = join(dir, 'units');
    mkdirSync(units);
    const res = await setupSh(dir, ['--yes', '--systemd'], { DTHOSTMON_SYSTEMD_DIR: units });
    expect(res.exitCode).toBe(0);
    const service = readFileSync(join(units, 'dthostmon.service'), 'utf8');
    expect(service).toContain(`ExecStart=${NODE} ${dir}/bin/dthostmon.js run -c ${dir}/config/dthostmon.yaml --quiet`);
    expect(service).toContain('Type=oneshot');
    expect(readFileSync(join(units, 'dthostmon.timer'), 'utf8')).toMatch(/OnCalendar=\*-\*-\* \*:17:00\nPersistent=true/);
    expect(res.all).toContain('only written');
    const again = await setupSh(dir, ['--yes', '--systemd'], { DTHOSTMON_SYSTEMD_DIR: units });
    expect(again.all).toMatch(/7 schedule +ok +systemd timer present/);
  });
});

/** `dthostmon sync-config` through the built CLI: output streams, exit codes, secrets, help. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { SYSTEM_CONFIG_PATH } from '../../src/config/find-config.js';
import { assertBuilt, runCli } from '../helpers/cli.js';
import { sitesFixture, stage, type Staged } from '../integration/sync/stage.js';

describe('dthostmon sync-config (built CLI)', () => {
  let staged: Staged;
  beforeAll(() => assertBuilt());
  beforeEach(() => {
    staged = stage('divtools', 'commented.yaml');
  });
  afterEach(() => staged.cleanup());
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runCli(['sync-config', ...args], { cwd: staged.dir, env: { DOCKER_SITES_DIR: staged.sitesDir, DIVTOOLS: '', ...env } });

  it('--dry-run: the diff on stdout, the summary on stderr, exit 0, nothing written; then the real run', async () => {
    const dry = await run(['-c', 'dthostmon.yaml', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(readFileSync(sitesFixture('expected', 'divtools-commented.diff'), 'utf8'));
    expect(dry.stderr).toContain('hosts: 4 added, 1 updated, 0 unchanged\n');
    expect(dry.stderr).not.toMatch(/\u001b\[|at .*\.js:\d+/);
    expect(staged.files()).toEqual(['dthostmon.yaml', 'sites']);

    const real = await run(['-c', 'dthostmon.yaml']);
    expect(real.code).toBe(0);
    expect(real.stdout).toBe('');
    expect(real.stderr).toContain(`${staged.configPath} updated (backup: ${staged.configPath}.bak)`);
    const again = await run(['-c', 'dthostmon.yaml', '--quiet']);
    expect(again).toMatchObject({ code: 0, stdout: '' });
    expect(again.stderr).not.toContain('up to date');
    expect(again.stderr).toContain('unresolved: ');

    const review = await runCli(['config', '-c', staged.configPath], { env: { SMTP_HOST: 's', GPU_SSH_KEY: '/k', RUNTIME_LOG_DIR: '/r', GPU_LOG_DIR: '/g' } });
    expect(review.code).toBe(0);
    expect(review.stdout).toContain('gpu1-75');
  });

  it('a secret next to the change is masked in the diff', async () => {
    writeFileSync(staged.configPath, 'api:\n  api_key: "abcd-secret-key-1234"\nsites:\n  s01-7692nh: {}\nhosts: []\n');
    const dry = await run(['-c', 'dthostmon.yaml', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('   api_key: "********"');
    expect(dry.stdout + dry.stderr).not.toContain('abcd-secret-key-1234');
  });

  it('problems: one line each, exit 2, no stack trace', async () => {
    staged.cleanup();
    staged = stage('invalid', 'null-sections.yaml');
    const res = await run(['-c', 'dthostmon.yaml']);
    expect(res.code).toBe(2);
    expect(res.stderr.split('\n').filter((l) => l.startsWith('error: '))).toHaveLength(4);
    expect(res.stderr).not.toMatch(/internal error|\n\s+at /);
    const usage = await run(['--bogus']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("unknown option '--bogus'");
    const scope = await run(['-c', 'dthostmon.yaml', '--site', 's99-none']);
    expect(scope).toMatchObject({ code: 2, stderr: `dthostmon: site s99-none not found in ${staged.sitesDir} (sites: s01-lab)\n` });
  });

  it('--help lists the flags and the exit codes', async () => {
    const res = await run(['--help']);
    expect(res.code).toBe(0);
    for (const flag of ['--sites-dir', '--dry-run', '--debug', '--prune', '--example-yaml', '--example-env', '--scaffold-yaml', '--scaffold-env', '--all', '--force', '--site', '--host']) {
      expect(res.stdout).toContain(flag);
    }
    expect(res.stdout).toContain('Exit codes: 0 synced');
  });

  it('without -c the usual config locations are tried, and the message says how to create one', async () => {
    if (existsSync(SYSTEM_CONFIG_PATH)) {
      console.warn(`skipping: ${SYSTEM_CONFIG_PATH} exists on this machine, so it would be found`);
      return;
    }
    const res = await run(['--dry-run']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/no config file found; tried .*; pass -c FILE to create one/);
  });
});

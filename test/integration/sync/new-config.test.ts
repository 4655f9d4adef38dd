/** Creating dthostmon.yaml, null sections, configs the runtime reads with run-time variables, usage errors. */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runSync, stage, type Staged } from './stage.js';

describe('sync-config and the config file', () => {
  let staged: Staged;
  afterEach(() => staged.cleanup());

  it('creates a missing config with a header, says so, and makes no backup', async () => {
    staged = stage('sshd');
    const res = await runSync(staged, {}, { SSHD_PORT: '2222', SSHD_USER: 'ops', LAB_LOG: '/var/log/lab.log' });
    expect(res.code).toBe(0);
    expect(res.stderr).toContain(`${staged.configPath} created`);
    expect(staged.files()).toEqual(['dthostmon.yaml', 'sites']);
    expect(statSync(staged.configPath).mode & 0o777).toBe(0o600);
    expect(staged.read()).toBe(
      [
        '# dthostmon configuration. Created by `dthostmon sync-config`, which keeps `sites` and `hosts` in step',
        '# with the divtools sites dir; the other sections (global, ssh, email, ...) are yours: see docs/configuration.md.',
        '',
        'sites:',
        '  s01-lab: {}',
        'hosts:',
        '  - name: lab1',
        '    site: s01-lab',
        '    hostname: 127.0.0.1',
        '    port: 2222',
        '    user: ops',
        '    key_path: ${DTHM_TEST_KEY}',
        '    logs:',
        '      - /var/log/lab.log',
        '',
      ].join('\n'),
    );
    expect((await runSync(staged, {}, { SSHD_PORT: '2222', SSHD_USER: 'ops', LAB_LOG: '/var/log/lab.log' })).stderr).toContain('is up to date');
  });

  it('a dry run of a new config shows it against /dev/null', async () => {
    staged = stage('sshd');
    const res = await runSync(staged, { dryRun: true }, { SSHD_PORT: '22', SSHD_USER: 'ops', LAB_LOG: '/l' });
    expect(res.stdout.split('\n').slice(0, 3)).toEqual(['--- /dev/null', '+++ b/dthostmon.yaml', '@@ -0,0 +1,14 @@']);
    expect(res.stderr).toContain('would be created');
    expect(staged.files()).toEqual(['sites']);
  });

  it('null sections are filled, never a crash (GAP-S17)', async () => {
    staged = stage('sshd', 'null-sections.yaml');
    expect((await runSync(staged, {}, { SSHD_PORT: '22', SSHD_USER: 'ops', LAB_LOG: '/l' })).code).toBe(0);
    expect(parse(staged.read())).toMatchObject({ global: { user: 'monitor' }, sites: { 's01-lab': {} }, hosts: [{ name: 'lab1' }] });
  });

  it('validation leaves ${VAR} of the whole config for run time (API keys from variables included)', async () => {
    staged = stage('sshd');
    writeFileSync(
      staged.configPath,
      ['database:', '  url: ${DATABASE_URL}', 'ai:', '  providers:', '    - type: openai', '      model: gpt-4o', '      api_key: ${OPENAI_API_KEY}', 'hosts: []', ''].join('\n'),
    );
    const res = await runSync(staged, {}, { SSHD_PORT: '22', SSHD_USER: 'ops', LAB_LOG: '/l' });
    expect(res.stderr).not.toContain('error:');
    expect(res.code).toBe(0);
  });

  it('an unset ${VAR} in a typed key is written for run time, reported, and does not fail validation', async () => {
    staged = stage('sshd');
    const res = await runSync(staged, {}, { SSHD_USER: 'ops', LAB_LOG: '/l' });
    expect(res.code).toBe(0);
    expect(res.stderr).toContain(`unresolved: ${join(staged.sitesDir, 's01-lab/lab1/dthm-lab1.yaml')}:4 port: \${SSHD_PORT} is not set at sync time`);
    expect(staged.read()).toContain('    port: ${SSHD_PORT}\n');
  });

  it('a missing sites dir, a config that is not YAML, and --all without a scaffold are errors (exit 2)', async () => {
    staged = stage('sshd');
    const missing = await runSync(staged, { sitesDir: join(staged.dir, 'nope') });
    expect(missing).toMatchObject({ code: 2, stderr: `${join(staged.dir, 'nope')}: sites directory not found (set --sites-dir, $DOCKER_SITES_DIR or $DIVTOOLS)\n` });
    writeFileSync(staged.configPath, 'hosts: [\n');
    const broken = await runSync(staged);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(new RegExp(`^${staged.configPath}:2:1: invalid YAML`));
    expect((await runSync(staged, { all: true })).stderr).toBe('--all goes with --scaffold-yaml or --scaffold-env\n');
  });

  it('the sites dir defaults to $DOCKER_SITES_DIR, then $DIVTOOLS/docker/sites', async () => {
    staged = stage('sshd');
    const env = { SSHD_PORT: '22', SSHD_USER: 'ops', LAB_LOG: '/l' };
    const viaEnv = await runSync(staged, { sitesDir: undefined, dryRun: true }, { ...env, DOCKER_SITES_DIR: staged.sitesDir });
    expect(viaEnv.stderr).toContain(`sync-config: ${staged.sitesDir} -> `);
    mkdirSync(join(staged.dir, 'divtools', 'docker'), { recursive: true });
    const viaDivtools = await runSync(staged, { sitesDir: undefined, dryRun: true }, { ...env, DIVTOOLS: join(staged.dir, 'divtools') });
    expect(viaDivtools.stderr).toBe(`${join(staged.dir, 'divtools', 'docker', 'sites')}: sites directory not found (set --sites-dir, $DOCKER_SITES_DIR or $DIVTOOLS)\n`);
    const none = await runSync(staged, { sitesDir: undefined }, env);
    expect(none.stderr).toBe('no sites dir: pass --sites-dir, or set DOCKER_SITES_DIR or DIVTOOLS\n');
  });
});

/** Example and scaffold files (FR-CONFIG-010, GAP-S14, GAP-S15): written where asked, never touching dthostmon.yaml. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDotenv } from '../../../src/config/env.js';
import { hostEnvExample } from '../../../src/sync/examples.js';
import { runScaffolds, siteFromHomeEnv, type ScaffoldDeps, type ScaffoldOptions } from '../../../src/sync/scaffold.js';
import { runSync, stage, type Staged } from './stage.js';

describe('scaffolds', () => {
  let staged: Staged;
  beforeEach(() => {
    staged = stage('scaffold');
  });
  afterEach(() => staged.cleanup());
  const hostDir = (site: string, host: string) => join(staged.sitesDir, site, host);
  const scaffold = (options: Partial<ScaffoldOptions>, deps: Partial<ScaffoldDeps> = {}) =>
    runScaffolds(
      { scaffoldYaml: false, scaffoldEnv: false, all: false, force: false, dryRun: false, sitesDir: staged.sitesDir, cwd: staged.dir, ...options },
      { homeDir: staged.dir, hostname: 'WEB', confirm: null, stdout: () => undefined, ...deps },
    );

  it('--example-yaml - and --example-env - print a host example, or a site example for --site alone', async () => {
    const host = await runSync(staged, { exampleYaml: '-' });
    expect(host.code).toBe(0);
    expect(host.stdout).toContain('# dthm-<host>.yaml: dthostmon settings of host <host>');
    expect(host.stdout).toContain('check_docker: true');
    const site = await runSync(staged, { exampleYaml: '-', site: 's01-lab' });
    expect(site.stdout).toContain('# dthm-site.yaml: dthostmon settings of site s01-lab');
    const env = await runSync(staged, { exampleEnv: '-' });
    expect(env.stdout).toContain('DTHM_HOST_ENABLED=true');
    expect(env.stdout).toContain('DTHM_HOST_THRESHOLDS__DISK_PERCENT=95');
    const siteEnv = await runSync(staged, { exampleEnv: '-', site: 's01-lab' });
    expect(siteEnv.stdout).toContain('DTHM_SITE_TAGS=production');
    // No config was needed, none was created, no backup (GAP-S15).
    expect(staged.files()).toEqual(['sites']);
  });

  it('a file name containing "site" gets the site example; parent folders are created', async () => {
    const res = await runSync(staged, { exampleYaml: 'out/my-site.yaml' });
    expect(res.stderr).toBe(`${join(staged.dir, 'out/my-site.yaml')}: created\n`);
    expect(readFileSync(join(staged.dir, 'out/my-site.yaml'), 'utf8')).toContain('resource_thresholds:');
  });

  it('an existing YAML is overwritten only with --force; without a TTY the refusal is one line, exit 2', async () => {
    const file = join(staged.dir, 'host.yaml');
    writeFileSync(file, 'mine: true\n');
    const refused = await runSync(staged, { exampleYaml: 'host.yaml' });
    expect(refused).toMatchObject({ code: 2, stderr: `${file} exists: rerun with --force to overwrite it\n` });
    expect(readFileSync(file, 'utf8')).toBe('mine: true\n');
    expect((await runSync(staged, { exampleYaml: 'host.yaml', force: true })).stderr).toBe(`${file}: overwritten\n`);
    expect(readFileSync(file, 'utf8')).toContain('user: monitoring');
  });

  it('on a TTY the user is asked; no keeps the file', async () => {
    const file = join(staged.dir, 'host.yaml');
    writeFileSync(file, 'mine: true\n');
    const questions: string[] = [];
    const kept = await scaffold({ exampleYaml: 'host.yaml' }, { confirm: async (q) => (questions.push(q), false) });
    expect(kept).toEqual([`${file}: kept as it was`]);
    expect(questions).toEqual([`${file} exists - overwrite? [y/N] `]);
    expect(await scaffold({ exampleYaml: 'host.yaml' }, { confirm: async () => true })).toEqual([`${file}: overwritten`]);
  });

  it('an existing env file only gets the example variables it lacks, with --force, never a duplicate key', async () => {
    const file = join(hostDir('s01-lab', 'web'), '.env.web');
    writeFileSync(file, 'EXISTING_VAR=test\nexport DTHM_HOST_USER=deploy\n');
    const refused = await runSync(staged, { scaffoldEnv: true, site: 's01-lab', host: 'web' });
    expect(refused.stderr).toBe(`${file} exists: rerun with --force to append the missing example variables\n`);
    const res = await runSync(staged, { scaffoldEnv: true, site: 's01-lab', host: 'web', force: true });
    expect(res.stderr).toBe(`${file}: appended DTHM_HOST_ENABLED, DTHM_HOST_PORT, DTHM_HOST_TAGS, DTHM_HOST_CHECK_DOCKER, DTHM_HOST_LOGS\n`);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('EXISTING_VAR=test\nexport DTHM_HOST_USER=deploy\n')).toBe(true);
    expect(parseDotenv(text).values).toMatchObject({ EXISTING_VAR: 'test', DTHM_HOST_USER: 'deploy', DTHM_HOST_PORT: '22' });
    expect(text.match(/DTHM_HOST_USER=/g)).toHaveLength(1);
    expect((await runSync(staged, { scaffoldEnv: true, site: 's01-lab', host: 'web', force: true })).stderr).toBe(
      `${file}: has every example variable already\n`,
    );
  });

  it('--scaffold-yaml / --scaffold-env write into the host folder of --site/--host', async () => {
    const res = await runSync(staged, { scaffoldYaml: true, scaffoldEnv: true, site: 's02-dev', host: 'devbox' });
    expect(res.code).toBe(0);
    expect(readFileSync(join(hostDir('s02-dev', 'devbox'), 'dthm-devbox.yaml'), 'utf8')).toContain('# dthm-devbox.yaml: dthostmon settings of host devbox (site s02-dev)');
    expect(readFileSync(join(hostDir('s02-dev', 'devbox'), '.env.devbox'), 'utf8')).toBe(hostEnvExample({ site: 's02-dev', host: 'devbox' }));
    const missing = await runSync(staged, { scaffoldYaml: true, site: 's02-dev', host: 'nope' });
    expect(missing).toMatchObject({ code: 2, stderr: `host folder not found: ${hostDir('s02-dev', 'nope')} (create it, or pass --host)\n` });
  });

  it('defaults: the site from SITE_NAME in ~/.env (with or without export), the host from the lower-cased hostname', async () => {
    writeFileSync(join(staged.dir, '.env'), '# divtools\nexport SITE_NAME=s01-lab\n');
    expect(siteFromHomeEnv(staged.dir)).toBe('s01-lab');
    expect(await scaffold({ scaffoldYaml: true })).toEqual([`${join(hostDir('s01-lab', 'web'), 'dthm-web.yaml')}: created`]);
    writeFileSync(join(staged.dir, '.env'), 'SITE_NAME=s02-dev\n');
    expect(siteFromHomeEnv(staged.dir)).toBe('s02-dev');
    // An explicit --site wins over ~/.env, with or without --host (GAP-S14).
    expect(await scaffold({ scaffoldYaml: true, site: 's01-lab', host: 'db' })).toEqual([`${join(hostDir('s01-lab', 'db'), 'dthm-db.yaml')}: created`]);
    await expect(scaffold({ scaffoldYaml: true }, { homeDir: join(staged.dir, 'nohome') })).rejects.toThrow(
      `no site: pass --site, or set SITE_NAME in ${join(staged.dir, 'nohome', '.env')}`,
    );
  });

  it('--all scaffolds every host folder of --site, or of every site; a dry run writes nothing', async () => {
    const dry = await scaffold({ scaffoldYaml: true, all: true, dryRun: true });
    expect(dry).toEqual([
      `dry run: would create ${join(hostDir('s01-lab', 'db'), 'dthm-db.yaml')}`,
      `dry run: would create ${join(hostDir('s01-lab', 'web'), 'dthm-web.yaml')}`,
      `dry run: would create ${join(hostDir('s02-dev', 'devbox'), 'dthm-devbox.yaml')}`,
    ]);
    expect(existsSync(join(hostDir('s01-lab', 'db'), 'dthm-db.yaml'))).toBe(false);
    expect((await scaffold({ scaffoldEnv: true, all: true, site: 's02-dev' })).length).toBe(1);
    await expect(scaffold({ scaffoldEnv: true, all: true, host: 'web' })).rejects.toThrow('--all scaffolds every host folder: leave out --host');
  });

  it('without a TTY, --all stops before writing anything when a file exists', async () => {
    writeFileSync(join(hostDir('s01-lab', 'web'), 'dthm-web.yaml'), 'user: x\n');
    writeFileSync(join(hostDir('s02-dev', 'devbox'), 'dthm-devbox.yaml'), 'user: x\n');
    await expect(scaffold({ scaffoldYaml: true, all: true })).rejects.toThrow(
      `${join(hostDir('s01-lab', 'web'), 'dthm-web.yaml')} exists (and 1 more): rerun with --force to overwrite it`,
    );
    expect(existsSync(join(hostDir('s01-lab', 'db'), 'dthm-db.yaml'))).toBe(false);
  });

  it('the generated examples sync cleanly', async () => {
    await scaffold({ scaffoldYaml: true, site: 's01-lab', host: 'web' });
    await scaffold({ scaffoldEnv: true, site: 's01-lab', host: 'db' });
    await scaffold({ exampleYaml: join(staged.sitesDir, 's01-lab', 'dthm-site.yaml') });
    await scaffold({ exampleEnv: join(staged.sitesDir, 's01-lab', '.env.s01-lab'), site: 's01-lab' });
    const res = await runSync(staged, { json: true });
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout) as Record<string, unknown> & { hosts: { added: { name: string; notes: string[] }[] } };
    expect(summary).toMatchObject({ errors: [], warnings: [], unresolved: [], written: true, created: true });
    expect(summary.hosts.added.map((h) => [h.name, h.notes])).toEqual([
      ['db', ['hostname defaulted to the folder name "db"']],
      ['web', ['hostname defaulted to the folder name "web"']],
    ]);
    expect(staged.read()).toContain('    user: monitoring\n');
  });
});

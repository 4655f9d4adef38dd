/**
 * A sites tree with mistakes (test/fixtures/sites/invalid): bad port, unknown variable and key, a prefix typo, a host
 * without a user. Nothing is written; a dry run still shows the diff, then the problems; exit 2.
 */
import { join } from 'node:path';
import { runSync, stage, type Staged } from './stage.js';

describe('sync-config on an invalid sites tree', () => {
  let staged: Staged;
  beforeEach(() => {
    staged = stage('invalid', 'null-sections.yaml');
  });
  afterEach(() => staged.cleanup());
  const at = (rel: string) => join(staged.sitesDir, rel);

  it('names each problem with its file, line and key; writes nothing; exit 2', async () => {
    const before = staged.read();
    const res = await runSync(staged);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    const errors = res.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toEqual([
      `error: ${at('s01-lab/.env.s01-lab')}:1 DTHM_STIE_TAGS: unknown variable; did you mean DTHM_SITE_TAGS?`,
      `error: ${at('s01-lab/db/dthm-db.yaml')}:1:1 hostnme: unknown key; did you mean "hostname"?`,
      `error: ${at('s01-lab/web/.env.web')}:4 DTHM_HOST_PROT: unknown variable; did you mean DTHM_HOST_PORT?`,
      `error: ${at('s01-lab/web/.env.web')}:3 DTHM_HOST_PORT: expected an integer from 1 to 65535, got 99999 (hosts[2].port, s01-lab/web)`,
    ]);
    expect(res.stderr).toContain(`sync-config: 4 problems; nothing written to ${staged.configPath}`);
    expect(staged.read()).toBe(before);
    expect(staged.files()).toEqual(['dthostmon.yaml', 'sites']);
  });

  it('--dry-run prints the diff first, then the problems', async () => {
    const res = await runSync(staged, { dryRun: true });
    expect(res.code).toBe(2);
    expect(res.stdout).toContain('+  - name: web\n+    site: s01-lab\n+    hostname: 10.0.0.1\n+    port: 99999\n');
    expect(res.stderr).toContain(`dry run: 4 problems; ${staged.configPath} would not be written`);
  });

  it('a host without a user anywhere is an error naming the folder and the files to fix', async () => {
    staged.cleanup();
    staged = stage('invalid');
    const res = await runSync(staged, { host: 'nouser' });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      `error: s01-lab/nouser: no SSH user: add "user: <name>" to ${at('s01-lab/nouser/dthm-nouser.yaml')} or DTHM_HOST_USER=<name> to ${at('s01-lab/nouser/.env.nouser')} ` +
        `(DTHM_HOST_USER in ${at('s01-lab/.env.s01-lab')} sets it for every host of the site, global.user for all hosts)`,
    );
    expect(res.stderr).toContain(`${staged.configPath} was not created`);
    expect(staged.files()).toEqual(['sites']);
  });
});

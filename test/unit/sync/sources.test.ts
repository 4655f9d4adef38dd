import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isConfigured, readHostEnv, readHostSources, readSiteSources } from '../../../src/sync/sources.js';
import { emptyLog } from '../../../src/sync/types.js';
import { walkSites } from '../../../src/sync/walk.js';

describe('reading site and host folders', () => {
  const sites = mkdtempSync(join(tmpdir(), 'dthm-sources-'));
  afterAll(() => rmSync(sites, { recursive: true, force: true }));
  const file = (rel: string, text: string) => {
    mkdirSync(join(sites, rel, '..'), { recursive: true });
    writeFileSync(join(sites, rel), text);
  };

  beforeAll(() => {
    file('s01/.env.s01', 'BASE=/srv\nDTHM_SITE_TAGS=lab\nDTHM_HOST_USER=ops\nDTHM_HOST_HOSTNAME=same-for-all\nDTHM_HSOT_PORT=1\n');
    file('s01/web/.env.web', 'DTHM_HOST_LOGS=${BASE}/web.log\nDTHM_SITE_ENABLED=false\n');
    file('s01/data/.env.data', 'DATA=1\n');
  });

  it('a site file: DTHM_SITE_* for the site, DTHM_HOST_* as host defaults; per-host keys and prefix typos reported', () => {
    const log = emptyLog();
    const site = readSiteSources(walkSites(sites).sites[0]!, {}, log);
    expect(site.hasConfig).toBe(true);
    expect(site.layers[1]?.data).toEqual({ tags: ['lab'] });
    expect(site.hostDefaults.data).toEqual({ user: 'ops' });
    expect(log.warnings).toEqual([
      `${join(sites, 's01/.env.s01')}:4 DTHM_HOST_HOSTNAME: ignored in a site file: every host has its own hostname (set it in the host folder)`,
    ]);
    expect(log.errors).toEqual([`${join(sites, 's01/.env.s01')}:5 DTHM_HSOT_PORT: unknown variable; did you mean DTHM_HOST_PORT?`]);
  });

  it('a host file sees the site variables; DTHM_SITE_* there is a warning; a folder without DTHM_HOST_* is not configured', () => {
    const log = emptyLog();
    const tree = walkSites(sites);
    const site = readSiteSources(tree.sites[0]!, {}, emptyLog());
    const [data, web] = tree.sites[0]!.hosts;
    const webEnv = readHostEnv(web!, site.vars, log);
    expect(isConfigured(web!, webEnv)).toBe(true);
    expect(isConfigured(data!, readHostEnv(data!, site.vars, log))).toBe(false);
    const sources = readHostSources(web!, webEnv, site.vars, 'web', log);
    expect(sources.layers[1]?.data).toEqual({ logs: ['/srv/web.log'] });
    expect(log.warnings).toEqual([`${join(sites, 's01/web/.env.web')}:2 DTHM_SITE_ENABLED: ignored: site settings belong in ${join(sites, 's01/.env.s01')}`]);
  });
});

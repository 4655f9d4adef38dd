import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../../src/errors.js';
import { walkSites } from '../../../src/sync/walk.js';

const divtools = fileURLToPath(new URL('../../fixtures/sites/divtools', import.meta.url));

describe('walkSites on the divtools layout (GAP-S9, GAP-S10)', () => {
  const tree = walkSites(divtools);

  it('sites are the sorted visible folders except s00-*', () => {
    expect(tree.sites.map((s) => s.id)).toEqual(['s01-7692nh', 's04-avc']);
    expect(tree.sharedEnvPath).toBe(join(divtools, 's00-shared', '.env.s00-shared'));
  });

  it('host folders are the sorted visible child folders, with their files', () => {
    const s01 = tree.sites[0]!;
    expect(s01.envPath).toBe(join(divtools, 's01-7692nh', '.env.s01-7692nh'));
    expect(s01.yamlPath).toBe(join(divtools, 's01-7692nh', 'dthm-site.yaml'));
    expect(s01.hosts.map((h) => h.folder)).toEqual(['ads1-98', 'frigate2', 'gpu1-75', 'media', 'opn01', 'tnapp01']);
    const gpu = s01.hosts.find((h) => h.folder === 'gpu1-75')!;
    expect(gpu.yamlPath).toBe(join(gpu.dir, 'dthm-gpu1-75.yaml'));
    expect(gpu.envPath).toBe(join(gpu.dir, '.env.gpu1-75'));
  });

  it('reads the legacy dthm-host.yaml; when both names exist the host name wins', () => {
    const tn = tree.sites[0]!.hosts.find((h) => h.folder === 'tnapp01')!;
    expect(tn.yamlPath).toBe(join(tn.dir, 'dthm-host.yaml'));
    const nas = tree.sites[1]!.hosts.find((h) => h.folder === 'nas01')!;
    expect(nas.yamlPath).toBe(join(nas.dir, 'dthm-nas01.yaml'));
    expect(nas.ignoredYamlPath).toBe(join(nas.dir, 'dthm-host.yaml'));
  });

  it('a missing sites dir is a ConfigError naming it', () => {
    expect(() => walkSites('/nonexistent/sites')).toThrow(ConfigError);
    expect(() => walkSites('/nonexistent/sites')).toThrow(/\/nonexistent\/sites: sites directory not found/);
  });
});

import { parseDotenv } from '../../../src/config/env.js';
import { hostEnvExample, hostYamlExample, siteEnvExample, siteYamlExample } from '../../../src/sync/examples.js';
import { missingExampleLines } from '../../../src/sync/scaffold.js';

describe('examples', () => {
  it('use the keys dthostmon reads and explain the rules', () => {
    const host = hostYamlExample({ site: 's01', host: 'web' });
    expect(host).toContain('# dthm-web.yaml: dthostmon settings of host web (site s01)');
    expect(host).toMatch(/^check_docker: true$/m);
    expect(host).toMatch(/^logs:$/m);
    expect(host).not.toMatch(/^(name|log_paths|monitoring):/m);
    expect(host).toContain('${{VAR}} always written as ${VAR}');
    expect(siteYamlExample()).toContain('resource_thresholds:\n  health: "0-25"');
  });

  it('env examples list DTHM names, nesting with __ included, and are valid env files', () => {
    const host = parseDotenv(hostEnvExample());
    expect(host.problems).toEqual([]);
    expect(Object.keys(host.values)).toEqual(['DTHM_HOST_ENABLED', 'DTHM_HOST_PORT', 'DTHM_HOST_USER', 'DTHM_HOST_TAGS', 'DTHM_HOST_CHECK_DOCKER', 'DTHM_HOST_LOGS']);
    expect(hostEnvExample()).toContain('DTHM_HOST_THRESHOLDS__DISK_PERCENT');
    const site = parseDotenv(siteEnvExample({ site: 's01' }));
    expect(Object.keys(site.values)).toEqual(['DTHM_SITE_ENABLED', 'DTHM_SITE_TAGS', 'DTHM_SITE_REPORT_FREQUENCY']);
  });
});

describe('missingExampleLines', () => {
  it('returns the example assignments whose keys the file does not assign (export lines count)', () => {
    const example = '# c\nA=1\nB=2\n# C=3\nD=4\n';
    expect(missingExampleLines('export A=9\nD=1 # x\n', example)).toEqual(['B=2']);
    expect(missingExampleLines('', example)).toEqual(['A=1', 'B=2', 'D=4']);
  });
});

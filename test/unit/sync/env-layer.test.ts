import { hostSchema, siteSchema } from '../../../src/config/schema-hosts.js';
import { envKeyPath, envLayer } from '../../../src/sync/env-layer.js';
import { rootInfo } from '../../../src/sync/schema-keys.js';
import { emptyLog } from '../../../src/sync/types.js';

const HOST = rootInfo(hostSchema);
const SITE = rootInfo(siteSchema);

describe('envKeyPath: every schema key has a DTHM variable', () => {
  const path = (rest: string, root = HOST) => {
    const r = envKeyPath('DTHM_HOST_', rest, root);
    return 'error' in r ? r.error : r.path.join('.');
  };

  it('maps names to keys, nested keys with __', () => {
    expect(path('PORT')).toBe('port');
    expect(path('LOG_MAX_BYTES')).toBe('log_max_bytes');
    expect(path('MONITORING__CHECK_DOCKER')).toBe('monitoring.check_docker');
    expect(path('THRESHOLDS__DISK_PERCENT')).toBe('thresholds.disk_percent');
    expect(path('RESOURCE_THRESHOLDS__CRITICAL')).toBe('resource_thresholds.critical');
  });

  it('keys that live only under monitoring keep their flat names', () => {
    expect(path('CHECK_DISK')).toBe('monitoring.check_disk');
    expect(path('CHECK_SERVICES')).toBe('monitoring.check_services');
    expect(path('CHECK_DOCKER')).toBe('check_docker');
  });

  it('names unknown variables with the closest valid one', () => {
    expect(path('PROT')).toBe('unknown variable; did you mean DTHM_HOST_PORT?');
    expect(path('THRESHOLDS__DISK_PERCNT')).toBe('unknown variable; did you mean DTHM_HOST_THRESHOLDS__DISK_PERCENT?');
    expect(path('QQQQQQQQ')).toBe('unknown variable');
    expect(path('PORT__X')).toBe('unknown variable: DTHM_HOST_PORT is not a group of settings');
    expect(path('SEND_SITE_REPORTS')).toMatch(/^unknown variable/);
    expect(envKeyPath('DTHM_SITE_', 'SEND_SITE_REPORTS', SITE)).toMatchObject({ path: ['send_site_reports'] });
  });

  it('refuses maps, lists of maps and empty segments', () => {
    expect(path('MONITORING')).toBe('DTHM_HOST_MONITORING is a group of settings: set its keys as DTHM_HOST_MONITORING__<KEY>');
    expect(path('RULES')).toBe('DTHM_HOST_RULES is a list of maps: set it in the dthm YAML file');
    expect(path('MONITORING____X')).toMatch(/nested keys joined by "__"/);
  });
});

describe('envLayer', () => {
  it('types each value by its key and records where it came from', () => {
    const log = emptyLog();
    const lines = [
      { key: 'DTHM_HOST_PORT', value: '1', line: 1 },
      { key: 'DTHM_HOST_TAGS', value: 'web', line: 2 },
      { key: 'DTHM_HOST_ENABLED', value: 'no', line: 3 },
      { key: 'DTHM_HOST_MONITORING__CHECK_DOCKER', value: 'true', line: 4 },
      { key: 'DTHM_HOST_LOGS', value: '${LOG_ROOT}/syslog, ${NOPE}/x.log', line: 5 },
      { key: 'DTHM_HOST_KEY_PATH', value: '${{SSH_KEY}}', line: 6 },
      { key: 'DTHM_SITE_TAGS', value: 'other prefix', line: 7 },
    ];
    const layer = envLayer(lines, { file: '/s/.env.h', prefix: 'DTHM_HOST_', root: HOST, vars: { LOG_ROOT: '/var/log', SSH_KEY: 'now' }, log });
    expect(layer.data).toEqual({
      port: 1,
      tags: ['web'],
      enabled: false,
      monitoring: { check_docker: true },
      logs: ['/var/log/syslog', '${NOPE}/x.log'],
      key_path: '${SSH_KEY}',
    });
    expect(layer.origins.get('monitoring.check_docker')).toEqual({ file: '/s/.env.h', line: 4, variable: 'DTHM_HOST_MONITORING__CHECK_DOCKER' });
    expect(log.unresolved).toEqual([{ file: '/s/.env.h', line: 5, key: 'DTHM_HOST_LOGS', name: 'NOPE' }]);
    expect(log.errors).toEqual([]);
  });

  it('reports unknown variables as errors and folder-decided keys as warnings', () => {
    const log = emptyLog();
    const layer = envLayer(
      [
        { key: 'DTHM_HOST_PROT', value: '22', line: 3 },
        { key: 'DTHM_HOST_NAME', value: 'host01', line: 4 },
      ],
      { file: 'f', prefix: 'DTHM_HOST_', root: HOST, vars: {}, log, ignored: (path, value) => (path[0] === 'name' ? `${value} is not used` : null) },
    );
    expect(layer.data).toEqual({});
    expect(log.errors).toEqual(['f:3 DTHM_HOST_PROT: unknown variable; did you mean DTHM_HOST_PORT?']);
    expect(log.warnings).toEqual(['f:4 DTHM_HOST_NAME: host01 is not used']);
  });
});

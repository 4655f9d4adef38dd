import { parseEnvFile } from '../../../src/sync/env-file.js';

describe('parseEnvFile: divtools env files (GAP-S6)', () => {
  const text = [
    '#### Site settings',
    'SITE_NUM=4',
    'SITE_NETWORK=10.${SITE_NUM}.0.0/20',
    'export ADS_DOMAIN="ads.example.org"',
    '  export DTHM_HOST_HOSTNAME=10.1.1.98   # the AD controller',
    "DTHM_HOST_KEY_PATH='${{SSH_KEY}}'",
    'DTHM_HOST_LOGS="${LOG_ROOT}/syslog,${APP}/x.log"',
    'DTHM_HOST_PORT=22',
    'DTHM_HOST_PORT=2222',
    'not an assignment',
    '',
  ].join('\n');
  const file = parseEnvFile('/s/.env.h', text, { LOG_ROOT: '/var/log', SITE_NUM: '9', HOME: '/root' });

  it('reads export lines, quotes and strips inline comments', () => {
    expect(file.vars.ADS_DOMAIN).toBe('ads.example.org');
    expect(file.dthm.find((l) => l.key === 'DTHM_HOST_HOSTNAME')).toEqual({ key: 'DTHM_HOST_HOSTNAME', value: '10.1.1.98', line: 5 });
  });

  it('interpolates the variables as bash would: the file first, then the levels below', () => {
    expect(file.vars.SITE_NETWORK).toBe('10.4.0.0/20');
    expect(file.vars.LOG_ROOT).toBe('/var/log');
    expect(file.vars.HOME).toBe('/root');
  });

  it('keeps DTHM values raw, ${VAR} and ${{VAR}} included, with the line of the last assignment', () => {
    expect(file.dthm.map((l) => [l.key, l.value, l.line])).toEqual([
      ['DTHM_HOST_HOSTNAME', '10.1.1.98', 5],
      ['DTHM_HOST_KEY_PATH', '${{SSH_KEY}}', 6],
      ['DTHM_HOST_LOGS', '${LOG_ROOT}/syslog,${APP}/x.log', 7],
      ['DTHM_HOST_PORT', '2222', 9],
    ]);
  });

  it('reports lines it cannot read with file and line', () => {
    expect(file.problems).toEqual(['/s/.env.h:10: ignored: expected KEY=value']);
  });
});

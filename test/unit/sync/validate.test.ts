import { validateSynced } from '../../../src/sync/validate.js';

describe('validateSynced: problems located where the value came from', () => {
  const entries = {
    hosts: new Map([
      [
        1,
        {
          label: 's01/web',
          origins: new Map([
            ['port', { file: '/sites/s01/web/.env.web', line: 3, variable: 'DTHM_HOST_PORT' }],
            ['logs', { file: '/sites/s01/web/dthm-web.yaml', line: 7 }],
          ]),
          userHint: 'add "user: <name>" to dthm-web.yaml',
        },
      ],
    ]),
    sites: new Map([['s01', { label: 'site s01', origins: new Map([['tags', { file: '/sites/s01/dthm-site.yaml', line: 2 }]]) }]]),
  };

  it('is empty for a valid config; ${VAR} may be unset', () => {
    expect(validateSynced('global:\n  user: ${RUN_USER}\nhosts:\n  - name: a\n    hostname: ${IP}\n    port: ${PORT}\n', '/c/dthostmon.yaml', entries)).toEqual([]);
  });

  it('names the folder file, line and variable of a synced value', () => {
    const text = 'global: {user: x}\nhosts:\n  - name: a\n    hostname: h\n  - name: web\n    hostname: w\n    port: 99999\n    logs: [relative]\n';
    expect(validateSynced(text, '/c/dthostmon.yaml', entries)).toEqual([
      '/sites/s01/web/.env.web:3 DTHM_HOST_PORT: expected an integer from 1 to 65535, got 99999 (hosts[1].port, s01/web)',
      '/sites/s01/web/dthm-web.yaml:7: expected an absolute path or glob such as /var/log/syslog, got "relative" (hosts[1].logs[0], s01/web)',
    ]);
  });

  it('a synced host without a user names the files that can set one', () => {
    expect(validateSynced('hosts:\n  - name: a\n    hostname: h\n    user: u\n  - name: web\n    hostname: w\n', '/c/dthostmon.yaml', entries)).toEqual([
      's01/web: no SSH user: add "user: <name>" to dthm-web.yaml',
    ]);
  });

  it('other problems name the config and the key (no line: the text is not written yet)', () => {
    expect(validateSynced('global: {user: x}\nsites:\n  s01: {tags: [""]}\nhosts:\n  - name: a\n    hostname: h\n    prot: 2\n', '/c/dthostmon.yaml', entries)).toEqual([
      '/sites/s01/dthm-site.yaml:2: must not be empty (sites.s01.tags[0], site s01)',
      '/c/dthostmon.yaml hosts[0].prot: unknown key; did you mean "port"?',
    ]);
  });
});

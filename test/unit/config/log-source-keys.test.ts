import { loadConfigText } from '../../../src/config/load.js';
import { INLINE_FILE } from './fixture.js';

const load = (text: string) => loadConfigText(text, INLINE_FILE, { env: {}, homeDir: '/home/me' });

describe('log source keys: journal, check_docker (and monitoring.check_docker), shell_history', () => {
  it('are off by default, with the 64 MiB per-source cap', () => {
    const [host] = load('hosts:\n  - {name: h1, transport: local}\n').hosts;
    expect(host).toMatchObject({ journal: false, docker: false, shellHistory: false, logMaxBytesPerPass: 64 * 1024 * 1024 });
    expect(host?.origin).toMatchObject({ journal: 'default', docker: 'default', shellHistory: 'default' });
  });

  it('inherit global -> site -> host, the lower level winning', () => {
    const { hosts } = load(
      [
        'global: {journal: yes, check_docker: true}',
        'sites:',
        '  s01: {journal: false, shell_history: on}',
        'hosts:',
        '  - {name: a, transport: local, site: s01}',
        '  - {name: b, transport: local, site: s01, journal: true, check_docker: no}',
        '  - {name: c, transport: local}',
      ].join('\n'),
    );
    expect(hosts.map((h) => [h.name, h.journal, h.docker, h.shellHistory])).toEqual([
      ['a', false, true, true],
      ['b', true, false, true],
      ['c', true, true, false],
    ]);
    expect(hosts[0]?.origin).toMatchObject({ journal: 'site', docker: 'global', shellHistory: 'site' });
  });

  it('reads the original sync-config monitoring.check_docker as the host level; the host check_docker wins', () => {
    const { hosts } = load(
      [
        'global: {check_docker: false}',
        'hosts:',
        '  - {name: a, transport: local, monitoring: {check_docker: true}}',
        '  - {name: b, transport: local, monitoring: {check_docker: true}, check_docker: false}',
      ].join('\n'),
    );
    expect(hosts.map((h) => [h.name, h.docker, h.origin.docker])).toEqual([
      ['a', true, 'host'],
      ['b', false, 'host'],
    ]);
  });
});

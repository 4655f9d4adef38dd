import { evaluateLogs, evaluateSudo, evaluateTools, type ScriptRuns } from '../../../src/setup/evaluate-checks.js';
import { parseChecksOutput } from '../../../src/setup/host-checks-script.js';
import type { ResolvedHost } from '../../../src/types.js';
import { makeHost } from '../../helpers/host.js';

const TOOLS_ALL = ['journalctl', 'docker', 'ss', 'dpkg-query', 'rpm', 'apk', 'sudo'];

/** What the checks script prints, built from parts. */
function output(parts: { uid?: number; user?: string; groups?: string; logs?: string[]; tools?: string[]; docker?: string } = {}): string {
  const present = new Set(parts.tools ?? ['journalctl', 'ss', 'dpkg-query', 'sudo']);
  return [
    `id ${parts.uid ?? 1001} ${parts.user ?? 'dtmon'}`,
    `groups ${parts.groups ?? 'dtmon'}`,
    ...(parts.logs ?? []),
    ...TOOLS_ALL.map((t) => `tool ${t} ${present.has(t) ? 'yes' : 'no'}`),
    ...(parts.docker ? [parts.docker] : []),
    '',
  ].join('\n');
}

const runs = (user: string, sudo: string | null = null, sudoFailure: string | null = null): ScriptRuns => ({
  user: { stdout: user, failure: null },
  sudo: sudo === null && sudoFailure === null ? null : { stdout: sudo ?? '', failure: sudoFailure },
});

const host = (over: Partial<ResolvedHost> = {}): ResolvedHost => makeHost({ logs: ['/var/log/auth.log'], origin: { logs: 'host' }, ...over });

describe('parsing the checks output', () => {
  it('reads identity, log lines with spaces in paths, tools and docker access, and ignores banners', () => {
    const parsed = parseChecksOutput(
      ['Welcome to web-01!', 'id 1001 dtmon', 'groups dtmon adm', 'log 0 unreadable root:adm:640 /var/log/my app.log', 'log x ok - /bad', 'tool ss yes', 'tool rpm no', 'docker-access fail permission denied while trying to connect'].join('\n'),
    );
    expect(parsed).toEqual({
      uid: 1001,
      user: 'dtmon',
      groups: ['dtmon', 'adm'],
      logs: [{ index: 0, state: 'unreadable', owner: 'root:adm:640', path: '/var/log/my app.log' }],
      tools: new Map([
        ['ss', true],
        ['rpm', false],
      ]),
      dockerAccess: { isOk: false, message: 'permission denied while trying to connect' },
    });
  });
});

describe('the sudo check', () => {
  it('is not run (and not failed) where sudo is off', () => {
    expect(evaluateSudo(host(), runs(output()))).toEqual({ status: 'skipped', summary: 'not used' });
    expect(evaluateSudo(host(), runs(output({ tools: [] })))).toEqual({ status: 'skipped', summary: 'not used (absent)' });
  });

  it('passes as root and fails a refusal with sudo\'s own reason and the fix', () => {
    expect(evaluateSudo(host({ sudo: true }), runs(output(), output({ uid: 0, user: 'root' })))).toEqual({ status: 'ok', summary: 'ok (root)' });
    const refusal = 'sudo -n refused: a password is required (allow NOPASSWD for "sh" for user dtmon, or set sudo: false)';
    expect(evaluateSudo(host({ sudo: true }), runs(output(), null, refusal))).toEqual({ status: 'fail', summary: 'refused', hint: `sudo: ${refusal}` });
    expect(evaluateSudo(host({ sudo: true }), runs(output(), null, 'sudo is not installed on the host (set sudo: false)')).summary).toBe('not installed');
  });
});

describe('the log check', () => {
  it('counts readable files and default logs the host does not have as fine', () => {
    const defaults = host({ logs: ['/var/log/syslog', '/var/log/secure'], origin: { logs: 'default' } });
    const result = evaluateLogs(defaults, runs(output({ logs: ['log 0 ok - /var/log/syslog', 'log 1 missing - /var/log/secure'] })));
    expect(result).toEqual({
      status: 'ok',
      summary: '1 readable, 1 absent',
      files: [
        { pattern: '/var/log/syslog', path: '/var/log/syslog', state: 'readable', via: 'user' },
        { pattern: '/var/log/secure', path: '/var/log/secure', state: 'absent', via: 'user' },
      ],
    });
  });

  it('fails a configured log that is missing, a glob matching nothing, a directory and an unreadable file, each with its hint', () => {
    const configured = host({ logs: ['/srv/app.log', '/srv/*.log', '/var/log/nginx', '/var/log/auth.log'] });
    const result = evaluateLogs(
      configured,
      runs(output({ logs: ['log 0 missing - /srv/app.log', 'log 2 notfile - /var/log/nginx', 'log 3 unreadable root:adm:640 /var/log/auth.log'] })),
    );
    expect(result.status).toBe('fail');
    expect(result.summary).toBe('2 missing, 1 unreadable, 1 not a file');
    expect(result.hint!.split('\n')).toEqual([
      '/srv/app.log does not exist on the host: fix logs in the config, or remove it',
      '/srv/*.log does not exist on the host (the glob matches no file): fix logs in the config, or remove it',
      '/var/log/nginx is not a regular file: list the log files themselves (a glob such as /var/log/nginx/*.log)',
      'dtmon cannot read /var/log/auth.log (root:adm mode 640): add it to group adm (usermod -aG adm dtmon; effective at its next login), or set sudo: true',
    ]);
  });

  it('judges the files as root when sudo: true works, and says the script failed when it did', () => {
    const sudoHost = host({ sudo: true });
    const asRoot = evaluateLogs(sudoHost, runs(output({ logs: ['log 0 unreadable root:adm:640 /var/log/auth.log'] }), output({ uid: 0, user: 'root', logs: ['log 0 ok - /var/log/auth.log'] })));
    expect(asRoot).toMatchObject({ status: 'ok', summary: '1 readable (sudo)', files: [{ via: 'sudo', state: 'readable' }] });
    const failed = evaluateLogs(host(), { user: { stdout: '', failure: 'timed out after 60 s' }, sudo: null });
    expect(failed).toEqual({ status: 'fail', summary: 'not checked', hint: 'the check script failed: timed out after 60 s', files: [] });
  });
});

describe('the tools check', () => {
  it('lists what is there when nothing the config needs is missing', () => {
    expect(evaluateTools(host(), runs(output()))).toMatchObject({ status: 'ok', summary: 'journalctl ss dpkg', dockerAccess: null });
  });

  it('fails journalctl and docker only when the config needs them, and warns about optional tools', () => {
    const needs = host({ journal: true, docker: true });
    const result = evaluateTools(needs, runs(output({ tools: [] })));
    expect(result.status).toBe('fail');
    expect(result.summary).toBe('no journalctl, no docker, no ss, no dpkg/rpm');
    expect(result.hint!.split('\n')).toEqual([
      'journal: true but journalctl is not installed: set journal: false for this host',
      'check_docker is on but docker is not installed: set check_docker: false for this host',
      'ss is not installed: listening ports are not tracked (install iproute2)',
      'no dpkg, rpm or apk: package changes are not tracked',
    ]);
    expect(evaluateTools(host({ trackChanges: false }), runs(output({ tools: [] })))).toMatchObject({ status: 'ok' });
  });

  it('fails a docker socket the user cannot use, and warns about a journal it can only partly read', () => {
    const docker = host({ docker: true, journal: true });
    const denied = evaluateTools(docker, runs(output({ tools: ['journalctl', 'docker', 'ss', 'dpkg-query'], docker: 'docker-access fail permission denied while trying to connect to the Docker daemon socket' })));
    expect(denied).toMatchObject({ status: 'fail', summary: 'docker: denied, journal: own entries only', dockerAccess: 'denied' });
    expect(denied.hint).toContain('dtmon cannot use the docker socket: add it to group docker (root-equivalent) or set sudo: true');
    const fine = evaluateTools(docker, runs(output({ groups: 'dtmon adm', tools: ['journalctl', 'docker', 'ss', 'rpm'], docker: 'docker-access ok' })));
    expect(fine).toMatchObject({ status: 'ok', summary: 'journalctl docker ss rpm', dockerAccess: 'ok' });
  });
});

import { loadConfigText } from '../../../src/config/load.js';
import { DEFAULT_WATCH_FILES } from '../../../src/collect/state-probe.js';
import { INLINE_FILE, textError } from './fixture.js';

const load = (text: string) => loadConfigText(text, INLINE_FILE, { env: {}, homeDir: '/home/me' });

describe('change detection keys', () => {
  it('default: changes tracked, the default watch list, no windows, no expected changes', () => {
    const [host] = load('hosts:\n  - {name: h1, hostname: h1, user: dtmon}\n').hosts;
    expect(host?.trackChanges).toBe(true);
    expect(host?.watchFiles).toEqual([...DEFAULT_WATCH_FILES]);
    expect(host?.maintenanceWindows).toEqual([]);
    expect(host?.expectedChanges).toEqual([]);
  });

  it('watch_files add to the defaults at every level; !path removes one; expected_changes of all levels apply', () => {
    const { hosts } = load(
      [
        'global:',
        '  user: dtmon',
        '  watch_files: [/etc/nginx/nginx.conf]',
        '  expected_changes: [{kind: package, subject: "linux-*", reason: unattended kernel updates}]',
        'sites:',
        '  s01: {watch_files: ["!/etc/resolv.conf"], track_changes: "no"}',
        'hosts:',
        '  - name: a',
        '    hostname: a',
        '    site: s01',
        '    watch_files: /srv/app/*.yml',
        '    expected_changes: [{kind: listener, subject: "tcp *:8080", action: added, reason: app}]',
        '    maintenance_windows: [{days: "sat-sun", start: "22:00", end: "02:00", timezone: Europe/Berlin, name: patch night}]',
      ].join('\n'),
    );
    const host = hosts[0]!;
    expect(host.trackChanges).toBe(false);
    expect(host.watchFiles).toContain('/etc/nginx/nginx.conf');
    expect(host.watchFiles).toContain('/srv/app/*.yml');
    expect(host.watchFiles).not.toContain('/etc/resolv.conf');
    expect(host.expectedChanges).toEqual([
      { kind: 'package', subject: 'linux-*', action: null, reason: 'unattended kernel updates' },
      { kind: 'listener', subject: 'tcp *:8080', action: 'added', reason: 'app' },
    ]);
    expect(host.maintenanceWindows).toEqual([
      { days: [0, 6], startMinute: 1320, endMinute: 120, timezone: 'Europe/Berlin', label: 'patch night (sat-sun 22:00-02:00 Europe/Berlin)' },
    ]);
  });

  it.each([
    ['maintenance_windows: [{start: "25:00", end: "02:00"}]', 'hosts[0].maintenance_windows[0].start', /time of day/],
    ['maintenance_windows: [{days: [funday], start: "01:00", end: "02:00"}]', 'hosts[0].maintenance_windows[0].days[0]', /weekday/],
    ['maintenance_windows: [{start: "01:00", end: "02:00", timezone: Mars/Olympus}]', 'hosts[0].maintenance_windows[0].timezone', /IANA time zone/],
    ['expected_changes: [{kind: packages, reason: x}]', 'hosts[0].expected_changes[0].kind', /one of/],
    ['expected_changes: [{kind: package}]', 'hosts[0].expected_changes[0].reason', /./],
    ['watch_files: [etc/hosts]', 'hosts[0].watch_files[0]', /absolute path/],
  ])('refuses %s, located at the value', (line, path, message) => {
    const err = textError(`hosts:\n  - name: a\n    hostname: a\n    user: u\n    ${line}\n`);
    expect(err.problems.map((p) => p.path)).toEqual([path]);
    expect(err.problems[0]?.message).toMatch(message);
  });
});

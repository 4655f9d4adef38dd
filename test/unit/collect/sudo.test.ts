import { describeSudoFailure, scriptCommand, sudoOptions } from '../../../src/collect/sudo.js';
import { makeHost } from '../../helpers/host.js';

const HINT = '(allow NOPASSWD for "sh" for user dtmon, or set sudo: false)';
const refused = (stderr: string, code = 1) => describeSudoFailure({ code, stderr, sawStdout: false }, 'dtmon');

describe('scriptCommand and sudoOptions', () => {
  it('sends the script to sh -s, or to sudo -n sh -s (never prompting) with sudo', () => {
    expect(scriptCommand(false)).toBe('sh -s');
    expect(scriptCommand(true)).toBe('sudo -n sh -s');
  });

  it('carries the host setting, and names the SSH user only for ssh hosts', () => {
    expect(sudoOptions(makeHost({ sudo: true }))).toEqual({ sudo: true, user: 'dtmon' });
    expect(sudoOptions(makeHost())).toEqual({ sudo: false, user: 'dtmon' });
    // The local transport runs as whoever runs dthostmon, whatever `user` says.
    expect(sudoOptions(makeHost({ transport: 'local', sudo: true }))).toEqual({ sudo: true });
  });
});

describe('describeSudoFailure', () => {
  it('turns sudo refusing to run sh into one clear line with the fix', () => {
    expect(refused('sudo: a password is required\n')).toBe(`sudo -n refused: a password is required ${HINT}`);
    expect(refused('sudo: sorry, you must have a tty to run sudo\n')).toBe(`sudo -n refused: sorry, you must have a tty to run sudo ${HINT}`);
    expect(refused("Sorry, user dtmon is not allowed to execute '/usr/bin/sh -s' as root on web-01.\n")).toBe(
      `sudo -n refused: user dtmon is not allowed to execute '/usr/bin/sh -s' as root on web-01 ${HINT}`,
    );
    expect(refused('dtmon is not in the sudoers file.  This incident will be reported.\n')).toBe(
      `sudo -n refused: dtmon is not in the sudoers file ${HINT}`,
    );
  });

  it('takes the last sudo line: warnings such as an unresolvable host name come before the refusal', () => {
    expect(refused('sudo: unable to resolve host web-01: Name or service not known\nsudo: a password is required\n')).toBe(
      `sudo -n refused: a password is required ${HINT}`,
    );
  });

  it('says so when sudo is not installed, whatever the login shell', () => {
    for (const stderr of ['bash: line 1: sudo: command not found\n', 'sh: 1: sudo: not found\n', 'zsh:1: command not found: sudo\n']) {
      expect(refused(stderr, 127)).toBe('sudo is not installed on the host (set sudo: false)');
    }
    expect(refused('sh: 1: sh: not found\n', 127)).toBeNull();
  });

  it('leaves failures that are not sudo refusing alone', () => {
    // sh ran: the script failed, whatever it printed on stderr.
    expect(describeSudoFailure({ code: 1, stderr: 'sudo: a password is required\n', sawStdout: true }, 'dtmon')).toBeNull();
    expect(refused('cat: /var/log/x: Permission denied\n')).toBeNull();
    expect(refused('sudo: a password is required\n', 2)).toBeNull();
    expect(refused('')).toBeNull();
  });

  it('keeps the line short and free of control characters, and names the local account generically', () => {
    const line = describeSudoFailure({ code: 1, stderr: `sudo: \u001b[31mno\u001b[0m ${'x'.repeat(500)}\r\n`, sawStdout: false });
    expect(line).toMatch(/^sudo -n refused: no x+… \(allow NOPASSWD for "sh" for the user dthostmon runs as, or set sudo: false\)$/);
    expect(line?.length).toBeLessThan(260);
    expect(line).not.toMatch(/[\u0000-\u001f]/);
  });
});

import { Chalk } from 'chalk';
import { formatKeyResults, formatSetupHints, formatSetupSummary, formatSetupTable, setupJson } from '../../../src/setup/format-setup.js';
import type { HostSetupResult } from '../../../src/setup/types.js';

const plain = new Chalk({ level: 0 });
const FINGERPRINT = 'SHA256:ZXMARX1Cv29quP+yYxmA+nAJdS8y3sezFytd62k0JkM';

const ok: HostSetupResult = {
  name: 'web-01',
  target: 'dtmon@10.0.0.5:22',
  transport: 'ssh',
  status: 'ok',
  connect: { status: 'ok', summary: 'ok' },
  hostKey: { status: 'ok', summary: 'known_hosts', algorithm: 'ssh-ed25519', fingerprint: FINGERPRINT, source: 'known_hosts' },
  auth: { status: 'ok', summary: 'key', problem: null },
  sudo: { status: 'skipped', summary: 'not used' },
  logs: { status: 'ok', summary: '2 readable, 4 absent', files: [] },
  tools: { status: 'ok', summary: 'journalctl ss dpkg', found: { journalctl: true, docker: false, ss: true, dpkg: true, rpm: false, apk: false }, dockerAccess: null },
};

const refused: HostSetupResult = {
  ...ok,
  name: 'db-01',
  target: 'dtmon@10.0.0.6:22',
  status: 'fail',
  auth: { status: 'fail', summary: 'refused', problem: 'refused', hint: 'dtmon@10.0.0.6 does not accept /k: run `dthostmon setup --push-keys`' },
  sudo: { status: 'skipped', summary: '-' },
  logs: { status: 'skipped', summary: '-', files: [] },
  tools: { status: 'skipped', summary: '-', found: null, dockerAccess: null },
  push: { status: 'password-rejected', detail: 'password rejected by dtmon@10.0.0.6' },
};

const warned: HostSetupResult = {
  ...ok,
  name: 'app-01',
  status: 'warn',
  tools: { ...ok.tools, status: 'warn', summary: 'no ss', hint: 'ss is not installed: listening ports are not tracked (install iproute2)' },
};

describe('setup output', () => {
  it('prints one row per host with the fingerprint under the host key status', () => {
    const lines = formatSetupTable([ok, refused], plain).split('\n');
    expect(lines[1]).toMatch(/Host\s+│ Target\s+│ Connect │ Host key\s+│ Auth\s+│ Sudo\s+│ Logs\s+│ Tools/);
    expect(lines.find((l) => l.includes('web-01'))).toMatch(/web-01 .* ok .* known_hosts .* key .* not used .* 2 readable, 4 absent .* journalctl ss dpkg/);
    expect(lines.some((l) => l.includes(FINGERPRINT))).toBe(true);
    expect(lines.find((l) => l.includes('db-01'))).toContain('✗ refused');
  });

  it('lists each problem of each host that has one, with the key push outcome', () => {
    expect(formatSetupHints([ok, refused, warned], plain)).toBe(
      [
        'db-01 (dtmon@10.0.0.6:22):',
        '  ✗ Auth: dtmon@10.0.0.6 does not accept /k: run `dthostmon setup --push-keys`',
        '  ✗ Key push: password rejected by dtmon@10.0.0.6',
        '',
        'app-01 (dtmon@10.0.0.5:22):',
        '  ! Tools: ss is not installed: listening ports are not tracked (install iproute2)',
      ].join('\n'),
    );
    expect(formatSetupHints([ok, refused, warned], plain, { onlyFailures: true })).not.toContain('app-01');
  });

  it('sums up', () => {
    expect(formatSetupSummary([ok])).toBe('All 1 host ready for dthostmon run.');
    expect(formatSetupSummary([ok, refused, warned])).toBe('3 hosts checked: 1 ready, 1 with warnings, 1 failed.');
    const pushed = { ...ok, push: { status: 'installed' as const, detail: 'key added to ~/.ssh/authorized_keys' } };
    expect(formatSetupSummary([pushed, ok])).toBe('All 2 hosts ready for dthostmon run; key installed on 1 host.');
  });

  it('shows what --generate-key did, with the public key', () => {
    const text = formatKeyResults(
      [
        { path: '/k', status: 'created', detail: 'created /k (Ed25519) and /k.pub', publicKey: 'ssh-ed25519 AAAA x@y', fingerprint: FINGERPRINT },
        { path: '/e', status: 'exists', detail: '/e exists: left unchanged', publicKey: null, fingerprint: null },
        { path: '/f', status: 'failed', detail: 'cannot create /f: permission denied', publicKey: null, fingerprint: null },
      ],
      plain,
    );
    expect(text).toBe(
      [`✓ created /k (Ed25519) and /k.pub (${FINGERPRINT})`, '  public key: ssh-ed25519 AAAA x@y', '/e exists: left unchanged', '✗ cannot create /f: permission denied'].join('\n'),
    );
  });

  it('--json carries the results and a summary', () => {
    const doc = JSON.parse(setupJson({ config: '/etc/dthostmon.yaml', keys: null, notes: [], hosts: [ok, refused] })) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['config', 'notes', 'hosts', 'summary']);
    expect(doc.summary).toEqual({ hosts: 2, ok: 1, warn: 0, fail: 1 });
    expect(doc.hosts).toEqual([ok, refused]);
  });
});

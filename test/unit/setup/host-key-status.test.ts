import ssh2 from 'ssh2';
import { fingerprintSha256 } from '../../../src/collect/host-key-policy.js';
import { parseKnownHosts } from '../../../src/collect/known-hosts.js';
import { hostKeyCheckFor, hostKeyStatus } from '../../../src/setup/host-key-status.js';
import { newEd25519KeyPair } from '../../../src/setup/generate-key.js';
import type { AcceptedHostKey, PinnedHostKey } from '../../../src/types.js';
import { makeHost } from '../../helpers/host.js';

function hostKey(): AcceptedHostKey {
  const blob = ssh2.utils.parseKey(newEd25519KeyPair('test').public) as ssh2.ParsedKey;
  const raw = blob.getPublicSSH();
  return { algorithm: 'ssh-ed25519', key: raw.toString('base64'), fingerprint: fingerprintSha256(raw) };
}

const pin = (key: AcceptedHostKey): PinnedHostKey => ({ ...key, firstSeen: '2026-01-02T03:04:05Z', lastSeen: '2026-01-02T03:04:05Z' });

describe('the host key check', () => {
  const presented = hostKey();
  const other = hostKey();
  const host = makeHost({ hostname: '10.0.0.5', port: 2222 });
  const known = (key: AcceptedHostKey, marker = '') => parseKnownHosts(`${marker}[10.0.0.5]:2222 ${key.algorithm} ${key.key}\n`, '/home/m/.ssh/known_hosts');
  const none = parseKnownHosts('', '/home/m/.ssh/known_hosts');

  it('is ok when known_hosts or the store knows the key', () => {
    expect(hostKeyStatus(host, presented, hostKeyCheckFor(host, known(presented), []))).toEqual({
      status: 'ok',
      summary: 'known_hosts',
      source: 'known_hosts',
      algorithm: 'ssh-ed25519',
      fingerprint: presented.fingerprint,
    });
    expect(hostKeyStatus(host, presented, hostKeyCheckFor(host, none, [pin(presented)]))).toMatchObject({ status: 'ok', source: 'pinned' });
  });

  it('announces a new key under accept-new, with how to verify it, and does not pin it', () => {
    const result = hostKeyStatus(host, presented, hostKeyCheckFor(host, none, []));
    expect(result).toMatchObject({ status: 'warn', summary: 'new', source: 'new' });
    expect(result.hint).toBe(
      `new host key ${presented.fingerprint} (ssh-ed25519): will be pinned on the first run (accept-new); ` +
        'compare it with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` run on the host, or add it to known_hosts now: ' +
        'ssh-keyscan -p 2222 -t ssh-ed25519 10.0.0.5 >> /home/m/.ssh/known_hosts',
    );
  });

  it('fails an unknown key under strict with the ssh-keyscan line', () => {
    const strict = makeHost({ hostname: 'web-01', port: 22, ssh: { keyPath: null, connectTimeoutMs: 1000, hostKeyPolicy: 'strict' } });
    const result = hostKeyStatus(strict, presented, hostKeyCheckFor(strict, none, [pin(presented)]));
    expect(result).toMatchObject({ status: 'fail', summary: 'unknown (strict)', source: null, fingerprint: presented.fingerprint });
    expect(result.hint).toContain('ssh.host_key_policy is strict and /home/m/.ssh/known_hosts has no key for web-01:22');
    expect(result.hint).toMatch(/then ssh-keyscan -t ssh-ed25519 web-01 >> \/home\/m\/\.ssh\/known_hosts$/);
  });

  it('fails a changed key, naming what it was known as, whether from known_hosts or a pin', () => {
    const fromFile = hostKeyStatus(host, presented, hostKeyCheckFor(host, known(other), []));
    expect(fromFile).toMatchObject({ status: 'fail', summary: 'CHANGED' });
    expect(fromFile.hint).toContain(`the server presented ${presented.fingerprint}, expected ${other.fingerprint} (/home/m/.ssh/known_hosts:1)`);
    const fromPin = hostKeyStatus(host, presented, hostKeyCheckFor(host, none, [pin(other)]));
    expect(fromPin.hint).toContain(`expected ${other.fingerprint} (pinned 2026-01-02T03:04:05Z)`);
  });

  it('fails a revoked key', () => {
    const result = hostKeyStatus(host, presented, hostKeyCheckFor(host, known(presented, '@revoked '), []));
    expect(result).toMatchObject({ status: 'fail', summary: 'revoked' });
    expect(result.hint).toContain('@revoked in /home/m/.ssh/known_hosts');
  });
});

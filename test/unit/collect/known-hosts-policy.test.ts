import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import {
  decideHostKey,
  fingerprintSha256,
  HostKeyChangedError,
  HostKeyRefusedError,
  preferredHostKeyAlgorithms,
  type HostKeyCheck,
} from '../../../src/collect/host-key-policy.js';
import type { KnownHostKey } from '../../../src/collect/known-hosts.js';
import { findHostKeyChange } from '../../../src/pass/host-results.js';
import type { PinnedHostKey } from '../../../src/types.js';

let dir: string;
/** Two real Ed25519 public key blobs and their ssh-keygen fingerprints. */
const keys: Array<{ blob: Buffer; base64: string; fingerprint: string }> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dthm-hkp-'));
  for (const name of ['a', 'b']) {
    const path = join(dir, name);
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
    const base64 = (await readFile(`${path}.pub`, 'utf8')).split(' ')[1] as string;
    const { stdout } = await execa('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`]);
    keys.push({ blob: Buffer.from(base64, 'base64'), base64, fingerprint: stdout.split(' ')[1] as string });
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const known = (base64: string, marker: KnownHostKey['marker'] = null): KnownHostKey => ({
  line: 3,
  marker,
  hosts: 'web-01',
  algorithm: 'ssh-ed25519',
  key: base64,
  file: '/k/known_hosts',
});
const pin = (i: number): PinnedHostKey => ({
  algorithm: 'ssh-ed25519',
  key: keys[i]!.base64,
  fingerprint: keys[i]!.fingerprint,
  firstSeen: '2026-01-01T00:00:00.000Z',
  lastSeen: '2026-01-02T00:00:00.000Z',
});
const check = (over: Partial<HostKeyCheck> = {}): HostKeyCheck => ({
  target: 'ssh dtmon@web-01:22',
  policy: 'accept-new',
  knownHostsFile: '/k/known_hosts',
  knownHostKeys: [],
  pinned: [],
  ...over,
});

describe('fingerprintSha256', () => {
  it('is what ssh-keygen -l prints', () => {
    for (const k of keys) expect(fingerprintSha256(k.blob)).toBe(k.fingerprint);
  });
});

describe('decideHostKey', () => {
  it('accept-new: accepts an unknown host and returns the key to pin', () => {
    const [a] = keys;
    expect(decideHostKey(a!.blob, check())).toEqual({
      isAccepted: true,
      key: { algorithm: 'ssh-ed25519', key: a!.base64, fingerprint: a!.fingerprint },
    });
  });

  it('accepts the pinned key and refuses another one with both fingerprints', () => {
    const [a, b] = keys;
    expect(decideHostKey(a!.blob, check({ pinned: [pin(0)] })).isAccepted).toBe(true);
    const refused = decideHostKey(b!.blob, check({ pinned: [pin(0)] }));
    expect(refused.isAccepted).toBe(false);
    const err = (refused as { error: Error }).error as HostKeyChangedError;
    expect(err).toBeInstanceOf(HostKeyChangedError);
    expect(err.retryable).toBe(false);
    expect(err.message).toBe(
      `ssh dtmon@web-01:22: host key changed: expected ${a!.fingerprint} (ssh-ed25519, pinned 2026-01-01T00:00:00.000Z), ` +
        `the server presented ${b!.fingerprint} (ssh-ed25519); refused before authentication, nothing was collected ` +
        '(if the change is expected, update known_hosts or remove the pin)',
    );
    expect(err.message).not.toContain(a!.base64);
    expect(err.message).not.toContain(b!.base64);
  });

  it('known_hosts wins over a pin: its key is accepted (and re-pinned), a different key is a change', () => {
    const [a, b] = keys;
    expect(decideHostKey(b!.blob, check({ knownHostKeys: [known(b!.base64)], pinned: [pin(0)] }))).toMatchObject({
      isAccepted: true,
      key: { fingerprint: b!.fingerprint },
    });
    const refused = decideHostKey(b!.blob, check({ knownHostKeys: [known(a!.base64)] }));
    expect((refused as { error: Error }).error.message).toContain(`expected ${a!.fingerprint} (ssh-ed25519, /k/known_hosts:3)`);
  });

  it('strict: refuses a host without a known_hosts entry even when pinned, accepts one with it', () => {
    const [a] = keys;
    const refused = decideHostKey(a!.blob, check({ policy: 'strict', pinned: [pin(0)] }));
    const err = (refused as { error: Error }).error;
    expect(err).toBeInstanceOf(HostKeyRefusedError);
    expect(err.message).toBe(
      `ssh dtmon@web-01:22: host key ${a!.fingerprint} (ssh-ed25519) is not in known_hosts /k/known_hosts and ssh.host_key_policy ` +
        'is strict (keys pinned in the store are not enough): add it, e.g. with ssh-keyscan',
    );
    expect(decideHostKey(a!.blob, check({ policy: 'strict', knownHostKeys: [known(a!.base64)] })).isAccepted).toBe(true);
  });

  it('refuses a key marked @revoked, whatever else vouches for it', () => {
    const [a] = keys;
    const refused = decideHostKey(a!.blob, check({ knownHostKeys: [known(a!.base64, 'revoked'), known(a!.base64)], pinned: [pin(0)] }));
    expect((refused as { error: Error }).error.message).toBe(
      `ssh dtmon@web-01:22: host key ${a!.fingerprint} (ssh-ed25519) is marked @revoked in /k/known_hosts`,
    );
  });
});

describe('preferredHostKeyAlgorithms', () => {
  it('offers known key types first, RSA with SHA-2 signatures', () => {
    expect(preferredHostKeyAlgorithms(['ssh-rsa']).slice(0, 4)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
    expect(preferredHostKeyAlgorithms([])[0]).toBe('ssh-ed25519');
    expect(new Set(preferredHostKeyAlgorithms(['ssh-ed25519', 'ssh-ed25519'])).size).toBe(7);
  });
});

describe('findHostKeyChange', () => {
  it('finds the change behind a wrapper (a retry error keeps it as cause), and nothing else', () => {
    const change = new HostKeyChangedError('ssh x@h:22', 'ssh-ed25519', [{ fingerprint: 'SHA256:a', algorithm: 'ssh-ed25519', knownFrom: 'k:1' }], 'SHA256:b');
    expect(findHostKeyChange(change)).toBe(change);
    expect(findHostKeyChange(new Error('ssh x@h:22: host key changed (not retried)', { cause: change }))).toBe(change);
    expect(findHostKeyChange(new Error('connection refused'))).toBeNull();
    expect(findHostKeyChange('text')).toBeNull();
  });
});

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { findKnownHostKeys, knownHostsName, parseKnownHosts, readKnownHosts } from '../../../src/collect/known-hosts.js';

const ED = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const RSA = 'AAAAB3NzaC1yc2EAAAADAQABAAABAQC7';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dthm-kh-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('knownHostsName', () => {
  it('is the bare host on port 22 and [host]:port otherwise, lower case', () => {
    expect(knownHostsName('Web-01.Example.org', 22)).toBe('web-01.example.org');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });
});

describe('parseKnownHosts and findKnownHostKeys', () => {
  const text = [
    '# comment',
    '',
    `web-01,10.0.0.5 ssh-ed25519 ${ED} root@web-01`,
    `web-01 ssh-rsa ${RSA}`,
    `[127.0.0.1]:2222 ssh-ed25519 ${ED}`,
    `*.example.org,!bad.example.org ssh-ed25519 ${ED}`,
    `@revoked db-0? ssh-ed25519 ${ED}`,
    `@cert-authority *.example.org ssh-ed25519 ${ED}`,
    '@unknown-marker web-01 ssh-ed25519 AAAA',
    'malformed-line-without-key ssh-ed25519',
    `web-02 ssh-ed25519 not*base64`,
  ].join('\n');
  const known = parseKnownHosts(text, '/k/known_hosts');

  it('keeps key lines with their line numbers and skips comments, unknown markers and malformed lines', () => {
    expect(known.entries.map((e) => [e.line, e.marker, e.hosts])).toEqual([
      [3, null, 'web-01,10.0.0.5'],
      [4, null, 'web-01'],
      [5, null, '[127.0.0.1]:2222'],
      [6, null, '*.example.org,!bad.example.org'],
      [7, 'revoked', 'db-0?'],
      [8, 'cert-authority', '*.example.org'],
    ]);
  });

  it('finds every key type of a host, and only on its port', () => {
    expect(findKnownHostKeys(known, 'WEB-01', 22).map((k) => [k.algorithm, k.line, k.file])).toEqual([
      ['ssh-ed25519', 3, '/k/known_hosts'],
      ['ssh-rsa', 4, '/k/known_hosts'],
    ]);
    expect(findKnownHostKeys(known, 'web-01', 2222)).toEqual([]);
    expect(findKnownHostKeys(known, '127.0.0.1', 2222).map((k) => k.line)).toEqual([5]);
    expect(findKnownHostKeys(known, '127.0.0.1', 22)).toEqual([]);
  });

  it('applies wildcards and negations, and never matches a @cert-authority line', () => {
    expect(findKnownHostKeys(known, 'app.example.org', 22).map((k) => k.line)).toEqual([6]);
    expect(findKnownHostKeys(known, 'bad.example.org', 22)).toEqual([]);
    expect(findKnownHostKeys(known, 'db-01', 22).map((k) => [k.line, k.marker])).toEqual([[7, 'revoked']]);
    expect(findKnownHostKeys(known, 'db-011', 22)).toEqual([]);
  });
});

describe('readKnownHosts', () => {
  it('matches entries hashed by ssh-keygen -H, with and without a port', async () => {
    const path = join(dir, 'hashed');
    await writeFile(path, `web-01 ssh-ed25519 ${ED}\n[127.0.0.1]:2222 ssh-ed25519 ${ED}\n`);
    await execa('ssh-keygen', ['-H', '-f', path]);
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('web-01');
    expect(text).toMatch(/^\|1\|/);
    const known = await readKnownHosts(path);
    expect(findKnownHostKeys(known, 'web-01', 22).map((k) => k.line)).toEqual([1]);
    expect(findKnownHostKeys(known, '127.0.0.1', 2222).map((k) => k.line)).toEqual([2]);
    expect(findKnownHostKeys(known, 'web-02', 22)).toEqual([]);
  });

  it('treats a missing file as empty', async () => {
    await expect(readKnownHosts(join(dir, 'missing'))).resolves.toEqual({ file: join(dir, 'missing'), entries: [] });
  });

  it('refuses a file it cannot read instead of ignoring it', async () => {
    await expect(readKnownHosts(dir)).rejects.toThrow(`cannot read known_hosts ${dir}: EISDIR`);
  });
});

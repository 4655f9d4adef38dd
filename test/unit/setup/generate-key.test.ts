import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { loadClientKey } from '../../../src/collect/ssh-keys.js';
import ssh2 from 'ssh2';
import { generateKey, newEd25519KeyPair } from '../../../src/setup/generate-key.js';

describe('--generate-key', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dthm-keygen-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('every generated key parses again, also those whose public key starts with a zero byte (ssh2#1513)', async () => {
    let zeroLeading: ReturnType<typeof newEd25519KeyPair> | null = null;
    // ssh2's own generator fails about 1 in 256 here: 3,000 keys would see ~12 failures.
    for (let i = 0; i < 3000; i += 1) {
      const pair = newEd25519KeyPair('dthostmon@test');
      const priv = ssh2.utils.parseKey(pair.private);
      const pub = ssh2.utils.parseKey(pair.public);
      if (priv instanceof Error || pub instanceof Error) throw new Error(`key ${i} does not parse: ${pair.public}`);
      expect(priv.getPublicSSH().equals(pub.getPublicSSH())).toBe(true);
      // Bytes 0-18 of the blob are the length and "ssh-ed25519" and the key's length; byte 19 is the key's first.
      if (Buffer.from(pair.public.split(' ')[1] as string, 'base64')[19] === 0) zeroLeading ??= pair;
    }
    expect(zeroLeading).not.toBeNull();
    const keyPath = join(dir, 'zero');
    await writeFile(keyPath, zeroLeading!.private, { mode: 0o600 });
    expect((await execa('ssh-keygen', ['-y', '-f', keyPath])).stdout.split(' ').slice(0, 2)).toEqual(zeroLeading!.public.split(' ').slice(0, 2));
  });

  it('creates an OpenSSH Ed25519 key (0600), its .pub (0644) and the directory (0700), whatever the umask', async () => {
    const keyPath = join(dir, 'new/.ssh/id_ed25519');
    const umask = process.umask(0o077);
    let result;
    try {
      result = await generateKey(keyPath, 'dthostmon@monitor-1');
    } finally {
      process.umask(umask);
    }
    expect(result.detail).toBe(`created ${keyPath} (Ed25519) and ${keyPath}.pub`);
    expect(result).toMatchObject({ path: keyPath, status: 'created', publicKey: expect.stringMatching(/^ssh-ed25519 AAAA\S+ dthostmon@monitor-1$/) });
    expect((await stat(keyPath)).mode & 0o777).toBe(0o600);
    expect((await stat(`${keyPath}.pub`)).mode & 0o777).toBe(0o644);
    expect((await stat(join(dir, 'new/.ssh'))).mode & 0o777).toBe(0o700);
    // OpenSSH reads it: the public half it derives is the .pub we wrote, and the fingerprints agree.
    const derived = (await execa('ssh-keygen', ['-y', '-f', keyPath])).stdout.trim();
    expect(derived).toBe((await readFile(`${keyPath}.pub`, 'utf8')).trim());
    expect(derived).toBe(result.publicKey);
    const listed = (await execa('ssh-keygen', ['-lf', keyPath])).stdout;
    expect(listed).toBe(`256 ${result.fingerprint} dthostmon@monitor-1 (ED25519)`);
    // And the transport's own key loader accepts it.
    expect((await loadClientKey(keyPath)).type).toBe('ssh-ed25519');
  });

  it('leaves an existing key untouched and says so', async () => {
    const keyPath = join(dir, 'id_ed25519');
    const first = await generateKey(keyPath, 'dthostmon@a');
    const before = await readFile(keyPath, 'utf8');
    const second = await generateKey(keyPath, 'dthostmon@b');
    expect(second).toEqual({ path: keyPath, status: 'exists', detail: `${keyPath} exists: left unchanged`, publicKey: first.publicKey, fingerprint: first.fingerprint });
    expect(await readFile(keyPath, 'utf8')).toBe(before);
  });

  it('refuses to replace a lone .pub, and says why it cannot write', async () => {
    const keyPath = join(dir, 'id_ed25519');
    await writeFile(`${keyPath}.pub`, 'ssh-ed25519 AAAA someone\n');
    expect(await generateKey(keyPath, 'dthostmon@a')).toMatchObject({ status: 'failed', detail: `${keyPath}.pub exists without ${keyPath}: move it away first` });
    expect(await readFile(`${keyPath}.pub`, 'utf8')).toBe('ssh-ed25519 AAAA someone\n');
    const blocked = join(dir, 'file');
    await writeFile(blocked, '');
    expect(await generateKey(join(blocked, 'id_ed25519'), 'x')).toMatchObject({ status: 'failed', detail: `cannot create ${join(blocked, 'id_ed25519')}: a parent is not a directory` });
  });
});

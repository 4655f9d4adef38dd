import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ClientKeyError, keyStrength, loadClientKey } from '../../../src/collect/ssh-keys.js';

/** Real keys from ssh-keygen, one per case, in a private temp directory. */
let dir: string;
const key = async (name: string, args: string[], passphrase = ''): Promise<string> => {
  const path = join(dir, name);
  await execa('ssh-keygen', ['-q', ...args, '-N', passphrase, '-C', name, '-f', path]);
  return path;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dthm-keys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadClientKey (NR-SEC-001)', () => {
  it.each([
    ['Ed25519', ['-t', 'ed25519']],
    ['RSA 4096 bits', ['-t', 'rsa', '-b', '4096']],
    ['ECDSA 256 bits', ['-t', 'ecdsa', '-b', '256']],
    ['ECDSA 521 bits', ['-t', 'ecdsa', '-b', '521']],
  ])('accepts %s', async (label, args) => {
    const path = await key(`ok-${label.replace(/\W/g, '')}`, args);
    const parsed = await loadClientKey(path);
    expect(keyStrength(parsed.getPublicSSH())).toEqual({ isAccepted: true, label });
  }, 30_000);

  it('refuses RSA 2048 with one line naming the file and why', async () => {
    const path = await key('rsa2048', ['-t', 'rsa', '-b', '2048']);
    const err = await loadClientKey(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClientKeyError);
    expect((err as ClientKeyError).retryable).toBe(false);
    expect((err as Error).message).toBe(
      `refused private key ${path}: RSA 2048 bits: too weak (use Ed25519, ECDSA >= 256 bits or RSA >= 4096 bits) (NR-SEC-001)`,
    );
  });

  it('refuses a DSA key', async () => {
    const path = await key('dsa', ['-t', 'dsa']).catch(() => null);
    if (path === null) {
      // ssh-keygen built without DSA (OpenSSH >= 9.8 by default): check the blob rule instead.
      const blob = Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from('ssh-dss')]);
      expect(keyStrength(blob)).toMatchObject({ isAccepted: false, label: 'DSA' });
      return;
    }
    await expect(loadClientKey(path)).rejects.toThrow(`refused private key ${path}: DSA: DSA keys are too weak`);
  });

  it('refuses a key file readable by group or others, as OpenSSH does', async () => {
    const path = await key('open', ['-t', 'ed25519']);
    await chmod(path, 0o644);
    await expect(loadClientKey(path)).rejects.toThrow(`permissions 0644 for '${path}' are too open`);
    await chmod(path, 0o640);
    await expect(loadClientKey(path)).rejects.toThrow(`permissions 0640 for '${path}' are too open`);
    await chmod(path, 0o600);
    await expect(loadClientKey(path)).resolves.toBeDefined();
  });

  it('names a missing file and a directory', async () => {
    await expect(loadClientKey(join(dir, 'nope'))).rejects.toThrow(`cannot read private key ${join(dir, 'nope')}: no such file`);
    await expect(loadClientKey(dir)).rejects.toThrow(`cannot read private key ${dir}: is a directory`);
  });

  it('decrypts an encrypted key with the passphrase, and never prints it', async () => {
    const secret = 'correct horse battery';
    const path = await key('encrypted', ['-t', 'ed25519'], secret);
    await expect(loadClientKey(path, { envName: 'DTHM_PASS' })).rejects.toThrow(
      `cannot use private key ${path}: the key is encrypted and DTHM_PASS (ssh.key_passphrase_env) is not set`,
    );
    await expect(loadClientKey(path)).rejects.toThrow('name the environment variable holding its passphrase in ssh.key_passphrase_env');
    const wrong = await loadClientKey(path, { envName: 'DTHM_PASS', value: 'wrong guess' }).catch((e: Error) => e);
    expect((wrong as Error).message).toBe(`cannot use private key ${path}: wrong passphrase in DTHM_PASS`);
    expect((wrong as Error).message).not.toContain('wrong guess');
    const parsed = await loadClientKey(path, { envName: 'DTHM_PASS', value: secret });
    expect(parsed.type).toBe('ssh-ed25519');
    const body = (await readFile(path, 'utf8')).split('\n').filter((l) => l && !l.startsWith('-----'));
    expect((wrong as Error).message).not.toContain(body[0]);
  });
});

describe('keyStrength', () => {
  it('counts the RSA modulus bits, not the bytes', () => {
    // string "ssh-rsa", mpint e = 65537, mpint n with a leading zero byte and a top bit set: 4096 bits.
    const mpint = (bytes: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, (bytes.length >> 8) & 0xff, bytes.length & 0xff]), bytes]);
    const n4096 = Buffer.concat([Buffer.from([0]), Buffer.alloc(512, 0xff)]);
    const n4095 = Buffer.concat([Buffer.from([0x7f]), Buffer.alloc(511, 0xff)]);
    const blob = (n: Buffer): Buffer => Buffer.concat([mpint(Buffer.from('ssh-rsa')), mpint(Buffer.from([1, 0, 1])), mpint(n)]);
    expect(keyStrength(blob(n4096))).toEqual({ isAccepted: true, label: 'RSA 4096 bits' });
    expect(keyStrength(blob(n4095))).toMatchObject({ isAccepted: false, label: 'RSA 4095 bits' });
  });

  it('refuses unknown key types', () => {
    const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-unknown')]);
    expect(keyStrength(blob)).toMatchObject({ isAccepted: false, label: 'ssh-unknown', why: expect.stringContaining('unsupported key type') });
  });
});

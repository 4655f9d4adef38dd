/**
 * `--generate-key`: an OpenSSH Ed25519 key pair for the monitor, made with ssh2 (no ssh-keygen needed on the
 * monitoring machine). An existing key is never touched; a new one is written exclusively (`wx`), so a key created
 * at the same moment by someone else is not overwritten either.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import ssh2 from 'ssh2';
import { errorMessage } from '../errors.js';
import { fingerprintSha256 } from '../collect/host-key-policy.js';
import { loadClientKey } from '../collect/ssh-keys.js';
import type { KeyGenerationResult } from './types.js';

const { utils } = ssh2;

/** The public key line and fingerprint of an `ssh-... AAAA... comment` line, or null when it does not parse. */
function describePublicKey(line: string): { publicKey: string; fingerprint: string } | null {
  const parsed = utils.parseKey(line.trim());
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error) return null;
  return { publicKey: line.trim(), fingerprint: fingerprintSha256(key.getPublicSSH()) };
}

/** An SSH wire-format string: uint32 length, then the bytes. */
function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/**
 * A new Ed25519 key pair in OpenSSH's formats (PROTOCOL.key: unencrypted `openssh-key-v1`, and the `ssh-ed25519
 * AAAA... comment` line), from node:crypto. Not ssh2's generateKeyPairSync: it strips leading zero bytes from the
 * public key, so about 1 key in 256 cannot be parsed again (mscdex/ssh2#1513), which made setup fail at random.
 */
export function newEd25519KeyPair(comment: string): { private: string; public: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d as string, 'base64url');
  const pub = Buffer.from(jwk.x as string, 'base64url');
  const publicBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = randomBytes(4);
  let section = Buffer.concat([check, check, sshString('ssh-ed25519'), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  // Padded with 1, 2, 3, ... to the cipher block size (8 for "none").
  const padding = Buffer.from(Array.from({ length: (8 - (section.length % 8)) % 8 }, (_, i) => i + 1));
  section = Buffer.concat([section, padding]);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(1);
  const body = Buffer.concat([Buffer.from('openssh-key-v1\0', 'latin1'), sshString('none'), sshString('none'), sshString(''), count, sshString(publicBlob), sshString(section)]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return {
    private: `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`,
    public: `ssh-ed25519 ${publicBlob.toString('base64')} ${comment}`,
  };
}

/** Whether something is at `path`; any other failure than "no such file" (permission, not a directory) throws. */
async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
}

const WHY: Record<string, string> = { EACCES: 'permission denied', EPERM: 'permission denied', ENOTDIR: 'a parent is not a directory', EROFS: 'read-only file system' };

/** What is at an existing key path: its public half when the `.pub` next to it reads. */
async function existing(keyPath: string): Promise<KeyGenerationResult> {
  const pub = await readFile(`${keyPath}.pub`, 'utf8').catch(() => null);
  const described = pub === null ? null : describePublicKey(pub);
  return {
    path: keyPath,
    status: 'exists',
    detail: `${keyPath} exists: left unchanged`,
    publicKey: described?.publicKey ?? null,
    fingerprint: described?.fingerprint ?? null,
  };
}

/**
 * Creates `keyPath` (0600) and `keyPath.pub` (0644) with comment `comment` (`dthostmon@<hostname>`), the directory
 * with 0700 when it does not exist, and checks that the new key loads the way the transport loads keys. Never throws.
 */
export async function generateKey(keyPath: string, comment: string): Promise<KeyGenerationResult> {
  const failed = (why: string): KeyGenerationResult => ({ path: keyPath, status: 'failed', detail: why, publicKey: null, fingerprint: null });
  try {
    if (await exists(keyPath)) return await existing(keyPath);
    // A .pub without its private key belongs to someone else's key: replacing it would hide that.
    if (await exists(`${keyPath}.pub`)) return failed(`${keyPath}.pub exists without ${keyPath}: move it away first`);
    const dir = dirname(keyPath);
    if (!(await exists(dir))) await mkdir(dir, { recursive: true, mode: 0o700 });
    const pair = newEd25519KeyPair(comment);
    await writeFile(keyPath, pair.private, { flag: 'wx', mode: 0o600 });
    await writeFile(`${keyPath}.pub`, `${pair.public.trim()}\n`, { flag: 'wx', mode: 0o644 });
    // The modes given to open() are filtered by the umask: set them exactly.
    await chmod(keyPath, 0o600);
    await chmod(`${keyPath}.pub`, 0o644);
    const loaded = await loadClientKey(keyPath);
    return {
      path: keyPath,
      status: 'created',
      detail: `created ${keyPath} (Ed25519) and ${keyPath}.pub`,
      publicKey: pair.public.trim(),
      fingerprint: fingerprintSha256(loaded.getPublicSSH()),
    };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return existing(keyPath);
    return failed(`cannot create ${keyPath}: ${(code && WHY[code]) ?? errorMessage(err)}`);
  }
}

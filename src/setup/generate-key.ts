/**
 * `--generate-key`: an OpenSSH Ed25519 key pair for the monitor, made with ssh2 (no ssh-keygen needed on the
 * monitoring machine). An existing key is never touched; a new one is written exclusively (`wx`), so a key created
 * at the same moment by someone else is not overwritten either.
 */
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
    const pair = utils.generateKeyPairSync('ed25519', { comment });
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

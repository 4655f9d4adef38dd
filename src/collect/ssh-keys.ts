/**
 * Client keys (NR-SEC-001): which private keys dthostmon will authenticate with, read the way OpenSSH reads them.
 * Ed25519, ECDSA >= 256 bits and RSA >= 4096 bits are accepted; weaker RSA, DSA and anything unknown are refused.
 * A key file that group or others can read is refused, as `ssh` refuses it. No message ever carries key material or
 * a passphrase.
 */
import { stat, readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { blobKeyType, blobStrings } from './ssh-blob.js';

const { OpenSSHAgent, utils } = ssh2;

/** The weakest RSA modulus accepted. */
export const MIN_RSA_BITS = 4096;
/** The weakest ECDSA curve accepted. */
export const MIN_ECDSA_BITS = 256;

/** A private key that cannot be used: the message is one line naming the file and why. Never retried. */
export class ClientKeyError extends Error {
  /** Retrying a connection cannot fix a key file. */
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'ClientKeyError';
  }
}

export type KeyStrength = { isAccepted: true; label: string } | { isAccepted: false; label: string; why: string };

/** Bits of an SSH mpint: its length without leading zero bytes, minus the leading zero bits of the first byte. */
function mpintBits(value: Buffer): number {
  let start = 0;
  while (start < value.length && value[start] === 0) start++;
  if (start === value.length) return 0;
  return (value.length - start - 1) * 8 + (32 - Math.clz32(value[start] as number));
}

/**
 * Whether a public key (SSH wire format) is strong enough to log in with. Pure; the label names the key as a user
 * would (`RSA 2048 bits`, `Ed25519`, `ECDSA 256 bits`, `DSA`).
 */
export function keyStrength(publicBlob: Buffer): KeyStrength {
  const type = blobKeyType(publicBlob);
  const need = `use Ed25519, ECDSA >= ${MIN_ECDSA_BITS} bits or RSA >= ${MIN_RSA_BITS} bits`;
  if (type === 'ssh-ed25519') return { isAccepted: true, label: 'Ed25519' };
  if (type === 'ssh-rsa') {
    // ssh-rsa blob: string type, mpint e, mpint n.
    const bits = mpintBits(blobStrings(publicBlob)[2] ?? Buffer.alloc(0));
    const label = `RSA ${bits} bits`;
    return bits >= MIN_RSA_BITS ? { isAccepted: true, label } : { isAccepted: false, label, why: `too weak (${need})` };
  }
  const curve = /^ecdsa-sha2-nistp(\d+)$/.exec(type);
  if (curve) {
    const bits = Number(curve[1]);
    const label = `ECDSA ${bits} bits`;
    return bits >= MIN_ECDSA_BITS ? { isAccepted: true, label } : { isAccepted: false, label, why: `too weak (${need})` };
  }
  if (type === 'ssh-dss') return { isAccepted: false, label: 'DSA', why: `DSA keys are too weak (${need})` };
  return { isAccepted: false, label: type || 'unknown', why: `unsupported key type (${need})` };
}

function readFailure(code: string | undefined): string {
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return code ?? 'unreadable';
}

/** The passphrase of an encrypted key, and the variable it came from (named in messages; the value never is). */
export interface KeyPassphrase {
  value?: string;
  envName?: string | null;
}

/**
 * Reads, checks and decrypts a private key file: refused when group or others may read it (OpenSSH's
 * `permissions 0644 for '/path' are too open`), when it is encrypted and no passphrase was given, when the
 * passphrase is wrong, or when the key is too weak (NR-SEC-001). Returns the parsed key, ready for ssh2.
 * @throws ClientKeyError with one line naming the file.
 */
export async function loadClientKey(keyPath: string, passphrase: KeyPassphrase = {}): Promise<ParsedKey> {
  let mode: number;
  let data: Buffer;
  try {
    mode = (await stat(keyPath)).mode;
    if ((mode & 0o170000) === 0o040000) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    data = await readFile(keyPath);
  } catch (err) {
    throw new ClientKeyError(`cannot read private key ${keyPath}: ${readFailure((err as { code?: string }).code)}`);
  }
  if ((mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new ClientKeyError(
      `permissions ${octal} for '${keyPath}' are too open: a private key must not be accessible by others (chmod 600 it)`,
    );
  }
  const parsed = utils.parseKey(data, passphrase.value);
  if (parsed instanceof Error) throw new ClientKeyError(`cannot use private key ${keyPath}: ${parseFailure(parsed, passphrase)}`);
  // A file may hold several keys (PuTTY, PEM bundles); ssh2 uses the first.
  const key = (Array.isArray(parsed) ? parsed[0] : parsed) as ParsedKey | undefined;
  if (!key) throw new ClientKeyError(`cannot use private key ${keyPath}: no key found`);
  const strength = keyStrength(key.getPublicSSH());
  if (!strength.isAccepted) throw new ClientKeyError(`refused private key ${keyPath}: ${strength.label}: ${strength.why} (NR-SEC-001)`);
  return key;
}

function parseFailure(err: Error, passphrase: KeyPassphrase): string {
  const message = err.message.split('\n')[0] ?? '';
  if (/no passphrase/i.test(message)) {
    return passphrase.envName
      ? `the key is encrypted and ${passphrase.envName} (ssh.key_passphrase_env) is not set`
      : 'the key is encrypted: name the environment variable holding its passphrase in ssh.key_passphrase_env';
  }
  if (passphrase.value !== undefined && /decrypt|bad passphrase|integrity check/i.test(message)) {
    return `wrong passphrase${passphrase.envName ? ` in ${passphrase.envName}` : ''}`;
  }
  return message || 'not a private key';
}

/**
 * An ssh-agent client (the socket in `SSH_AUTH_SOCK`) that only offers keys strong enough for NR-SEC-001: a weak
 * key held by the agent is never tried, and `onRefused` hears about it (label only) for the error message.
 */
export function createStrongKeyAgent(socketPath: string, onRefused: (label: string) => void): InstanceType<typeof OpenSSHAgent> {
  class StrongKeyAgent extends OpenSSHAgent {
    override getIdentities(cb: (err: Error | null | undefined, keys?: ParsedKey[]) => void): void {
      super.getIdentities((err, keys) => {
        if (err || !keys) {
          cb(err ?? new Error('the agent returned no keys'));
          return;
        }
        cb(
          null,
          // OpenSSHAgent returns parsed public keys; anything else could not be checked, so it is not offered.
          keys.filter((key): key is ParsedKey => {
            if (!('getPublicSSH' in key)) return false;
            const strength = keyStrength(key.getPublicSSH());
            if (!strength.isAccepted) onRefused(strength.label);
            return strength.isAccepted;
          }),
        );
      });
    }
  }
  return new StrongKeyAgent(socketPath);
}

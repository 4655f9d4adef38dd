/**
 * The monitor's public key for `GET /api/v1/ssh-key`: `<key_path>.pub` of the key a host of the given site would be
 * reached with (site `key_path`, else `ssh.key_path`, else ~/.ssh/id_ed25519, as src/config/resolve.ts resolves it).
 * dthostmon_add.sh installs it in the monitoring user's authorized_keys (the original installed the host's own key:
 * GAP-R9).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import ssh2 from 'ssh2';
import { fingerprintSha256 } from '../collect/host-key-policy.js';
import type { LoadedConfig } from '../config/types.js';
import { resolveConfigPath } from '../config/paths.js';
import { HOST_DEFAULTS } from '../config/resolve.js';

export type PublicKeyOutcome =
  | { kind: 'ok'; publicKey: string; fingerprint: string; keyType: string }
  | { kind: 'unknown_site'; known: string[] }
  /** No key file: agent-only config, or no .pub; `hint` says what to do. */
  | { kind: 'missing'; hint: string };

const HINT = 'create it with `dthostmon setup --generate-key`';

/** `key_path` for a host of `site` (null: agent only), or undefined when the site is not in the config. */
function keyPathFor(config: LoadedConfig, site: string | undefined): string | null | undefined {
  const doc = config.document as { ssh?: { key_path?: string | null }; sites?: Record<string, { key_path?: string | null }> };
  let fromSite: string | null | undefined;
  if (site !== undefined) {
    const entry = doc.sites?.[site];
    if (entry === undefined) return undefined;
    fromSite = entry.key_path;
  }
  return fromSite !== undefined ? fromSite : doc.ssh?.key_path !== undefined ? doc.ssh.key_path : HOST_DEFAULTS.keyPath;
}

/** The first `type base64 [comment]` line of a .pub file, checked by parsing it. */
function parsePublicKey(text: string): { publicKey: string; fingerprint: string; keyType: string } | null {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  if (!line) return null;
  const parsed = ssh2.utils.parseKey(line);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error || key.isPrivateKey()) return null;
  return { publicKey: line, fingerprint: fingerprintSha256(key.getPublicSSH()), keyType: key.type };
}

/** The public key for `site` (or the global one). Never throws. */
export async function readMonitorPublicKey(config: LoadedConfig, site: string | undefined, homeDir: string = homedir()): Promise<PublicKeyOutcome> {
  const keyPath = keyPathFor(config, site);
  if (keyPath === undefined) return { kind: 'unknown_site', known: Object.keys((config.document as { sites?: object }).sites ?? {}) };
  if (keyPath === null) {
    return { kind: 'missing', hint: 'the config uses the ssh-agent only (key_path: null): set key_path to a key file and ' + HINT };
  }
  const pubPath = `${resolveConfigPath(config.dir, keyPath, homeDir)}.pub`;
  let text: string;
  try {
    text = await readFile(pubPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'the monitor has no public key file yet' : `the monitor's public key file cannot be read (${code ?? 'error'})`;
    return { kind: 'missing', hint: `${why}: ${HINT}` };
  }
  const parsed = parsePublicKey(text);
  return parsed ? { kind: 'ok', ...parsed } : { kind: 'missing', hint: `the monitor's public key file is not an OpenSSH public key: ${HINT}` };
}

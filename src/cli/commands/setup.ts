import { homedir, hostname } from 'node:os';
import type { KnownHosts } from '../../collect/known-hosts.js';
import type { PinnedHostKey, Transport } from '../../types.js';
import { findConfigPath } from '../../config/find-config.js';
import { loadConfig } from '../../config/load.js';
import { redactText } from '../../config/mask.js';
import { resolveConfigPath } from '../../config/paths.js';
import { HOST_DEFAULTS } from '../../config/resolve.js';
import type { LoadedConfig } from '../../config/types.js';
import { EXIT, UsageError } from '../../errors.js';
import type { CheckDeps } from '../../setup/check-host.js';
import { formatKeyResults, formatSetupHints, formatSetupSummary, formatSetupTable, setupJson } from '../../setup/format-setup.js';
import { generateKey } from '../../setup/generate-key.js';
import { createTtyPasswordPrompt, PromptCancelledError, type TtyInput } from '../../setup/password-prompt.js';
import { setupHosts } from '../../setup/setup-hosts.js';
import { readStoredPins } from '../../setup/stored-pins.js';
import type { HostSetupResult, KeyGenerationResult } from '../../setup/types.js';
import { createOutput } from '../output.js';
import type { GlobalOptions } from '../program.js';

/** A shell's status after Ctrl-C (128 + SIGINT). */
const EXIT_CANCELLED = 130;

export interface SetupOptions extends GlobalOptions {
  /** `--host`: only these hosts, disabled ones included. Default: every enabled host. */
  hosts: string[];
  generateKey: boolean;
  pushKeys: boolean;
  /** Where the password is read from (a TTY, or no prompt at all). Default: process.stdin. */
  stdin?: TtyInput;
}

function selectHosts(config: LoadedConfig, names: readonly string[]): LoadedConfig['hosts'] {
  if (names.length === 0) return config.hosts.filter((h) => h.enabled);
  const known = new Set(config.hosts.map((h) => h.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new UsageError(`--host ${unknown.join(', ')}: no such host in ${config.path} (known: ${[...known].join(', ') || 'none'})`);
  }
  return config.hosts.filter((h) => names.includes(h.name));
}

/** The key paths of the selected SSH hosts; with none, the config's `ssh.key_path` (a first setup before any host). */
function keyPaths(config: LoadedConfig, hosts: LoadedConfig['hosts']): string[] {
  const paths = hosts.filter((h) => h.transport === 'ssh' && h.ssh.keyPath !== null).map((h) => h.ssh.keyPath as string);
  if (paths.length > 0) return [...new Set(paths)];
  const ssh = (config.document.ssh ?? {}) as { key_path?: string | null };
  if (ssh.key_path === null) return [];
  return [resolveConfigPath(config.dir, ssh.key_path ?? HOST_DEFAULTS.keyPath, homedir())];
}

function checkDeps(options: SetupOptions, pins: ReadonlyMap<string, readonly PinnedHostKey[]>): CheckDeps {
  const knownHostsFiles = new Map<string, Promise<KnownHosts>>();
  return {
    connectSsh: async (host, connectOptions): Promise<Transport> => (await import('../../collect/ssh-transport.js')).connectSsh(host, connectOptions),
    createLocalTransport: async (): Promise<Transport> => (await import('../../collect/local-transport.js')).createLocalTransport(),
    readKnownHosts: (path) => {
      let known = knownHostsFiles.get(path);
      if (!known) {
        known = import('../../collect/known-hosts.js').then((m) => m.readKnownHosts(path));
        known.catch(() => undefined);
        knownHostsFiles.set(path, known);
      }
      return known;
    },
    pinnedHostKeys: (name) => pins.get(name) ?? [],
    env: options.io.env,
  };
}

/**
 * `dthostmon setup`: checks every host (connection, host key, key login, sudo, log access, tools) and prints a table
 * with a hint for each problem; `--generate-key` creates the monitor's key, `--push-keys` installs it where it is
 * refused. Exit 0 when every host is ready, 1 when some host failed (or a key could not be created), 2 config or
 * usage error, 130 when the password prompt was cancelled.
 */
export async function setup(options: SetupOptions): Promise<number> {
  const out = createOutput(options);
  const path = findConfigPath(options.config, options.io.env, options.io.cwd);
  const config = await loadConfig(path, { env: options.io.env });
  const scrub = (text: string): string => redactText(text, config.secrets);
  if (!options.quiet && !options.json) for (const w of config.warnings) out.err(`warning: ${w}`);
  const hosts = selectHosts(config, options.hosts);

  let keys: KeyGenerationResult[] | null = null;
  if (options.generateKey) {
    keys = [];
    for (const keyPath of keyPaths(config, hosts)) keys.push(await generateKey(keyPath, `dthostmon@${hostname()}`));
    if (!options.json && keys.length > 0) out.out(scrub(formatKeyResults(keys, out.color)));
    if (!options.json && keys.length === 0) out.err('note: no key to generate: ssh.key_path is null (ssh-agent only)');
  }

  const notes: string[] = [];
  const stored = await readStoredPins(config.store, hosts.filter((h) => h.transport === 'ssh').map((h) => h.name));
  if (stored.note) notes.push(stored.note);
  if (!options.json && !options.quiet) for (const note of notes) out.err(`note: ${scrub(note)}`);

  // Only a push reads the terminal; touching process.stdin otherwise would open it for nothing.
  const stdin = options.pushKeys ? (options.stdin ?? (process.stdin as unknown as TtyInput)) : null;
  const spinner = out.spinner(`checking ${hosts.length} host${hosts.length === 1 ? '' : 's'}`);
  let results: HostSetupResult[];
  try {
    results = await setupHosts(
      {
        hosts,
        concurrency: config.pass.maxConcurrentHosts,
        pushKeys: options.pushKeys,
        prompt: stdin?.isTTY ? createTtyPasswordPrompt(stdin, options.io.stderr) : null,
        onProgress: (line) => {
          spinner.setText(line);
          out.verbose(scrub(line));
        },
        onBeforePrompt: (targets) => {
          spinner.stop();
          out.err(`The monitor's key will be added to ~/.ssh/authorized_keys of: ${targets.join(', ')}`);
        },
      },
      checkDeps(options, stored.pins),
    );
  } catch (err) {
    if (err instanceof PromptCancelledError) {
      out.err('dthostmon: cancelled: no key was pushed');
      return EXIT_CANCELLED;
    }
    throw err;
  } finally {
    spinner.stop();
  }

  const isKeyFailed = keys?.some((k) => k.status === 'failed') ?? false;
  const code = isKeyFailed || results.some((r) => r.status === 'fail') ? EXIT.hostFailed : EXIT.ok;
  if (options.json) {
    out.out(scrub(setupJson({ config: config.path, keys, notes, hosts: results })));
  } else if (options.quiet) {
    const hints = formatSetupHints(results, out.color, { onlyFailures: true });
    if (hints) out.out(scrub(`${hints}\n\n${formatSetupSummary(results)}`));
  } else if (results.length === 0) {
    out.out('No host to check: every host is disabled (name them with --host to check them anyway).');
  } else {
    const hints = formatSetupHints(results, out.color);
    out.out(scrub([formatSetupTable(results, out.color), ...(hints ? [hints] : []), formatSetupSummary(results)].join('\n\n')));
  }
  return code;
}

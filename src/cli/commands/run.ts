import { existsSync, readlinkSync } from 'node:fs';
import type { LoadedConfig } from '../../config/types.js';
import { hostname } from 'node:os';
import { findConfigPath } from '../../config/find-config.js';
import { loadConfig } from '../../config/load.js';
import { redactText } from '../../config/mask.js';
import { createTransportFactory } from '../../collect/create-transport.js';
import { sanitizeText } from '../../collect/sanitize-line.js';
import { openStore } from '../../store/open-store.js';
import { migrateToLatest } from '../../store/migrate.js';
import { runPass } from '../../run-pass.js';
import { ConfigError, EXIT, StoreError, UsageError, errorMessage } from '../../errors.js';
import { createOutput } from '../output.js';
import type { GlobalOptions } from '../program.js';
import { formatPassSummary } from '../format-pass.js';
import { writePassJson } from '../pass-json.js';
import { findingEvidenceOfRun } from '../../store/findings-repo.js';

export interface RunOptions extends GlobalOptions {
  hosts: string[];
}

/**
 * True when a process with this pid exists on this machine (EPERM still means it exists). Our own pid is never
 * "alive" as a lock owner: in a container every pass is pid 1, so a lock owned by our pid was left by a killed pass.
 */
export function isPidAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Who runs this pass, for the pass lock and the runs table: the machine name plus the PID namespace. A pid can only be
 * checked for liveness inside the same namespace; two containers sharing a hostname (host networking, compose
 * `hostname:`) get different namespaces, so neither takes over the other's live lock (they rely on its expiry).
 */
export function runnerIdentity(): string {
  let namespace = '';
  try {
    namespace = readlinkSync('/proc/self/ns/pid').replace(/^pid:\[(\d+)\]$/, '$1');
  } catch {
    // No /proc (not Linux): the hostname alone.
  }
  return namespace ? `${hostname()} pidns:${namespace}` : hostname();
}

/** `dthostmon run`: one bounded pass. Exit 0 when every host was collected, 1 when some host failed. */
export async function run(options: RunOptions): Promise<number> {
  const out = createOutput(options);
  const configPath = findConfigPath(options.config, options.io.env, options.io.cwd);
  // A pass that cannot run at all tells the admins directly (at most hourly): cron output is often read by nobody.
  const tellAdmins = async (problem: 'config' | 'store', err: unknown, config?: LoadedConfig): Promise<void> => {
    const { sendAdminAlert } = await import('../../alert/admin-alert.js');
    const result = await sendAdminAlert({
      configPath,
      problem,
      message: errorMessage(err).split('\n').join('; '),
      now: new Date(),
      env: options.io.env,
      runner: runnerIdentity(),
      ...(config ? { delivery: config.delivery, secrets: config.secrets } : {}),
    });
    // The error itself stays the one line of output (cron mails it); what happened to the admin alert is detail.
    out.verbose(`admin alert: ${sanitizeText(result.outcome)}`);
  };
  let config: LoadedConfig;
  try {
    config = await loadConfig(configPath, { env: options.io.env });
  } catch (err) {
    // Only a file that exists but no longer loads (an edit broke it); a wrong -c path is the caller's typo.
    if (err instanceof ConfigError && existsSync(configPath)) await tellAdmins('config', err);
    throw err;
  }
  try {
    return await runLoaded(options, out, configPath, config);
  } catch (err) {
    if (err instanceof StoreError) await tellAdmins('store', err, config);
    // A user template that no longer compiles is a config broken by an edit too.
    else if (err instanceof ConfigError) await tellAdmins('config', err, config);
    throw err;
  }
}

async function runLoaded(options: RunOptions, out: ReturnType<typeof createOutput>, configPath: string, config: LoadedConfig): Promise<number> {
  if (!options.quiet && !options.json) for (const w of config.warnings) out.err(`warning: ${w}`);

  const known = new Set(config.hosts.map((h) => h.name));
  const unknown = options.hosts.filter((h) => !known.has(h));
  if (unknown.length > 0) {
    throw new UsageError(`--host ${unknown.join(', ')}: no such host in ${configPath} (known: ${[...known].join(', ') || 'none'})`);
  }

  const store = await openStore(config.store);
  try {
    const migrated = await migrateToLatest(store.db);
    if (migrated.applied.length > 0) out.verbose(`store: applied migrations ${migrated.applied.join(', ')}`);
    const spinner = out.spinner('starting pass');
    let done = 0;
    let total = 0;
    // The spinner's timer would keep the process alive after an error: stop it whatever happens.
    const result = await runPass(config, {
      store,
      clock: () => new Date(),
      // One factory per pass: known_hosts files are read and key files decrypted once, not per host.
      createTransport: createTransportFactory(),
      runner: runnerIdentity(),
      pid: process.pid,
      isPidAlive,
      hostNames: options.hosts,
      // Evidence stays in the store (the summary does not need it; --json reads it back host by host).
      compactResults: true,
      onWarning: (m) => out.err(`warning: ${sanitizeText(redactText(m, config.secrets))}`),
      onProgress: (event) => {
        if (event.type === 'pass-start') {
          total = event.hostCount;
          out.verbose(`pass ${event.runId}: ${total} host(s), at most ${config.pass.maxConcurrentHosts} at once`);
        } else if (event.type === 'host-start') {
          out.verbose(`${event.host}: collecting`);
        } else {
          done += 1;
          spinner.setText(`collected ${done}/${total} hosts`);
          const r = event.result;
          out.verbose(`${r.name}: ${r.status}${r.score === null ? '' : ` score ${r.score}`}${r.error ? ` (${sanitizeText(redactText(r.error, config.secrets))})` : ''}`);
        }
      },
    }).finally(() => spinner.stop());
    if (options.json) {
      const { runId } = result;
      await writePassJson(
        result,
        async (host) => {
          if (runId === null) return new Map();
          try {
            return await findingEvidenceOfRun(store.db, runId, host.name);
          } catch (err) {
            throw new StoreError(`cannot read the findings of ${host.name} back from ${store.describe}: ${errorMessage(err)}`, { cause: err });
          }
        },
        (text) => out.out(text),
        (text) => redactText(text, config.secrets),
      );
    } else {
      const text = formatPassSummary(result, { color: out.color, quiet: options.quiet, reportsDir: config.pass.reportsDir });
      if (text) out.out(redactText(text, config.secrets));
    }
    return result.hosts.some((h) => h.status === 'failed') ? EXIT.hostFailed : EXIT.ok;
  } finally {
    await store.close();
  }
}

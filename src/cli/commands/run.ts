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
import { createPassLog } from '../../log/pass-log.js';
import type { GlobalOptions } from '../program.js';
import { formatPassSummary } from '../format-pass.js';
import { writePassJson } from '../pass-json.js';
import { findingEvidenceOfRun } from '../../store/findings-repo.js';
import { textfileTarget, writePassTextfile } from '../textfile.js';
import { parseDurationSeconds } from '../../config/schema-primitives.js';
import { defaultPassKey, defaultWorkerId, type WorkerOptions } from '../../pass/shard.js';

export interface RunOptions extends GlobalOptions {
  hosts: string[];
  /** `--textfile FILE`: node_exporter textfile metrics after the pass (src/cli/textfile.ts). */
  textfile?: string;
  /** `--worker` and its flags, as given (see resolveWorker). */
  worker?: { passKey?: string | undefined; workerId?: string | undefined; lease: string };
}

/** The smallest lease: a heartbeat every third of it must fit between two database round trips. */
const MIN_LEASE_SECONDS = 3;

/**
 * The default pass key's slot: the minute the worker started in. Cron starts every worker of a tick at the same minute
 * of its machine's clock, and two ticks are at least a minute apart, so a tick is one pass without being told.
 */
const PASS_KEY_SLOT_MS = 60_000;

/**
 * `--worker`'s options checked and completed: the default worker id (hostname:pid) and pass key (this minute).
 * @throws UsageError naming the flag.
 */
export function resolveWorker(given: NonNullable<RunOptions['worker']>, now: Date, pid: number): WorkerOptions {
  const lease = parseDurationSeconds(given.lease);
  if (typeof lease !== 'number' || !Number.isFinite(lease) || lease < MIN_LEASE_SECONDS) {
    throw new UsageError(`--lease ${given.lease}: expected a duration such as 60s or 2m, at least ${MIN_LEASE_SECONDS} s`);
  }
  for (const [flag, value] of [['--pass-key', given.passKey], ['--worker-id', given.workerId]] as const) {
    if (value !== undefined && !/^[\w.:@/-]{1,200}$/.test(value)) {
      throw new UsageError(`${flag} ${JSON.stringify(value)}: use 1-200 letters, digits and . _ : @ / -`);
    }
  }
  return { id: given.workerId ?? defaultWorkerId(pid), passKey: given.passKey ?? defaultPassKey(now, PASS_KEY_SLOT_MS), leaseSeconds: lease };
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
    out.log.debug(`admin alert: ${sanitizeText(result.outcome)}`, { component: 'alert' });
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
  out.log.addSecrets(config.secrets);
  if (!options.quiet && !options.json) for (const w of config.warnings) out.log.warn(w, { component: 'config' });

  const known = new Set(config.hosts.map((h) => h.name));
  const unknown = options.hosts.filter((h) => !known.has(h));
  if (unknown.length > 0) {
    throw new UsageError(`--host ${unknown.join(', ')}: no such host in ${configPath} (known: ${[...known].join(', ') || 'none'})`);
  }
  // Checked before the pass: a wrong --textfile costs no pass.
  const textfile = options.textfile !== undefined ? textfileTarget(options.textfile, options.io.cwd) : null;

  const store = await openStore(config.store);
  try {
    const migrated = await migrateToLatest(store.db);
    if (migrated.applied.length > 0) out.log.debug(`store: applied migrations ${migrated.applied.join(', ')}`, { component: 'store' });
    const spinner = out.spinner('starting pass');
    const passLog = createPassLog(out.log, config.hosts.map((h) => h.name), config.pass.maxConcurrentHosts);
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
      ...(options.worker ? { worker: resolveWorker(options.worker, new Date(), process.pid) } : {}),
      // Evidence stays in the store (the summary does not need it; --json reads it back host by host).
      compactResults: true,
      onWarning: passLog.warning,
      onProgress: (event) => {
        passLog.progress(event);
        if (event.type === 'pass-start') {
          total = event.hostCount;
        } else if (event.type === 'host-done') {
          done += 1;
          spinner.setText(`collected ${done}/${total} hosts`);
        }
      },
    }).finally(() => spinner.stop());
    if (textfile) {
      // The pass is stored whatever happens here; a stale file shows in its timestamp.
      await writePassTextfile(textfile, result).catch((err: unknown) => out.log.warn(`--textfile ${textfile}: cannot write: ${errorMessage(err)}`, { component: 'textfile' }));
    }
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

import { hostname as osHostname, homedir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parse } from 'yaml';
import { findConfigPath } from '../../config/find-config.js';
import { collectSecrets, redactText } from '../../config/mask.js';
import { ConfigError, UsageError } from '../../errors.js';
import { planSync, type SyncPlan } from '../../sync/plan.js';
import { runScaffolds, type ScaffoldOptions } from '../../sync/scaffold.js';
import { summaryJson, summaryLines, type SyncOutcome } from '../../sync/summary.js';
import { writeConfigAtomically } from '../../sync/write.js';
import { auditSync } from '../../sync/audit.js';
import { osUserActor } from '../os-user.js';
import { unifiedDiff } from '../../util/unified-diff.js';
import { createOutput } from '../output.js';
import type { GlobalOptions } from '../program.js';

/** The CLI flags: the scaffold ones (shared with src/sync/scaffold.ts) and the sync's own. */
export interface SyncConfigOptions extends GlobalOptions, Omit<ScaffoldOptions, 'cwd'> {
  debug: boolean;
  prune: boolean;
}

/** `--sites-dir`, else $DOCKER_SITES_DIR, else $DIVTOOLS/docker/sites. */
function sitesDirOf(options: SyncConfigOptions): string | undefined {
  const env = options.io.env;
  const dir = options.sitesDir || env.DOCKER_SITES_DIR || (env.DIVTOOLS ? join(env.DIVTOOLS, 'docker', 'sites') : undefined);
  return dir ? resolve(options.io.cwd, dir) : undefined;
}

/** `-c` or $DTHOSTMON_CONFIG (created when missing), else an existing default location. */
function configPathOf(options: SyncConfigOptions): string {
  const explicit = options.config || options.io.env.DTHOSTMON_CONFIG;
  if (explicit) return resolve(options.io.cwd, explicit);
  try {
    return findConfigPath(undefined, options.io.env, options.io.cwd);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${err.message}; pass -c FILE to create one`);
    throw err;
  }
}

/** `a/config/dthostmon.yaml` inside the working directory (as git prints it), else the absolute path. */
function diffLabels(plan: SyncPlan, cwd: string): { oldLabel: string; newLabel: string } {
  const rel = relative(cwd, plan.configPath);
  const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  const name = (prefix: string) => (inside ? `${prefix}/${rel}` : plan.configPath);
  return { oldLabel: plan.isNewFile ? '/dev/null' : name('a'), newLabel: name('b') };
}

/** Secrets of both versions of the file: a diff's context lines may show a password next to what changed. */
function secretsOf(plan: SyncPlan): string[] {
  const values = (text: string): unknown => {
    try {
      return parse(text);
    } catch {
      return null;
    }
  };
  return [...new Set([...collectSecrets(values(plan.oldText)), ...collectSecrets(values(plan.newText))])];
}

async function askOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

async function scaffolds(options: SyncConfigOptions): Promise<number> {
  const out = createOutput(options);
  const isInteractive = Boolean(process.stdin.isTTY) && Boolean(options.io.stderr.isTTY);
  const lines = await runScaffolds(
    { ...options, sitesDir: sitesDirOf(options), cwd: options.io.cwd },
    {
      homeDir: options.io.env.HOME || homedir(),
      hostname: osHostname(),
      confirm: isInteractive ? askOnTerminal : null,
      stdout: (text) => void options.io.stdout.write(text),
    },
  );
  if (!options.quiet) for (const line of lines) out.err(line);
  return 0;
}

/**
 * `dthostmon sync-config`: builds `sites` and `hosts` of dthostmon.yaml from the divtools sites dir, or writes
 * example and scaffold files. A written change is a `config.changed` audit row in the store (when one exists). Exit
 * 0 done (or nothing to do), 2 a problem in a folder file, the config or the flags (nothing written then).
 */
export async function syncConfig(options: SyncConfigOptions): Promise<number> {
  if (options.exampleYaml !== undefined || options.exampleEnv !== undefined || options.scaffoldYaml || options.scaffoldEnv) {
    return scaffolds(options);
  }
  if (options.all) throw new UsageError('--all goes with --scaffold-yaml or --scaffold-env');
  const out = createOutput(options);
  const sitesDir = sitesDirOf(options);
  if (!sitesDir) throw new UsageError('no sites dir: pass --sites-dir, or set DOCKER_SITES_DIR or DIVTOOLS');
  const plan = planSync({
    configPath: configPathOf(options),
    sitesDir,
    env: options.io.env,
    scope: { site: options.site, host: options.host },
    prune: options.prune,
  });
  const hasErrors = plan.log.errors.length > 0;
  const diff = options.dryRun ? redactText(unifiedDiff(plan.oldText, plan.newText, diffLabels(plan, options.io.cwd)), secretsOf(plan)) : null;

  let outcome: SyncOutcome;
  if (options.dryRun) outcome = { kind: 'dry-run' };
  else if (hasErrors) outcome = { kind: 'refused' };
  else if (!plan.isChanged) outcome = { kind: 'up-to-date' };
  else outcome = { kind: 'written', write: writeConfigAtomically(plan.configPath, plan.newText) };
  const unaudited = outcome.kind === 'written' ? await auditSync(plan, { env: options.io.env, actor: osUserActor(options.io.env), now: new Date() }) : null;

  if (options.json) {
    out.out(JSON.stringify(summaryJson(plan, outcome, diff), null, 2));
    if (options.debug) for (const line of plan.log.debug) out.err(`debug: ${line}`);
  } else {
    if (diff) options.io.stdout.write(diff);
    for (const line of summaryLines(plan, outcome, { quiet: options.quiet, debug: options.debug })) out.err(line);
  }
  if (unaudited) out.err(`warning: ${unaudited}`);
  return hasErrors ? 2 : 0;
}

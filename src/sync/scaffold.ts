/**
 * Scaffolds (FR-CONFIG-010): example files to stdout or a file (`--example-yaml`, `--example-env`), and dthm files in
 * host folders (`--scaffold-yaml`, `--scaffold-env`) for one host or, with `--all`, every host folder. They never read
 * or touch dthostmon.yaml and never make a backup (the original needed a config and backed it up even for
 * `-yaml-ex -`: GAP-S15).
 *
 * An existing YAML file is overwritten only with --force; an existing env file only gets the example variables it
 * lacks appended, with --force. Without --force the user is asked on a TTY; without a TTY sync stops with one line
 * naming the file, before writing anything.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseDotenv } from '../config/env.js';
import { UsageError } from '../errors.js';
import { hostEnvExample, hostYamlExample, siteEnvExample, siteYamlExample, type ExampleNames } from './examples.js';
import { walkSites } from './walk.js';

export interface ScaffoldOptions {
  exampleYaml?: string;
  exampleEnv?: string;
  scaffoldYaml: boolean;
  scaffoldEnv: boolean;
  all: boolean;
  force: boolean;
  dryRun: boolean;
  site?: string;
  host?: string;
  /** Needed by --scaffold-yaml / --scaffold-env only. */
  sitesDir?: string;
  cwd: string;
}

export interface ScaffoldDeps {
  /** Home directory: `~/.env` holds divtools' `SITE_NAME`. */
  homeDir: string;
  /** This machine's host name (the default host). */
  hostname: string;
  /** Asks a yes/no question on the terminal; null without a TTY. */
  confirm: ((question: string) => Promise<boolean>) | null;
  /** Example text for `-`. */
  stdout: (text: string) => void;
}

interface Target {
  path: string;
  kind: 'yaml' | 'env';
  text: string;
}

/** `SITE_NAME` from `~/.env` (`SITE_NAME=...` or `export SITE_NAME=...`), or null. */
export function siteFromHomeEnv(homeDir: string): string | null {
  const path = join(homeDir, '.env');
  if (!existsSync(path)) return null;
  return parseDotenv(readFileSync(path, 'utf8')).values.SITE_NAME || null;
}

/** Assignments of an env text, by key. */
function assignedKeys(text: string): Set<string> {
  return new Set(Object.keys(parseDotenv(text).values));
}

/** The example lines (`KEY=value`) of `example` whose keys `existing` does not assign. */
export function missingExampleLines(existing: string, example: string): string[] {
  const present = assignedKeys(existing);
  return example.split('\n').filter((line) => {
    const match = /^([A-Z][A-Z0-9_]*)=/.exec(line);
    return match !== null && !present.has(match[1] as string);
  });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Folders to scaffold: `--site S --host H` (defaults: ~/.env SITE_NAME, this host), or every host folder with --all. */
function hostFolders(options: ScaffoldOptions, deps: ScaffoldDeps): { site: string; host: string; dir: string }[] {
  const sitesDir = options.sitesDir;
  if (!sitesDir) throw new UsageError('no sites dir: pass --sites-dir, or set DOCKER_SITES_DIR or DIVTOOLS');
  if (options.all) {
    if (options.host !== undefined) throw new UsageError('--all scaffolds every host folder: leave out --host');
    const tree = walkSites(sitesDir);
    const sites = options.site === undefined ? tree.sites : tree.sites.filter((s) => s.id === options.site);
    if (options.site !== undefined && sites.length === 0) throw new UsageError(`site folder not found: ${join(sitesDir, options.site)}`);
    return sites.flatMap((s) => s.hosts.map((h) => ({ site: s.id, host: h.folder, dir: h.dir })));
  }
  const site = options.site ?? siteFromHomeEnv(deps.homeDir);
  if (!site) throw new UsageError(`no site: pass --site, or set SITE_NAME in ${join(deps.homeDir, '.env')}`);
  const host = options.host ?? deps.hostname.toLowerCase();
  if (!isDirectory(join(sitesDir, site))) throw new UsageError(`site folder not found: ${join(sitesDir, site)}`);
  const dir = join(sitesDir, site, host);
  if (!isDirectory(dir)) throw new UsageError(`host folder not found: ${dir} (create it, or pass --host)`);
  return [{ site, host, dir }];
}

function targets(options: ScaffoldOptions, deps: ScaffoldDeps): Target[] {
  const out: Target[] = [];
  const isSiteExample = (file: string) => (options.site !== undefined && options.host === undefined) || basename(file).includes('site');
  const names: ExampleNames = { site: options.site, host: options.host };
  const file = (path: string) => (path === '-' ? '-' : resolve(options.cwd, path));
  if (options.exampleYaml !== undefined) {
    const text = isSiteExample(options.exampleYaml) ? siteYamlExample(names) : hostYamlExample(names);
    out.push({ path: file(options.exampleYaml), kind: 'yaml', text });
  }
  if (options.exampleEnv !== undefined) {
    const text = isSiteExample(options.exampleEnv) ? siteEnvExample(names) : hostEnvExample(names);
    out.push({ path: file(options.exampleEnv), kind: 'env', text });
  }
  if (options.scaffoldYaml || options.scaffoldEnv) {
    for (const { site, host, dir } of hostFolders(options, deps)) {
      if (options.scaffoldYaml) out.push({ path: join(dir, `dthm-${host}.yaml`), kind: 'yaml', text: hostYamlExample({ site, host }) });
      if (options.scaffoldEnv) out.push({ path: join(dir, `.env.${host}`), kind: 'env', text: hostEnvExample({ site, host }) });
    }
  }
  return out;
}

/** What writing `target` would do, or null when there is nothing to do. */
function planTarget(target: Target): { action: 'create' | 'overwrite' | 'append'; lines: string[] } | null {
  if (target.path === '-' || !existsSync(target.path)) return { action: 'create', lines: [] };
  if (target.kind === 'yaml') return { action: 'overwrite', lines: [] };
  const lines = missingExampleLines(readFileSync(target.path, 'utf8'), target.text);
  return lines.length === 0 ? null : { action: 'append', lines };
}

function question(target: Target, action: 'overwrite' | 'append', lines: string[]): string {
  return action === 'overwrite' ? `${target.path} exists - overwrite? [y/N] ` : `${target.path} exists - append the ${lines.length} missing example variables? [y/N] `;
}

/** Writes the requested examples and scaffolds; returns one line per file (created, appended, kept, ...). */
export async function runScaffolds(options: ScaffoldOptions, deps: ScaffoldDeps): Promise<string[]> {
  const planned = targets(options, deps).map((target) => ({ target, plan: planTarget(target) }));
  const conflicts = planned.filter((p) => p.plan && p.plan.action !== 'create');
  if (!options.force && !options.dryRun && deps.confirm === null && conflicts.length > 0) {
    const first = conflicts[0] as (typeof conflicts)[number];
    const more = conflicts.length > 1 ? ` (and ${conflicts.length - 1} more)` : '';
    const verb = first.plan?.action === 'overwrite' ? 'overwrite it' : 'append the missing example variables';
    throw new UsageError(`${first.target.path} exists${more}: rerun with --force to ${verb}`);
  }
  const report: string[] = [];
  for (const { target, plan } of planned) {
    if (target.path === '-') {
      deps.stdout(target.text);
      continue;
    }
    if (!plan) {
      report.push(`${target.path}: has every example variable already`);
      continue;
    }
    if (options.dryRun) {
      report.push(`dry run: would ${plan.action === 'append' ? `append ${plan.lines.length} variables to` : plan.action} ${target.path}`);
      continue;
    }
    if (plan.action !== 'create' && !options.force && !(await (deps.confirm as (q: string) => Promise<boolean>)(question(target, plan.action, plan.lines)))) {
      report.push(`${target.path}: kept as it was`);
      continue;
    }
    mkdirSync(dirname(target.path), { recursive: true });
    if (plan.action === 'append') {
      const current = readFileSync(target.path, 'utf8');
      const separator = current === '' || current.endsWith('\n') ? '' : '\n';
      appendFileSync(target.path, `${separator}\n#### dthostmon (example variables added by sync-config)\n${plan.lines.join('\n')}\n`);
      report.push(`${target.path}: appended ${plan.lines.map((l) => l.split('=')[0]).join(', ')}`);
    } else {
      writeFileSync(target.path, target.text);
      report.push(`${target.path}: ${plan.action === 'create' ? 'created' : 'overwritten'}`);
    }
  }
  return report;
}

/** The sync summary: lines for stderr, and the `--json` object. */
import type { SyncPlan } from './plan.js';
import type { UnresolvedVariable } from './types.js';
import type { WriteResult } from './write.js';

export type SyncOutcome =
  | { kind: 'dry-run' }
  | { kind: 'written'; write: WriteResult }
  | { kind: 'up-to-date' }
  | { kind: 'refused' };

export interface SummaryOptions {
  quiet: boolean;
  debug: boolean;
}

function unresolvedLine(u: UnresolvedVariable): string {
  const at = u.line !== undefined ? `${u.file}:${u.line}` : u.file;
  return `${at} ${u.key}: \${${u.name}} is not set at sync time; written as \${${u.name}} (dthostmon resolves it when it runs)`;
}

function statusLine(plan: SyncPlan, outcome: SyncOutcome): string {
  const file = plan.configPath;
  const errors = plan.log.errors.length;
  switch (outcome.kind) {
    case 'refused':
      return `sync-config: ${errors} problem${errors === 1 ? '' : 's'}; ${plan.isNewFile ? `${file} was not created` : `nothing written to ${file}`}`;
    case 'up-to-date':
      return `${file} is up to date`;
    case 'dry-run':
      if (errors > 0) return `dry run: ${errors} problem${errors === 1 ? '' : 's'}; ${file} would not be written`;
      if (!plan.isChanged) return `${file} is up to date`;
      return `dry run: ${file} would be ${plan.isNewFile ? 'created' : 'updated'} (nothing written)`;
    case 'written':
      return outcome.write.backupPath ? `${outcome.write.path} updated (backup: ${outcome.write.backupPath})` : `${outcome.write.path} created`;
  }
}

/** Summary lines (stderr). `--quiet` keeps only problems and unresolved variables. */
export function summaryLines(plan: SyncPlan, outcome: SyncOutcome, options: SummaryOptions): string[] {
  const lines: string[] = [];
  const info = (line: string): void => {
    if (!options.quiet) lines.push(line);
  };
  const site = (s: string, f: string) => `${s}/${f}`;
  if (options.debug) for (const d of plan.log.debug) lines.push(`debug: ${d}`);
  info(`sync-config: ${plan.sitesDir} -> ${plan.configPath}`);
  const sites = plan.sites.map((s) => `${s.id} ${s.status}`);
  if (sites.length > 0) info(`sites: ${sites.join(', ')}`);
  const count = (status: string) => plan.hosts.filter((h) => h.status === status).length;
  info(`hosts: ${count('added')} added, ${count('updated')} updated, ${count('unchanged')} unchanged${plan.pruned.length > 0 ? `, ${plan.pruned.length} pruned` : ''}`);
  for (const h of plan.hosts) {
    if (h.status === 'unchanged' && h.notes.length === 0) continue;
    const mark = h.status === 'added' ? '+' : h.status === 'updated' ? '~' : ' ';
    info(`  ${mark} ${h.name} (${site(h.site, h.folder)})${h.notes.length > 0 ? `: ${h.notes.join('; ')}` : ''}`);
  }
  for (const p of plan.pruned) info(`  - ${p.name} (${p.site}): pruned, ${p.reason}`);
  for (const s of plan.skipped) info(`skipped ${site(s.site, s.folder)}: ${s.reason}`);
  for (const p of plan.prunable) info(`would be pruned with --prune: ${p.name} (${p.site}): ${p.reason}`);
  for (const u of plan.log.unresolved) lines.push(`unresolved: ${unresolvedLine(u)}`);
  for (const w of plan.log.warnings) lines.push(`warning: ${w}`);
  for (const e of plan.log.errors) lines.push(`error: ${e}`);
  const status = statusLine(plan, outcome);
  if (!options.quiet || plan.log.errors.length > 0) lines.push(status);
  return lines;
}

/** The `--json` summary (stdout). */
export function summaryJson(plan: SyncPlan, outcome: SyncOutcome, diff: string | null): Record<string, unknown> {
  return {
    config: plan.configPath,
    sitesDir: plan.sitesDir,
    dryRun: outcome.kind === 'dry-run',
    changed: plan.isChanged,
    written: outcome.kind === 'written',
    created: outcome.kind === 'written' && outcome.write.backupPath === null,
    backup: outcome.kind === 'written' ? outcome.write.backupPath : null,
    sites: plan.sites,
    hosts: {
      added: plan.hosts.filter((h) => h.status === 'added'),
      updated: plan.hosts.filter((h) => h.status === 'updated'),
      unchanged: plan.hosts.filter((h) => h.status === 'unchanged'),
      pruned: plan.pruned.map(({ name, site, reason }) => ({ name, site, reason })),
      wouldPrune: plan.prunable.map(({ name, site, reason }) => ({ name, site, reason })),
    },
    skipped: plan.skipped,
    unresolved: plan.log.unresolved,
    warnings: plan.log.warnings,
    errors: plan.log.errors,
    ...(diff !== null ? { diff } : {}),
  };
}

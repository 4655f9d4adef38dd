/**
 * How `dthostmon setup` shows its results: one table row per host (Host, Target, Connect, Host key, Auth, Sudo, Logs,
 * Tools), then for each host that needs something its hints (one per problem), then a summary line. `--json` is the
 * same data as {@link setupJson}. Pure: colour comes in as a chalk instance (level 0 without a TTY or with NO_COLOR).
 */
import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import type { CheckResult, HostSetupResult, KeyGenerationResult } from './types.js';

const SYMBOL: Record<CheckResult['status'], string> = { ok: '', warn: '! ', fail: '✗ ', skipped: '' };
const CHECKS = [
  ['connect', 'Connect'],
  ['hostKey', 'Host key'],
  ['auth', 'Auth'],
  ['sudo', 'Sudo'],
  ['logs', 'Logs'],
  ['tools', 'Tools'],
] as const;

function paint(color: ChalkInstance, status: CheckResult['status'], text: string): string {
  if (status === 'ok') return color.green(text);
  if (status === 'warn') return color.yellow(text);
  if (status === 'fail') return color.red(text);
  return color.dim(text);
}

function cell(color: ChalkInstance, check: CheckResult, extra?: string | null): string {
  const text = `${SYMBOL[check.status]}${check.summary}`;
  return paint(color, check.status, extra ? `${text}\n${extra}` : text);
}

/** The results table. */
export function formatSetupTable(results: readonly HostSetupResult[], color: ChalkInstance): string {
  const table = new Table({ head: ['Host', 'Target', ...CHECKS.map(([, title]) => title)], style: { head: [], border: [], compact: true } });
  for (const r of results) {
    table.push([
      r.name,
      r.target,
      cell(color, r.connect),
      cell(color, r.hostKey, r.hostKey.fingerprint),
      cell(color, r.auth),
      cell(color, r.sudo),
      cell(color, r.logs),
      cell(color, r.tools),
    ]);
  }
  return table.toString();
}

/** For each host with a warning, a failure or a key push: one line per problem, saying what to do. */
export function formatSetupHints(results: readonly HostSetupResult[], color: ChalkInstance, options: { onlyFailures?: boolean } = {}): string {
  const blocks: string[] = [];
  for (const r of results) {
    const shown = options.onlyFailures ? r.status === 'fail' : r.status !== 'ok' || r.push !== undefined;
    if (!shown) continue;
    const lines = [`${r.name} (${r.target}):`];
    for (const [field, title] of CHECKS) {
      const check = r[field];
      if ((check.status !== 'fail' && check.status !== 'warn') || !check.hint) continue;
      for (const hint of check.hint.split('\n')) lines.push(`  ${paint(color, check.status, SYMBOL[check.status].trim())} ${title}: ${hint}`);
    }
    if (r.push) {
      const isDone = r.push.status === 'installed' || r.push.status === 'present';
      lines.push(`  ${isDone ? color.green('✓') : color.red('✗')} Key push: ${r.push.detail}`);
    }
    blocks.push(lines.join('\n'));
  }
  return blocks.join('\n\n');
}

/** `3 hosts checked: 1 ready, 1 with warnings, 1 failed`, plus what the key push did. */
export function formatSetupSummary(results: readonly HostSetupResult[]): string {
  const count = (status: HostSetupResult['status']): number => results.filter((r) => r.status === status).length;
  const pushed = results.filter((r) => r.push?.status === 'installed').length;
  const pushNote = pushed > 0 ? `; key installed on ${pushed} host${pushed === 1 ? '' : 's'}` : '';
  if (results.length > 0 && count('ok') === results.length) {
    return `All ${results.length} host${results.length === 1 ? '' : 's'} ready for dthostmon run${pushNote}.`;
  }
  const plural = results.length === 1 ? 'host' : 'hosts';
  return `${results.length} ${plural} checked: ${count('ok')} ready, ${count('warn')} with warnings, ${count('fail')} failed${pushNote}.`;
}

/** What `--generate-key` did, one or two lines per key path. */
export function formatKeyResults(keys: readonly KeyGenerationResult[], color: ChalkInstance): string {
  return keys
    .map((k) => {
      if (k.status === 'failed') return color.red(`✗ ${k.detail}`);
      const fingerprint = k.fingerprint ? ` (${k.fingerprint})` : '';
      const head = k.status === 'created' ? color.green(`✓ ${k.detail}${fingerprint}`) : `${k.detail}${fingerprint}`;
      return k.publicKey ? `${head}\n  public key: ${k.publicKey}` : head;
    })
    .join('\n');
}

/** The `--json` document. */
export function setupJson(input: { config: string; keys: readonly KeyGenerationResult[] | null; notes: readonly string[]; hosts: readonly HostSetupResult[] }): string {
  const count = (status: HostSetupResult['status']): number => input.hosts.filter((r) => r.status === status).length;
  return JSON.stringify(
    {
      config: input.config,
      ...(input.keys ? { keys: input.keys } : {}),
      notes: input.notes,
      hosts: input.hosts,
      summary: { hosts: input.hosts.length, ok: count('ok'), warn: count('warn'), fail: count('fail') },
    },
    null,
    2,
  );
}

import Table from 'cli-table3';
import type { ChalkInstance } from 'chalk';
import type { HostPassResult, PassResult, ShardOutcome } from '../types.js';
import { sanitizeText } from '../collect/sanitize-line.js';

/** Host-derived text (remote stderr, file names, log-derived titles) without escape sequences: it reaches terminals and cron mail. */
const safe = (text: string): string => sanitizeText(text);

function counts(h: HostPassResult): string {
  const by = { crit: 0, warn: 0, info: 0 };
  // The rules' counts (those of the score); AI findings are counted on the AI line.
  for (const f of h.findings) if (f.category !== 'ai.finding') by[f.severity] += 1;
  return `${by.crit}/${by.warn}/${by.info}`;
}

/** Findings first reported by this pass (an open item from an earlier pass is not news). */
const isNew = (f: HostPassResult['findings'][number]): boolean => (f.passes ?? 1) === 1;

/** `2/15`: unexpected changes / all changes since the previous pass; '' when the state was not compared. */
function changes(h: HostPassResult): string {
  if (!h.changes) return '';
  return `${h.changes.filter((c) => !c.expected).length}/${h.changes.length}`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function delta(h: HostPassResult): string {
  if (h.score === null || h.previousScore === null) return '';
  const d = h.score - h.previousScore;
  return d === 0 ? '=' : d > 0 ? `+${d}` : `${d}`;
}

/**
 * The human summary of a pass. With `quiet` only problems are printed (cron mails every byte we print): failed
 * and partial hosts and the NEW critical findings, so a healthy or unchanged pass prints nothing at all. `New` counts
 * the findings first reported by this pass; `Changes` the unexpected and all changes since the previous pass.
 */
export function formatPassSummary(
  result: PassResult,
  options: { color: ChalkInstance; quiet: boolean; reportsDir: string },
): string {
  const c = options.color;
  const failed = result.hosts.filter((h) => h.status === 'failed');
  const partial = result.hosts.filter((h) => h.status === 'partial');
  const lines: string[] = [];
  if (!options.quiet) {
    const table = new Table({
      head: ['Host', 'Site', 'Status', 'Score', 'Δ', 'Crit/Warn/Info', 'New', 'Changes', 'Logs read', 'Time'],
      style: { head: [], border: [], compact: true },
    });
    for (const h of result.hosts) {
      const status = h.status === 'ok' ? c.green('ok') : h.status === 'partial' ? c.yellow('partial') : c.red('failed');
      table.push([
        safe(h.name),
        h.site ?? '-',
        status,
        h.score === null ? '-' : String(h.score),
        delta(h),
        counts(h),
        String(h.findings.filter(isNew).length),
        changes(h),
        formatBytes(h.logBytesRead),
        `${(h.durationMs / 1000).toFixed(1)} s`,
      ]);
    }
    lines.push(table.toString());
  }
  for (const h of [...failed, ...partial]) {
    const mark = h.status === 'failed' ? c.red('✗') : c.yellow('!');
    lines.push(`${mark} ${safe(h.name)}: ${safe(h.error ?? h.status)}`);
  }
  // Only what is new: a critical condition still open is not mailed again by every cron pass.
  const crit = result.hosts.flatMap((h) => h.findings.filter((f) => f.severity === 'crit' && isNew(f)).map((f) => ({ h, f })));
  const d = result.delivery;
  // Dead letters are problems even for cron: a message we gave up on is only here and in the outbox table.
  for (const dead of d?.dead ?? []) lines.push(`${c.red('✗')} gave up delivering ${dead.channel} "${safe(dead.subject)}": ${safe(dead.error)}`);
  if (options.quiet) {
    for (const { h, f } of crit) lines.push(`${c.red('CRIT')} ${safe(h.name)}: ${f.category === 'ai.finding' ? '[AI] ' : ''}${safe(f.title)}`);
    return lines.join('\n');
  }
  const ok = result.hosts.length - failed.length - partial.length;
  const word = result.status === 'timed_out' ? 'stopped at the deadline' : 'complete';
  if (result.shard) lines.push(shardLine(result.shard));
  lines.push(
    `Pass ${result.runId ?? ''} ${word} in ${(result.durationMs / 1000).toFixed(1)} s: ${ok} ok, ${partial.length} partial, ${failed.length} failed. Reports: ${options.reportsDir}`,
  );
  if (d) {
    const parts = [`${d.alertsNotified} alert(s) notified`];
    if (d.alertsMuted.length > 0) parts.push(`${d.alertsMuted.length} muted`);
    if ((d.reports?.length ?? 0) > 0) parts.push(`${d.reports?.length} report(s) due`);
    parts.push(`${d.sent} message(s) delivered`);
    if (d.failed > 0) parts.push(`${d.failed} to retry`);
    lines.push(`Delivery: ${parts.join(', ')}.${d.written.length > 0 ? ` Written as email files: ${safe(d.written.join(', '))}` : ''}`);
  }
  const ai = aiLine(result.hosts);
  if (ai) lines.push(ai);
  const r = result.retention;
  // Only when it did something: the daily run over a young store is not news.
  if (r && r.deletedRows + r.rolledUp > 0) {
    lines.push(
      `Retention: ${r.deletedRows} row(s) past the window deleted${r.archivedRows > 0 ? ` (archived to ${safe(r.archiveFiles.join(', '))})` : ''}, ${r.rolledUp} metric row(s) rolled up, in ${(r.durationMs / 1000).toFixed(1)} s.`,
    );
  }
  return lines.join('\n');
}

/** `Worker w1 of sharded pass job-1 (joined): ran 20 host(s), 3 taken over from a dead worker; finished the pass.` */
function shardLine(shard: ShardOutcome): string {
  if (shard.alreadyFinished) return `Worker ${safe(shard.worker)}: sharded pass ${safe(shard.passKey)} was already finished; nothing to do.`;
  const parts = [`Worker ${safe(shard.worker)} of sharded pass ${safe(shard.passKey)} (${shard.created ? 'started it' : 'joined'})`];
  if (shard.retaken > 0) parts.push(`${shard.retaken} host(s) taken over from a worker that stopped`);
  if (shard.lost > 0) parts.push(`${shard.lost} host(s) lost to another worker`);
  parts.push(shard.finisher ? 'it finished the pass (alerts, reports, delivery)' : 'another worker finished the pass');
  return `${parts.join('; ')}.`;
}

/** `AI: 2 analyzed (1 from cache), 1 unavailable, 7 quiet; 3 finding(s); 5120 tokens in, 812 out, $0.0012.` */
export function aiLine(hosts: readonly HostPassResult[]): string | null {
  const withAi = hosts.filter((h) => h.ai);
  if (withAi.length === 0) return null;
  const count = (status: string) => withAi.filter((h) => h.ai?.status === status).length;
  const analyzed = count('ok') + count('cached');
  const parts = [`${analyzed} analyzed${count('cached') > 0 ? ` (${count('cached')} from cache)` : ''}`];
  if (count('unavailable') > 0) parts.push(`${count('unavailable')} unavailable`);
  if (count('skipped') > 0) parts.push(`${count('skipped')} over budget`);
  parts.push(`${count('quiet')} quiet`);
  const sum = (pick: (a: NonNullable<HostPassResult['ai']>) => number) => withAi.reduce((n, h) => n + (h.ai ? pick(h.ai) : 0), 0);
  const findings = sum((a) => a.findings);
  const dropped = sum((a) => a.droppedClaims);
  return (
    `AI: ${parts.join(', ')}; ${findings} finding(s)${dropped > 0 ? `, ${dropped} uncited claim(s) dropped` : ''}; ` +
    `${sum((a) => a.tokensIn)} tokens in, ${sum((a) => a.tokensOut)} out, $${sum((a) => a.costUsd).toFixed(4)}.`
  );
}

/**
 * `run --textfile FILE`: the pass's metrics for node_exporter's textfile collector (`--collector.textfile.directory`),
 * in the text exposition format, written atomically (temp file in the same directory, fsync, rename; mode 0644 so
 * node_exporter's user can read it). Written after every pass that ran, also when hosts failed; a pass that could not
 * run at all (config, store, lock) leaves the previous file, whose `dthostmon_pass_timestamp_seconds` then ages.
 */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../report/write-file.js';
import { countBySeverity } from '../store/host-result-rows.js';
import type { HostPassResult, PassResult } from '../types.js';
import { formatMetrics, type MetricFamily, type Sample } from '../util/exposition.js';

/** node_exporter reads only `*.prom` files of its directory. */
const TEXTFILE_SUFFIX = '.prom';
const TEXTFILE_MODE = 0o644;

/**
 * The absolute path of `file`, checked before the pass so a typo costs no pass: it must end in `.prom` and its
 * directory must exist (it is node_exporter's, never created here).
 * @throws UsageError naming the flag and the file.
 */
export function textfileTarget(file: string, cwd: string): string {
  const path = resolve(cwd, file);
  if (!path.endsWith(TEXTFILE_SUFFIX)) throw new UsageError(`--textfile ${file}: the name must end in ${TEXTFILE_SUFFIX} (node_exporter reads only *${TEXTFILE_SUFFIX} files)`);
  const isDirectory = (() => {
    try {
      return statSync(dirname(path)).isDirectory();
    } catch {
      return false;
    }
  })();
  if (!isDirectory) throw new UsageError(`--textfile ${file}: directory ${dirname(path)} does not exist (node_exporter's --collector.textfile.directory)`);
  return path;
}

function hostLabels(host: HostPassResult): Record<string, string> {
  return { host: host.name, site: host.site ?? '' };
}

/** Every family of one pass; families without samples (no delivery stage this run) are left out. */
export function passMetrics(result: PassResult): MetricFamily[] {
  const gauge = (name: string, help: string, samples: Sample[]): MetricFamily => ({ name, help, type: 'gauge', samples });
  const byStatus = { ok: 0, partial: 0, failed: 0 };
  for (const host of result.hosts) byStatus[host.status] += 1;
  const delivery = result.delivery;
  const families = [
    gauge('dthostmon_pass_timestamp_seconds', 'When the last pass ended (Unix time).', [{ value: Date.parse(result.finishedAt) / 1000 }]),
    gauge('dthostmon_pass_duration_seconds', 'How long the last pass took.', [{ value: result.durationMs / 1000 }]),
    gauge(
      'dthostmon_pass_status',
      'How the last pass ended: 1 for its status (complete, or timed_out when the pass deadline stopped hosts), 0 for the other.',
      (['complete', 'timed_out'] as const).map((status) => ({ labels: { status }, value: result.status === status ? 1 : 0 })),
    ),
    gauge('dthostmon_pass_host_count', 'Hosts of the last pass.', [{ value: result.hosts.length }]),
    gauge(
      'dthostmon_pass_hosts',
      'Hosts of the last pass by outcome (ok, partial: some source failed, failed: nothing collected).',
      (['ok', 'partial', 'failed'] as const).map((status) => ({ labels: { status }, value: byStatus[status] })),
    ),
    gauge('dthostmon_pass_alerts_notified', 'Alerts the last pass notified (each once, whatever the channels).', delivery ? [{ value: delivery.alertsNotified }] : []),
    gauge(
      'dthostmon_pass_messages',
      'Messages (alerts, reports) the last pass delivered (sent), failed to deliver for a retry (failed), or gave up on (dead).',
      delivery ? [{ labels: { status: 'sent' }, value: delivery.sent }, { labels: { status: 'failed' }, value: delivery.failed }, { labels: { status: 'dead' }, value: delivery.dead.length }] : [],
    ),
    gauge('dthostmon_host_up', '1 when the last pass collected the host (ok or partial), 0 when it failed.', result.hosts.map((h) => ({ labels: hostLabels(h), value: h.status === 'failed' ? 0 : 1 }))),
    gauge(
      'dthostmon_host_score',
      'Health score (0-100) of each host the last pass analyzed.',
      result.hosts.filter((h) => h.score !== null).map((h) => ({ labels: hostLabels(h), value: h.score as number })),
    ),
    gauge(
      'dthostmon_host_findings',
      "Findings of each host in the last pass by severity (the rules' findings: the score's).",
      result.hosts.flatMap((h) => {
        const counts = countBySeverity(h.findings.filter((f) => f.category !== 'ai.finding'));
        return (['crit', 'warn', 'info'] as const).map((severity) => ({ labels: { ...hostLabels(h), severity }, value: counts[severity] }));
      }),
    ),
    gauge('dthostmon_host_collect_seconds', 'How long each host took in the last pass (connect, collect, analyze, store).', result.hosts.map((h) => ({ labels: hostLabels(h), value: h.durationMs / 1000 }))),
  ];
  return families.filter((f) => f.samples.length > 0);
}

/** Writes the pass's metrics to `path` (from textfileTarget) atomically, mode 0644. */
export async function writePassTextfile(path: string, result: PassResult): Promise<void> {
  await writeFileAtomic(path, formatMetrics(passMetrics(result)), { mode: TEXTFILE_MODE });
}

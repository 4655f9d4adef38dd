/** The metrics checks of a validated document (resolve-metrics.ts), located at the key that needs fixing. */
import type { ConfigProblem } from '../errors.js';
import type { ResolvedHost } from '../types.js';
import type { PathSegment } from './config-path.js';
import { checkMetrics, credentialVariables, type MetricsLevel } from './resolve-metrics.js';
import type { ConfigDocument } from './schema.js';

export function checkMetricsDocument(
  doc: ConfigDocument,
  locate: (at: PathSegment[], message: string) => ConfigProblem,
): { errors: ConfigProblem[]; warnings: ConfigProblem[] } {
  const hosts = doc.hosts.map((entry, i) => {
    const site = entry.site !== undefined ? doc.sites[entry.site] : undefined;
    return {
      entry: entry as MetricsLevel,
      path: ['hosts', i] as PathSegment[],
      site: site && entry.site !== undefined ? { entry: site as MetricsLevel, path: ['sites', entry.site] as PathSegment[] } : null,
    };
  });
  const { errors, warnings } = checkMetrics(hosts, doc.global as MetricsLevel);
  return { errors: errors.map((p) => locate(p.path, p.message)), warnings: warnings.map((p) => locate(p.path, p.message)) };
}

/** The values of every credential variable the enabled hosts' sources name, from `env` (unset ones left out). */
export function metricsCredentials(hosts: readonly ResolvedHost[], env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const host of hosts) {
    for (const name of credentialVariables(host.metrics)) {
      const value = env[name];
      if (value !== undefined && value !== '') out[name] = value;
    }
  }
  return out;
}

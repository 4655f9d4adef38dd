import type {
  Finding,
  FindingCategory,
  HealthStatus,
  HostFacts,
  ResourceThresholds,
  ScoreReason,
} from '../types.js';
import { compareFindings } from './order.js';
import { resourceFindings } from './resources.js';

/** Points lost per finding, by severity, and the most one category can take. */
export interface ScoreWeights {
  crit: number;
  warn: number;
  info: number;
  /** So one noisy category (ten brute-forcing IPs) cannot zero the score alone. */
  categoryCapPoints: number;
}

export const DEFAULT_SCORE_WEIGHTS: Readonly<ScoreWeights> = { crit: 25, warn: 8, info: 0, categoryCapPoints: 40 };

/** Categories scored from the measured facts rather than from the finding list. */
export const RESOURCE_CATEGORIES: ReadonlySet<FindingCategory> = new Set(['disk.usage', 'memory.usage', 'cpu.load']);

export interface HostScore {
  score: number;
  status: HealthStatus;
  reasons: ScoreReason[];
}

/** 90-100 healthy, 70-89 minor issues, below 70 needs critical attention. */
export function healthStatus(score: number): HealthStatus {
  if (score >= 90) return 'healthy';
  if (score >= 70) return 'minor';
  return 'critical';
}

/**
 * Health score of one reachable host: 100 minus the weight of each finding (crit 25, warn 8, info 0 by default),
 * at most `categoryCapPoints` per category, floored at 0. Every point lost is a reason (`-25 kernel.oom_kill: ...`).
 *
 * Resource usage (disk per mount, memory, load) is scored from `facts` and the bands, with the same weights as the
 * resource findings; band findings in `findings` (rule `resource.*`) are ignored so a resource counts once, even if
 * the caller dropped or silenced its finding. An unreachable host has no score: the caller reports null, not 0.
 */
/** A resource band finding of resources.ts (`resource.disk`, `resource.memory`, `resource.load`). */
function isBandFinding(finding: Finding): boolean {
  return RESOURCE_CATEGORIES.has(finding.category) && finding.ruleId.startsWith('resource.');
}

export function scoreHost(
  findings: readonly Finding[],
  facts: HostFacts | null,
  thresholds: ResourceThresholds,
  weights: ScoreWeights = DEFAULT_SCORE_WEIGHTS,
): HostScore {
  const scored = [
    // Only the band findings (`resource.*`) are recomputed: a log rule's `disk.usage` ("No space left on device")
    // is an event of its own and costs its points.
    ...findings.filter((f) => !isBandFinding(f)),
    ...(facts ? resourceFindings(facts, thresholds) : []),
  ].sort(compareFindings);
  const spentByCategory = new Map<FindingCategory, number>();
  const reasons: ScoreReason[] = [];
  for (const finding of scored) {
    const weight = weights[finding.severity];
    const spent = spentByCategory.get(finding.category) ?? 0;
    const points = Math.min(weight, weights.categoryCapPoints - spent);
    if (points <= 0) continue;
    spentByCategory.set(finding.category, spent + points);
    const capped = points < weight ? ' (category cap reached)' : '';
    reasons.push({
      points,
      reason: `${finding.category}: ${finding.title}${capped}`,
      category: isBandFinding(finding) ? 'resource' : finding.category,
    });
  }
  const lost = reasons.reduce((n, r) => n + r.points, 0);
  const score = Math.max(0, 100 - lost);
  return { score, status: healthStatus(score), reasons };
}

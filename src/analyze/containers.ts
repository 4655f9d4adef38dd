import type { ContainerInfo, Finding, Severity } from '../types.js';

/** Automatic restarts between two passes from which a container counts as restart-looping (crit). */
export const CONTAINER_RESTART_LOOP_MIN = 5;

/**
 * Exit codes of a container that was stopped on purpose: 0, and 143 (128 + SIGTERM: `docker stop` on a process
 * without a SIGTERM handler). 137 (SIGKILL) is ambiguous (the OOM killer, or `docker stop` after its timeout) and
 * counts as a failure.
 */
const CLEAN_EXIT_CODES: ReadonlySet<number> = new Set([0, 143]);

const EVIDENCE_SOURCE = 'facts:docker';

function values(container: ContainerInfo, extra: Record<string, string | number> = {}): Record<string, string | number> {
  const out: Record<string, string | number> = {
    container: container.name,
    image: container.image,
    state: container.state,
    restartCount: container.restartCount,
  };
  if (container.health !== null) out.health = container.health;
  if (container.exitCode !== null) out.exitCode = container.exitCode;
  if (container.startedAt !== null) out.startedAt = container.startedAt;
  return { ...out, ...extra };
}

function finding(
  category: Finding['category'],
  severity: Severity,
  ruleId: string,
  container: ContainerInfo,
  title: string,
  evidence: Record<string, string | number>,
  recommendation: string,
): Finding {
  return {
    category,
    severity,
    ruleId,
    title,
    key: `${category}:${container.name}`,
    subject: container.name,
    count: 1,
    evidence: [{ source: EVIDENCE_SOURCE, values: evidence }],
    recommendation,
  };
}

const LOGS_RECOMMENDATION = 'Read `docker logs --tail 100 <container>` and `docker inspect <container>` (State) for the cause.';

/** Restart findings: `restarting` now, or automatic restarts counted by docker since the previous pass. */
function restartFinding(container: ContainerInfo, before: ContainerInfo | undefined): Finding | null {
  // docker's RestartCount counts restarts by the restart policy only, not `docker restart`. A container re-created
  // under the same name has a new id, so it is never compared with its predecessor.
  const grown = before ? container.restartCount - before.restartCount : 0;
  const isRestarting = container.state === 'restarting';
  if (grown <= 0 && !isRestarting) return null;
  const severity: Severity = isRestarting || grown >= CONTAINER_RESTART_LOOP_MIN ? 'crit' : 'warn';
  const since = grown > 0 ? `restarted ${grown} time${grown === 1 ? '' : 's'} since the last pass` : '';
  const title = isRestarting
    ? `Container ${container.name} is in a restart loop${since ? ` (${since})` : ''}`
    : `Container ${container.name} ${since} (${container.restartCount} in total)`;
  const extra: Record<string, string | number> = before ? { previousRestartCount: before.restartCount } : {};
  return finding('docker.container_restart', severity, 'docker.restarted', container, title, values(container, extra), LOGS_RECOMMENDATION);
}

/**
 * Findings about docker containers from two passes' `docker inspect` facts (docker's own log lines do not say
 * reliably that a container died or turned unhealthy: moby logs health check failures and task exits at debug level).
 *
 * - `docker.container_restart`: the container is `restarting` now (crit), or its restart count grew since the
 *   previous pass (warn; crit from {@link CONTAINER_RESTART_LOOP_MIN} restarts).
 * - `docker.container_unhealthy` (warn): its health check says `unhealthy` (a condition: reported every pass while
 *   it lasts, as one open item), or it was running at the previous pass and has now exited with a failure code (an
 *   event: reported once, not every pass for as long as the dead container is kept).
 *
 * `previous` is the container list of the previous pass (null on a first pass or when docker was not checked then):
 * without it only conditions are reported. Containers are matched by id. Findings come sorted by container name.
 */
export function containerFindings(current: readonly ContainerInfo[], previous: readonly ContainerInfo[] | null): Finding[] {
  const before = new Map((previous ?? []).map((c) => [c.id, c]));
  const findings: Finding[] = [];
  for (const container of [...current].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))) {
    const prior = before.get(container.id);
    const restart = restartFinding(container, prior);
    if (restart) findings.push(restart);
    if (container.health === 'unhealthy') {
      findings.push(
        finding(
          'docker.container_unhealthy',
          'warn',
          'docker.unhealthy',
          container,
          `Container ${container.name} is unhealthy (its health check fails)`,
          values(container),
          'See the failing health check output: `docker inspect --format "{{json .State.Health}}" <container>`.',
        ),
      );
    } else if (
      prior?.state === 'running' &&
      container.state === 'exited' &&
      container.exitCode !== null &&
      !CLEAN_EXIT_CODES.has(container.exitCode)
    ) {
      findings.push(
        finding(
          'docker.container_unhealthy',
          'warn',
          'docker.exited',
          container,
          `Container ${container.name} stopped with exit code ${container.exitCode}${container.exitCode === 137 ? ' (killed: OOM or docker stop timeout)' : ''}`,
          values(container, { previousState: prior.state }),
          LOGS_RECOMMENDATION,
        ),
      );
    }
  }
  return findings;
}

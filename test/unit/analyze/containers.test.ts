import { CONTAINER_RESTART_LOOP_MIN, containerFindings } from '../../../src/analyze/containers.js';
import type { ContainerInfo } from '../../../src/types.js';

function container(overrides: Partial<ContainerInfo> & Pick<ContainerInfo, 'name'>): ContainerInfo {
  return {
    id: `${overrides.name}-0123456789abcdef`,
    image: `${overrides.name}:latest`,
    state: 'running',
    health: null,
    restartCount: 0,
    exitCode: 0,
    startedAt: '2026-11-25T10:00:00.000000000Z',
    ...overrides,
  };
}

const summary = (findings: ReturnType<typeof containerFindings>): Array<[string, string, string, string]> =>
  findings.map((f) => [f.key, f.severity, f.ruleId, f.title]);

describe('containerFindings', () => {
  it('finds nothing for healthy, unchanged containers, nor for containers without a health check', () => {
    const now = [container({ name: 'web', health: 'healthy', restartCount: 2 }), container({ name: 'db' })];
    expect(containerFindings(now, now)).toEqual([]);
    expect(containerFindings(now, null)).toEqual([]);
  });

  it('reports restarts counted by docker since the previous pass, crit from the loop threshold', () => {
    const before = [container({ name: 'api', restartCount: 3 }), container({ name: 'worker', restartCount: 0 })];
    const now = [
      container({ name: 'worker', restartCount: CONTAINER_RESTART_LOOP_MIN }),
      container({ name: 'api', restartCount: 4 }),
    ];
    const findings = containerFindings(now, before);
    expect(summary(findings)).toEqual([
      ['docker.container_restart:api', 'warn', 'docker.restarted', 'Container api restarted 1 time since the last pass (4 in total)'],
      ['docker.container_restart:worker', 'crit', 'docker.restarted', 'Container worker restarted 5 times since the last pass (5 in total)'],
    ]);
    expect(findings[0]?.subject).toBe('api');
    expect(findings[0]?.count).toBe(1);
    expect(findings[0]?.evidence).toEqual([
      {
        source: 'facts:docker',
        values: {
          container: 'api',
          image: 'api:latest',
          state: 'running',
          restartCount: 4,
          exitCode: 0,
          startedAt: '2026-11-25T10:00:00.000000000Z',
          previousRestartCount: 3,
        },
      },
    ]);
  });

  it('reports a container restarting right now as a restart loop, even on a first pass', () => {
    const now = [container({ name: 'queue', state: 'restarting', restartCount: 41, exitCode: 1 })];
    expect(summary(containerFindings(now, null))).toEqual([
      ['docker.container_restart:queue', 'crit', 'docker.restarted', 'Container queue is in a restart loop'],
    ]);
    const before = [container({ name: 'queue', state: 'running', restartCount: 38 })];
    expect(containerFindings(now, before)[0]?.title).toBe('Container queue is in a restart loop (restarted 3 times since the last pass)');
  });

  it('does not compare a re-created container (new id, count back to 0) with its predecessor', () => {
    const before = [container({ name: 'web', id: 'old', restartCount: 7 })];
    const now = [container({ name: 'web', id: 'new', restartCount: 0 })];
    expect(containerFindings(now, before)).toEqual([]);
  });

  it('reports an unhealthy container every pass while it lasts', () => {
    const now = [container({ name: 'web', health: 'unhealthy' }), container({ name: 'cache', health: 'starting' })];
    const first = containerFindings(now, null);
    expect(summary(first)).toEqual([
      ['docker.container_unhealthy:web', 'warn', 'docker.unhealthy', 'Container web is unhealthy (its health check fails)'],
    ]);
    expect(containerFindings(now, now)).toEqual(first);
  });

  it('reports a container that died with a failure code once, when it stops', () => {
    const before = [
      container({ name: 'api' }),
      container({ name: 'batch' }),
      container({ name: 'stopped' }),
      container({ name: 'oom' }),
    ];
    const now = [
      container({ name: 'api', state: 'exited', exitCode: 1 }),
      container({ name: 'batch', state: 'exited', exitCode: 0 }), // finished its work
      container({ name: 'stopped', state: 'exited', exitCode: 143 }), // docker stop, SIGTERM
      container({ name: 'oom', state: 'exited', exitCode: 137 }),
    ];
    expect(summary(containerFindings(now, before))).toEqual([
      ['docker.container_unhealthy:api', 'warn', 'docker.exited', 'Container api stopped with exit code 1'],
      [
        'docker.container_unhealthy:oom',
        'warn',
        'docker.exited',
        'Container oom stopped with exit code 137 (killed: OOM or docker stop timeout)',
      ],
    ]);
    // Next pass: still exited, nothing new (the event was reported).
    expect(containerFindings(now, now)).toEqual([]);
    // First pass: an old exited container is not an event of this pass.
    expect(containerFindings(now, null)).toEqual([]);
  });

  it('sorts by container name and reports restart and health of one container apart', () => {
    const before = [container({ name: 'b', restartCount: 1 }), container({ name: 'a' })];
    const now = [container({ name: 'b', restartCount: 2, health: 'unhealthy' }), container({ name: 'a', health: 'unhealthy' })];
    expect(containerFindings(now, before).map((f) => f.key)).toEqual([
      'docker.container_unhealthy:a',
      'docker.container_restart:b',
      'docker.container_unhealthy:b',
    ]);
  });
});

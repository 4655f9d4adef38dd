import { normalizeStamp, planDockerLogs, sinceArgument } from '../../../src/collect/docker-logs.js';
import type { ContainerInfo } from '../../../src/types.js';

const container = (over: Partial<ContainerInfo>): ContainerInfo => ({
  id: 'a'.repeat(64),
  name: 'web',
  image: 'web:1',
  state: 'running',
  health: null,
  restartCount: 0,
  exitCode: null,
  startedAt: null,
  ...over,
});

describe('docker log stamps', () => {
  it('normalizes to nine fraction digits, so text order is time order', () => {
    expect(normalizeStamp('2026-11-26T10:00:02.5Z')).toBe('2026-11-26T10:00:02.500000000Z');
    expect(normalizeStamp('2026-11-26T10:00:02Z')).toBe('2026-11-26T10:00:02.000000000Z');
  });

  it('asks docker for one nanosecond after the last stamp, carrying into the seconds', () => {
    expect(sinceArgument('2026-11-26T10:00:02.500000000Z')).toBe('1795687202.500000001');
    expect(sinceArgument('2026-11-26T10:00:02.999999999Z')).toBe('1795687203.000000000');
  });
});

describe('planDockerLogs', () => {
  const stored = [{ source: 'docker:web', state: { id: 'a'.repeat(64), lastTimestamp: '2026-11-26T10:00:02.500000000Z' } }];

  it('reads running containers, and a stopped one only when it was followed before under the same id', () => {
    const plans = planDockerLogs(
      [container({}), container({ id: 'b'.repeat(64), name: 'db', state: 'exited' }), container({ id: 'c'.repeat(64), name: 'new', state: 'restarting' })],
      stored,
      1000,
    );
    expect(plans.map((p) => [p.container.name, p.start])).toEqual([
      ['web', 'since'],
      ['new', 'first'],
    ]);
    expect(plans[0]?.job.body).toContain(`docker logs --timestamps --since 1795687202.500000001 '${'a'.repeat(64)}'`);
    expect(plans[1]?.job.body).toContain('docker logs --timestamps --tail 10000');
    expect(planDockerLogs([container({ state: 'exited' })], stored, 1000).map((p) => p.start)).toEqual(['since']);
  });

  it('reads the whole log of a container recreated under the same name', () => {
    const [plan] = planDockerLogs([container({ id: 'd'.repeat(64) })], stored, 1000);
    expect(plan?.start).toBe('recreated');
    expect(plan?.job.body).toContain(`docker logs --timestamps '${'d'.repeat(64)}'`);
  });

  it('drops lines at or before the stored stamp and keeps the newest stamp seen', () => {
    const [plan] = planDockerLogs([container({})], stored, 1000);
    const parse = plan!.job.parse;
    expect(parse('2026-11-26T10:00:02.500000000Z already read', false)).toBe('skip');
    expect(parse('2026-11-26T10:00:03.1Z new', false)).toMatchObject({ program: 'web', time: '2026-11-26T10:00:03.100000000Z', message: 'new' });
    expect(parse('Error response from daemon: boom', false)).toBeNull();
    expect(plan!.lastTimestamp()).toBe('2026-11-26T10:00:03.100000000Z');
  });
});

import { parseDockerSection } from '../../../src/collect/docker.js';

describe('parseDockerSection', () => {
  it('is null when the host has no docker command', () => {
    expect(parseDockerSection('absent\n')).toBeNull();
  });

  it('joins ps and inspect by id; ps alone still gives name, image, state and a health hint', () => {
    const out = [
      `ps ${JSON.stringify({ ID: 'abc', Names: 'web,alias', Image: 'nginx:1', State: 'running', Status: 'Up 1 hour (health: starting)' })}`,
      `ps ${JSON.stringify({ ID: 'def', Names: 'db', Image: 'pg:16', State: 'exited', Status: 'Exited (3) 1 hour ago' })}`,
      `inspect ${JSON.stringify({ Id: 'def', Name: '/db', RestartCount: 7, State: { Status: 'exited', ExitCode: 3, StartedAt: '2026-11-26T10:00:00Z', Health: { Status: 'unhealthy' } } })}`,
      'inspect {not json',
      `inspect ${JSON.stringify({ Id: 'zzz', RestartCount: 1 })}`,
    ].join('\n');
    expect(parseDockerSection(out)).toEqual([
      { id: 'abc', name: 'web', image: 'nginx:1', state: 'running', health: 'starting', restartCount: 0, exitCode: null, startedAt: null },
      { id: 'def', name: 'db', image: 'pg:16', state: 'exited', health: 'unhealthy', restartCount: 7, exitCode: 3, startedAt: '2026-11-26T10:00:00Z' },
    ]);
  });

  it('is an empty list when no container exists', () => {
    expect(parseDockerSection('')).toEqual([]);
  });
});

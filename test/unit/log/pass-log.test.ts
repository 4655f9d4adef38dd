/**
 * A pass's warnings and progress as events: component `pass`, `host` when it is about a known host, and in the text
 * format exactly the lines `run` printed before structured logs (cron mails and tests read them).
 */
import { createPassLog } from '../../../src/log/pass-log.js';
import type { HostPassResult } from '../../../src/types.js';
import { memoryLogs } from '../../helpers/logs.js';

const result = (over: Partial<HostPassResult>): HostPassResult => ({
  name: 'web-01',
  site: null,
  status: 'ok',
  error: null,
  score: 97,
  previousScore: null,
  health: 'healthy',
  reasons: [],
  findings: [],
  logBytesRead: 0,
  durationMs: 1200,
  reportPath: null,
  ...over,
});

describe('createPassLog', () => {
  it('warnings: warn, the host when the message starts with a known host name, control characters removed', () => {
    const logs = memoryLogs('debug', { component: 'run' });
    const pass = createPassLog(logs.logger, ['web-01', 'db-01'], 5);
    pass.warning('web-01: could not write the host report: EACCES');
    pass.warning('gave up delivering email "x": 550\x1b[31m');
    pass.warning('nohost: something');
    expect(logs.events.map((e) => [e.level, e.component, e.host ?? null])).toEqual([
      ['warn', 'pass', 'web-01'],
      ['warn', 'pass', null],
      ['warn', 'pass', null],
    ]);
    expect(logs.text()).toBe('warning: web-01: could not write the host report: EACCES\nwarning: gave up delivering email "x": 550\nwarning: nohost: something\n');
  });

  it('progress: debug events with fields, the --verbose lines in text', () => {
    const logs = memoryLogs('debug', { component: 'run' });
    const pass = createPassLog(logs.logger, ['web-01', 'db-01'], 5);
    pass.progress({ type: 'pass-start', runId: 12, hostCount: 2 });
    pass.progress({ type: 'host-start', host: 'web-01' });
    pass.progress({ type: 'host-done', result: result({}) });
    pass.progress({ type: 'host-done', result: result({ name: 'db-01', status: 'failed', score: null, error: 'connect ECONNREFUSED', durationMs: 30 }) });
    expect(logs.text()).toBe(['pass 12: 2 host(s), at most 5 at once', 'web-01: collecting', 'web-01: ok score 97', 'db-01: failed (connect ECONNREFUSED)', ''].join('\n'));
    expect(logs.events.every((e) => e.level === 'debug' && e.component === 'pass')).toBe(true);
    expect(logs.events[0]).toMatchObject({ runId: 12, hostCount: 2 });
    expect(logs.events[2]).toMatchObject({ host: 'web-01', status: 'ok', score: 97, durationMs: 1200 });
    expect(logs.events[3]).toMatchObject({ host: 'db-01', status: 'failed', score: null, error: 'connect ECONNREFUSED' });
  });

  it('at the default level the progress is not written at all', () => {
    const logs = memoryLogs('info');
    createPassLog(logs.logger, ['web-01'], 5).progress({ type: 'host-start', host: 'web-01' });
    expect(logs.lines).toEqual([]);
  });
});

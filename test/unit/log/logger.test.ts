/**
 * The logger on pino: the fields of every event, levels, children that replace `component`, secrets redacted in the
 * message and in every string field, fields named like a secret censored, and the text format (the old lines).
 */
import { renderTextLine, textStream } from '../../../src/log/text-line.js';
import { createLogger } from '../../../src/log/logger.js';
import { memoryLogs } from '../../helpers/logs.js';

describe('createLogger', () => {
  it('writes one JSON line per event: ISO time, level label, pid, hostname, component, msg, fields', () => {
    const logs = memoryLogs('info', { component: 'run' });
    logs.logger.info('pass done', { runId: 7, hostCount: 2 });
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]!.endsWith('}\n')).toBe(true);
    const event = logs.events[0]!;
    expect(event).toMatchObject({ level: 'info', component: 'run', msg: 'pass done', runId: 7, hostCount: 2, pid: process.pid });
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(typeof event.hostname).toBe('string');
  });

  it('drops events below its level and says which levels it writes', () => {
    const logs = memoryLogs('warn');
    logs.logger.debug('d');
    logs.logger.info('i');
    logs.logger.warn('w');
    logs.logger.error('e');
    expect(logs.events.map((e) => [e.level, e.msg])).toEqual([
      ['warn', 'w'],
      ['error', 'e'],
    ]);
    expect(logs.logger.isLevelEnabled('info')).toBe(false);
    expect(logs.logger.isLevelEnabled('warn')).toBe(true);
  });

  it('a child or a field replaces the component instead of repeating the key', () => {
    const logs = memoryLogs('debug', { component: 'serve' });
    logs.logger.child({ component: 'schedule' }).info('tick');
    logs.logger.child({ host: 'web-01' }).warn('disk');
    logs.logger.warn('old config key', { component: 'config', key: 'x' });
    expect(logs.lines.every((line) => (line.match(/"component":/g) ?? []).length === 1)).toBe(true);
    expect(logs.events.map((e) => [e.component, e.host ?? null, e.msg])).toEqual([
      ['schedule', null, 'tick'],
      ['serve', 'web-01', 'disk'],
      ['config', null, 'old config key'],
    ]);
    expect(logs.events[2]).toMatchObject({ key: 'x' });
  });

  it('redacts the config secrets in the message and in every string field, children included', () => {
    const logs = memoryLogs();
    const child = logs.logger.child({ component: 'pass' });
    logs.logger.addSecrets(['tok-secret-value', 'pw-4711-secret']);
    child.warn('login with tok-secret-value failed', { host: 'web-01', error: 'postgres://mon:pw-4711-secret@db/x', nested: { list: ['a tok-secret-value b'] } });
    const all = logs.lines.join('');
    expect(all).not.toContain('tok-secret-value');
    expect(all).not.toContain('pw-4711-secret');
    expect(logs.events[0]).toMatchObject({
      msg: 'login with ******** failed',
      error: 'postgres://mon:********@db/x',
      nested: { list: ['a ******** b'] },
      host: 'web-01',
    });
  });

  it('censors fields named like a secret whatever their value, one level down too', () => {
    const logs = memoryLogs();
    logs.logger.info('request', { password: 'hunter2', token: 'abc', headers: { authorization: 'Bearer xyz', 'x-api-key': 'k1', accept: 'json' }, user: 'mon' });
    expect(logs.events[0]).toMatchObject({
      password: '********',
      token: '********',
      headers: { authorization: '********', 'x-api-key': '********', accept: 'json' },
      user: 'mon',
    });
  });

  it('loads nothing and writes nothing until an event passes the level', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', destination: { write: (l: string) => void lines.push(l) } });
    logger.info('not written');
    expect(lines).toEqual([]);
  });
});

describe('the text format', () => {
  it('is the message; warnings and errors tagged; a stack on its own lines; the time first for daemons and files', () => {
    const time = '2026-11-25T10:00:00.000Z';
    expect(renderTextLine({ time, level: 'debug', msg: 'web-01: collecting' }, false)).toBe('web-01: collecting\n');
    expect(renderTextLine({ time, level: 'warn', msg: 'web-01: disk' }, false)).toBe('warning: web-01: disk\n');
    expect(renderTextLine({ time, level: 'error', msg: 'GET /x: boom', stack: 'Error: boom\n    at f' }, false)).toBe('error: GET /x: boom\nError: boom\n    at f\n');
    expect(renderTextLine({ time, level: 'info', msg: '127.0.0.1 GET /x 200 3ms' }, true)).toBe(`${time} 127.0.0.1 GET /x 200 3ms\n`);
  });

  it('textStream turns the JSON lines of a logger into those lines, fields left out', () => {
    let text = '';
    const logger = createLogger({ level: 'debug', bindings: { component: 'run' }, destination: textStream({ write: (t: string) => (text += t) }, false) });
    logger.warn('self: could not write the host report', { host: 'self' });
    logger.debug('self: ok score 92', { host: 'self', score: 92 });
    expect(text).toBe('warning: self: could not write the host report\nself: ok score 92\n');
  });
});

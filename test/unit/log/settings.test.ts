/**
 * What --log-format, --log-file, DTHOSTMON_LOG_FORMAT, --quiet/--verbose and the terminal make of the logger: auto is
 * JSON for run and serve off a terminal and for files, text for a person; bad values are one-line usage errors.
 */
import { resolveLogSettings, type LogSettings } from '../../../src/log/settings.js';
import { UsageError } from '../../../src/errors.js';

const base = (over: Partial<LogSettings> = {}): LogSettings => ({ verbose: false, quiet: false, command: 'run', ...over });

describe('resolveLogSettings', () => {
  it('auto: JSON for run and serve when stderr is not a terminal, text on a terminal and for the other commands', () => {
    expect(resolveLogSettings(base(), {}, '/', false).format).toBe('json');
    expect(resolveLogSettings(base({ command: 'serve' }), {}, '/', false).format).toBe('json');
    expect(resolveLogSettings(base(), {}, '/', true).format).toBe('text');
    expect(resolveLogSettings(base({ command: 'config validate' }), {}, '/', false).format).toBe('text');
    expect(resolveLogSettings(base({ command: 'sync-config' }), {}, '/', false).format).toBe('text');
  });

  it('a log file is JSON unless text is asked for; its path is resolved from the working directory', () => {
    const json = resolveLogSettings(base({ command: 'setup', file: 'logs/d.log' }), {}, '/opt/dthostmon', true);
    expect(json).toMatchObject({ format: 'json', file: '/opt/dthostmon/logs/d.log', withTime: true, holdsHangup: true });
    expect(resolveLogSettings(base({ file: '/var/log/d.log', format: 'text' }), {}, '/', false)).toMatchObject({ format: 'text', withTime: true });
  });

  it('the flag wins over DTHOSTMON_LOG_FORMAT, which wins over auto; case and spaces do not matter', () => {
    expect(resolveLogSettings(base(), { DTHOSTMON_LOG_FORMAT: 'text' }, '/', false).format).toBe('text');
    expect(resolveLogSettings(base({ command: 'config' }), { DTHOSTMON_LOG_FORMAT: ' JSON ' }, '/', true).format).toBe('json');
    expect(resolveLogSettings(base({ format: 'json' }), { DTHOSTMON_LOG_FORMAT: 'text' }, '/', true).format).toBe('json');
    expect(resolveLogSettings(base({ format: 'auto' }), { DTHOSTMON_LOG_FORMAT: 'text' }, '/', false).format).toBe('json');
    expect(resolveLogSettings(base(), { DTHOSTMON_LOG_FORMAT: '' }, '/', false).format).toBe('json');
  });

  it('levels: --quiet warn, default info, --verbose debug (and wins over --quiet)', () => {
    expect(resolveLogSettings(base({ quiet: true }), {}, '/', true).level).toBe('warn');
    expect(resolveLogSettings(base(), {}, '/', true).level).toBe('info');
    expect(resolveLogSettings(base({ verbose: true }), {}, '/', true).level).toBe('debug');
    expect(resolveLogSettings(base({ verbose: true, quiet: true }), {}, '/', true).level).toBe('debug');
  });

  it('the time leads the text lines of serve and of files, not of a run on stderr; SIGHUP is held by run and serve', () => {
    expect(resolveLogSettings(base(), {}, '/', true)).toMatchObject({ withTime: false, holdsHangup: true, file: null });
    expect(resolveLogSettings(base({ command: 'serve' }), {}, '/', true)).toMatchObject({ withTime: true, holdsHangup: true });
    expect(resolveLogSettings(base({ command: 'report' }), {}, '/', true)).toMatchObject({ withTime: false, holdsHangup: false });
  });

  it('a bad format is a usage error naming the flag or the variable', () => {
    expect(() => resolveLogSettings(base({ format: 'xml' }), {}, '/', true)).toThrow(new UsageError('--log-format "xml": expected auto, text or json'));
    expect(() => resolveLogSettings(base(), { DTHOSTMON_LOG_FORMAT: 'pretty' }, '/', true)).toThrow('DTHOSTMON_LOG_FORMAT="pretty": expected auto, text or json');
  });
});

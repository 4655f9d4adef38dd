/**
 * The logs of one CLI process: main.ts creates this, the command's flags open the logger (program.ts), and main.ts
 * logs the fatal error to it and closes it (flushing a --log-file) before the process exits.
 */
import type { CliIo } from '../cli/output.js';
import { openLogFile, type LogFile } from './log-file.js';
import { createLogger, type LogFormat, type Logger } from './logger.js';
import { resolveLogSettings, type LogSettings, type ResolvedLogSettings } from './settings.js';
import { textStream } from './text-line.js';

/** The logger of the command and how it writes. */
export interface OpenedLog {
  logger: Logger;
  format: LogFormat;
  /** The logs go to --log-file, not stderr. */
  isFile: boolean;
}

export interface CliLogs {
  /** The command's logger (created on the first call; later calls return it). @throws UsageError for a bad flag. */
  open(settings: LogSettings): Logger;
  /** The opened logger, or null when the command failed before opening it. */
  current(): OpenedLog | null;
  /** Stops handling SIGHUP and flushes and closes the log file. */
  close(): Promise<void>;
}

function buildLogger(resolved: ResolvedLogSettings, target: { write(text: string): unknown }, command: string): Logger {
  const destination = resolved.format === 'json' ? { write: (line: string) => void target.write(line) } : textStream(target, resolved.withTime);
  return createLogger({ destination, level: resolved.level, bindings: { component: command } });
}

/** The stderr logger of a command that did not get one from the CLI (tests that call a command directly). */
export function stderrLogger(io: CliIo, settings: LogSettings): Logger {
  return buildLogger(resolveLogSettings({ ...settings, file: undefined }, io.env, io.cwd, Boolean(io.stderr.isTTY)), io.stderr, settings.command);
}

/** The logs of one CLI invocation, writing to `io.stderr` or the --log-file. */
export function createCliLogs(io: CliIo): CliLogs {
  let opened: OpenedLog | null = null;
  let file: LogFile | null = null;
  let onHangup: (() => void) | null = null;
  return {
    open(settings) {
      if (opened) return opened.logger;
      const resolved = resolveLogSettings(settings, io.env, io.cwd, Boolean(io.stderr.isTTY));
      if (resolved.holdsHangup) {
        // Before the file exists (loading pino takes a moment): a HUP that finds the file must find the handler.
        // logrotate moves the file, then sends SIGHUP: the next lines go to a new file at the same path. Without a
        // file there is nothing to reopen, but a HUP meant for a sibling process must not end a pass either.
        onHangup = () => {
          if (!file || !opened) return;
          file.reopen();
          opened.logger.info('log file reopened (SIGHUP)', { file: resolved.file });
        };
        process.on('SIGHUP', onHangup);
      }
      if (resolved.file !== null) file = openLogFile(resolved.file, (message) => void io.stderr.write(`dthostmon: ${message}\n`));
      opened = { logger: buildLogger(resolved, file?.stream ?? io.stderr, settings.command), format: resolved.format, isFile: file !== null };
      return opened.logger;
    },
    current: () => opened,
    close: async () => {
      if (onHangup) process.off('SIGHUP', onHangup);
      onHangup = null;
      await file?.close();
      file = null;
    },
  };
}

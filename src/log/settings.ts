/**
 * From the flags (`--log-format`, `--log-file`, `--verbose`, `--quiet`), DTHOSTMON_LOG_FORMAT and the terminal to
 * what the logger does. `auto` (the default) is JSON when the logs go to a file, or when an unattended command (`run`,
 * `serve`) writes them to a stderr that is not a terminal (cron, systemd, a container); readable text otherwise. The
 * other commands print for a person, so their `auto` is text.
 */
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { LogFormat, LogLevel } from './logger.js';

/** The logging flags of one command, as parsed. */
export interface LogSettings {
  /** --log-format (auto, text or json); else DTHOSTMON_LOG_FORMAT; else auto. */
  format?: string;
  /** --log-file: the logs go there instead of stderr. */
  file?: string;
  verbose: boolean;
  quiet: boolean;
  /** The command's name (`run`, `serve`, `config`, ...): the events' component, and what `auto` means. */
  command: string;
}

export interface ResolvedLogSettings {
  format: LogFormat;
  /** --quiet: warn and error; default: info and up; --verbose: debug and up (wins over --quiet). */
  level: LogLevel;
  /** The absolute path of --log-file, or null for stderr. */
  file: string | null;
  /** Text lines start with the ISO time (serve, and any log file). */
  withTime: boolean;
  /** SIGHUP reopens the log file and never stops this command (logrotate's postrotate). */
  holdsHangup: boolean;
}

/** Commands that run unattended: `auto` means JSON off a terminal, and SIGHUP does not stop them. */
const UNATTENDED_COMMANDS = new Set(['run', 'serve']);
/** Commands that run for days: their text lines carry the time. */
const DAEMON_COMMANDS = new Set(['serve']);
const FORMATS = ['auto', 'text', 'json'] as const;

function parseFormat(value: string, source: string): (typeof FORMATS)[number] {
  const choice = FORMATS.find((f) => f === value.trim().toLowerCase());
  if (!choice) throw new UsageError(`${source}: expected auto, text or json`);
  return choice;
}

/**
 * What the logger of one command does.
 * @throws UsageError for a --log-format or DTHOSTMON_LOG_FORMAT that is not auto, text or json.
 */
export function resolveLogSettings(settings: LogSettings, env: NodeJS.ProcessEnv, cwd: string, isStderrTty: boolean): ResolvedLogSettings {
  const fromEnv = env.DTHOSTMON_LOG_FORMAT;
  const choice =
    settings.format !== undefined
      ? parseFormat(settings.format, `--log-format ${JSON.stringify(settings.format)}`)
      : fromEnv
        ? parseFormat(fromEnv, `DTHOSTMON_LOG_FORMAT=${JSON.stringify(fromEnv)}`)
        : 'auto';
  const file = settings.file ? resolve(cwd, settings.file) : null;
  const isUnattended = UNATTENDED_COMMANDS.has(settings.command);
  const format: LogFormat = choice !== 'auto' ? choice : file || (isUnattended && !isStderrTty) ? 'json' : 'text';
  return {
    format,
    level: settings.verbose ? 'debug' : settings.quiet ? 'warn' : 'info',
    file,
    withTime: file !== null || DAEMON_COMMANDS.has(settings.command),
    holdsHangup: file !== null || isUnattended,
  };
}

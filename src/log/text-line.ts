/**
 * The readable log format: the lines dthostmon always printed. A warning is `warning: <msg>`, an error
 * `error: <msg>`, anything else the message alone; a `stack` field follows on its own lines. The fields stay in the
 * JSON format only. Daemons and log files put the ISO time first (`serve`, `--log-file`); a pass run from cron does
 * not (its mail is read by a person, and the mail has a date).
 */
import type { DestinationStream } from 'pino';

/** One event as pino wrote it (JSON.parse of one line). */
interface LogEvent {
  time?: string;
  level?: string;
  msg?: string;
  stack?: unknown;
}

const LEVEL_TAGS: Record<string, string> = { warn: 'warning: ', error: 'error: ', fatal: 'error: ' };

/** The text line(s) of one event, ending with a newline. */
export function renderTextLine(event: LogEvent, withTime: boolean): string {
  const time = withTime && event.time ? `${event.time} ` : '';
  const stack = typeof event.stack === 'string' ? `\n${event.stack}` : '';
  return `${time}${LEVEL_TAGS[event.level ?? ''] ?? ''}${event.msg ?? ''}${stack}\n`;
}

/** A pino destination that writes the text format to `target`. */
export function textStream(target: { write(text: string): unknown }, withTime: boolean): DestinationStream {
  return { write: (line: string) => void target.write(renderTextLine(JSON.parse(line) as LogEvent, withTime)) };
}

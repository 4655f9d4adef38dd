import { createLogger, type LogFields, type Logger, type LogLevel } from '../../src/log/logger.js';
import { renderTextLine } from '../../src/log/text-line.js';

/** One event as the JSON format writes it. */
export interface LogEvent {
  time: string;
  level: string;
  msg: string;
  component?: string;
  host?: string;
  [field: string]: unknown;
}

export interface MemoryLogs {
  logger: Logger;
  /** Every event written, parsed from its JSON line. */
  events: LogEvent[];
  /** The JSON lines as written. */
  lines: string[];
  /** The `msg` of every event. */
  messages(): string[];
  /** The text format of every event (without the time). */
  text(): string;
}

/** The real logger (pino, JSON lines) writing into memory, for code that takes a Logger. */
export function memoryLogs(level: LogLevel = 'debug', bindings: LogFields = { component: 'test' }): MemoryLogs {
  const lines: string[] = [];
  const events: LogEvent[] = [];
  const logger = createLogger({
    level,
    bindings,
    destination: {
      write: (line: string) => {
        lines.push(line);
        events.push(JSON.parse(line) as LogEvent);
      },
    },
  });
  return {
    logger,
    events,
    lines,
    messages: () => events.map((e) => e.msg),
    text: () => events.map((e) => renderTextLine(e, false)).join(''),
  };
}

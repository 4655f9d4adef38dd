import { ConfigError, DthostmonError, formatProblem } from '../errors.js';
import type { LogFields } from '../log/logger.js';

/** Internal error: a bug, not a user mistake. */
export const EXIT_INTERNAL = 70;

/** The error that ends a command: its exit status, its plain lines, and the same as one log event. */
export interface Fatal {
  exitCode: number;
  /** The text format: one line per known error (one per config problem), a stack only with --verbose. */
  lines: string[];
  msg: string;
  fields: LogFields;
}

/**
 * Known errors are one line each (a ConfigError one per located problem); anything else is an internal error whose
 * stack is shown only with --verbose.
 */
export function describeFatal(err: unknown, verbose: boolean): Fatal {
  if (err instanceof ConfigError) {
    const n = err.problems.length;
    const lines = err.message.split('\n');
    const summary = `${n} problems in the config; nothing was run`;
    return {
      exitCode: err.exitCode,
      lines: n > 1 ? [...lines, `dthostmon: ${summary}`] : lines,
      msg: n > 1 ? summary : err.message,
      fields: { exitCode: err.exitCode, problems: err.problems.map((p) => (p.file ? formatProblem(p) : p.message)) },
    };
  }
  if (err instanceof DthostmonError) {
    const stack = verbose && err.cause instanceof Error ? err.cause.stack : undefined;
    return {
      exitCode: err.exitCode,
      lines: [`dthostmon: ${err.message}`, ...(stack ? [stack] : [])],
      msg: err.message,
      fields: { exitCode: err.exitCode, ...(stack ? { stack } : {}) },
    };
  }
  const message = `internal error: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`;
  const stack = verbose && err instanceof Error ? err.stack : undefined;
  return {
    exitCode: EXIT_INTERNAL,
    lines: [`dthostmon: ${message}`, stack ?? 'dthostmon: rerun with --verbose for the stack trace, and please report it'],
    msg: message,
    fields: { exitCode: EXIT_INTERNAL, ...(stack ? { stack } : {}) },
  };
}

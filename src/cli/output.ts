import { Chalk, type ChalkInstance } from 'chalk';
import type { Ora } from 'ora';
import { stderrLogger } from '../log/cli-logs.js';
import type { Logger } from '../log/logger.js';

/** Where a command reads its environment and writes its output; the real process by default, buffers in tests. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function processIo(): CliIo {
  // `dthostmon config schema | head`: a reader that goes away is not an error (no EPIPE stack
  // trace); the rest of the output is dropped, as with cat.
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount('error') === 0) {
      stream.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') throw err;
      });
    }
  }
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Global output flags shared by every command. */
export interface OutputOptions {
  verbose: boolean;
  quiet: boolean;
  json: boolean;
  io: CliIo;
  /** The command's logger (program.ts opens it from --log-format/--log-file); default: one on stderr. */
  logger?: Logger;
}

/**
 * TTY-aware output. Colour only on a TTY and never with NO_COLOR; the spinner only on a TTY, because cron mails
 * whatever we print and a spinner there is noise.
 */
export interface Output {
  readonly color: ChalkInstance;
  readonly options: OutputOptions;
  /** Log events (warnings, progress, requests): text or JSON lines on stderr, or the --log-file. */
  readonly log: Logger;
  /** Normal output (stdout). */
  out(text: string): void;
  /** Diagnostics (stderr), always printed. */
  err(text: string): void;
  /** Progress/detail lines (stderr), only with --verbose. */
  verbose(text: string): void;
  /** A spinner on stderr when it is a TTY and not --quiet/--json; otherwise a no-op. */
  spinner(text: string): Spinner;
}

export interface Spinner {
  setText(text: string): void;
  stop(): void;
  succeed(text?: string): void;
  fail(text?: string): void;
}

const silentSpinner: Spinner = { setText: () => undefined, stop: () => undefined, succeed: () => undefined, fail: () => undefined };

export function isColorEnabled(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

/** The output of one command; `command` names the component of its default logger. */
export function createOutput(options: OutputOptions, command = 'cli'): Output {
  const streams = options.io;
  const color = new Chalk({ level: isColorEnabled(streams.env, Boolean(streams.stdout.isTTY)) ? 1 : 0 });
  const spinnerAllowed =
    Boolean(streams.stderr.isTTY) && !options.quiet && !options.json && isColorEnabled(streams.env, true);
  return {
    color,
    options,
    log: options.logger ?? stderrLogger(streams, { verbose: options.verbose, quiet: options.quiet, command }),
    out: (text) => void streams.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => void streams.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    verbose: (text) => {
      if (options.verbose) streams.stderr.write(`${text}\n`);
    },
    spinner: (text) => {
      if (!spinnerAllowed || options.verbose) return silentSpinner;
      return lazySpinner(text, streams.stderr as NodeJS.WritableStream);
    },
  };
}

/**
 * An ora spinner, loaded on first use: only an interactive run shows one, so cron never loads ora. Until it has
 * loaded, the text is remembered, and a pass that ends first still prints its final line.
 */
function lazySpinner(initial: string, stream: NodeJS.WritableStream): Spinner {
  let text = initial;
  let spinner: Ora | null = null;
  let isEnded = false;
  void import('ora').then(
    ({ default: ora }) => {
      if (!isEnded) spinner = ora({ text, stream }).start();
    },
    () => undefined,
  );
  const end = (symbol: string, t: string | undefined, how: 'succeed' | 'fail' | 'stop'): void => {
    if (isEnded) return;
    isEnded = true;
    if (spinner) {
      if (how === 'stop') spinner.stop();
      else spinner[how](t);
    } else if (how !== 'stop') {
      stream.write(`${symbol} ${t ?? text}\n`);
    }
  };
  return {
    setText: (t) => {
      text = t;
      if (spinner) spinner.text = t;
    },
    stop: () => end('', undefined, 'stop'),
    succeed: (t) => end('✔', t, 'succeed'),
    fail: (t) => end('✖', t, 'fail'),
  };
}

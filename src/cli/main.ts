import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { ConfigError, DthostmonError } from '../errors.js';
import { processIo, type CliIo } from './output.js';

/** Internal error: a bug, not a user mistake. */
export const EXIT_INTERNAL = 70;

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * The only place that turns errors into exit statuses. Known errors print one line each (a ConfigError prints every
 * located problem); anything else is an internal error whose stack is shown only with --verbose.
 */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const stderr = io.stderr;
  let code = 0;
  const program = buildProgram(
    packageVersion(),
    (c) => {
      code = c;
    },
    io,
  );
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof ConfigError) {
      for (const line of err.message.split('\n')) stderr.write(`${line}\n`);
      const n = err.problems.length;
      if (n > 1) stderr.write(`dthostmon: ${n} problems in the config; nothing was run\n`);
      return err.exitCode;
    }
    if (err instanceof DthostmonError) {
      stderr.write(`dthostmon: ${err.message}\n`);
      if (verbose && err.cause instanceof Error && err.cause.stack) stderr.write(`${err.cause.stack}\n`);
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    stderr.write(`dthostmon: internal error: ${message.split('\n')[0]}\n`);
    if (verbose && err instanceof Error && err.stack) stderr.write(`${err.stack}\n`);
    else stderr.write('dthostmon: rerun with --verbose for the stack trace, and please report it\n');
    return EXIT_INTERNAL;
  }
}

import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { describeFatal, type Fatal } from './fatal.js';
import { processIo, type CliIo } from './output.js';
import { createCliLogs, type OpenedLog } from '../log/cli-logs.js';

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
 * located problem); anything else is an internal error whose stack is shown only with --verbose. In the JSON log
 * format the error is one event instead; with --log-file it goes to the file and the plain lines still go to stderr
 * (cron and systemd show why the command failed).
 */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let code = 0;
  const logs = createCliLogs(io);
  const program = buildProgram(
    packageVersion(),
    (c) => {
      code = c;
    },
    io,
    logs,
  );
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const fatal = describeFatal(err, verbose);
    reportFatal(fatal, logs.current(), io);
    return fatal.exitCode;
  } finally {
    await logs.close();
  }
}

function reportFatal(fatal: Fatal, log: OpenedLog | null, io: CliIo): void {
  const isJsonOnStderr = log?.format === 'json' && !log.isFile;
  if (log && (isJsonOnStderr || log.isFile)) log.logger.error(fatal.msg, fatal.fields);
  if (!isJsonOnStderr) for (const line of fatal.lines) io.stderr.write(`${line}\n`);
}

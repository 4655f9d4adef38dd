import { Command, Option } from 'commander';
import type { CliIo } from './output.js';

/** Flags every command understands, normalized. */
export interface GlobalOptions {
  config?: string;
  verbose: boolean;
  quiet: boolean;
  json: boolean;
  io: CliIo;
}

/** What a command action returns: the exit status. */
export type CommandResult = Promise<number>;

const EXAMPLES = `
Examples:
  $ dthostmon run                               one monitoring pass over every enabled host
  $ dthostmon run -c /opt/dthostmon/config/dthostmon.yaml --quiet    from cron: prints only problems
  $ dthostmon run --host web-01 --host db-01    only these hosts
  $ dthostmon run --json | jq '.hosts[] | {name, score}'
  $ dthostmon config                            the resolved config, secrets masked
  $ dthostmon report --host web-01 --format html --out web-01.html
  $ dthostmon report --site s01-chicago --since 7d --send
  $ dthostmon db migrate                        create or upgrade the database schema

Config file: -c/--config, else $DTHOSTMON_CONFIG, else ./config/dthostmon.yaml, else
/opt/dthostmon/config/dthostmon.yaml.

Exit codes: 0 pass complete, 1 pass complete but some host failed, 2 config or usage error,
3 store unavailable, 4 another pass is running, 70 internal error (a bug: rerun with --verbose).
`;

/**
 * Commander wiring only: each command normalizes its flags and lazily imports the one module that does the work.
 * `setResult` receives the exit status the command's action computed.
 */
export function buildProgram(version: string, setResult: (code: number) => void, io: CliIo): Command {
  // Settings made before .command() are inherited by the subcommands: errors throw instead of exiting.
  const program = new Command('dthostmon')
    .exitOverride()
    .configureOutput({ writeOut: (t) => void io.stdout.write(t), writeErr: (t) => void io.stderr.write(t) })
    .description('Agentless fleet monitor: one bounded pass over your Linux hosts, findings, health scores, reports.')
    .version(version, '-V, --version')
    .option('-c, --config <file>', 'config file (YAML)')
    .option('-v, --verbose', 'more detail on stderr, and stack traces for internal errors', false)
    .option('-q, --quiet', 'print only problems (for cron)', false)
    .option('--json', 'machine-readable JSON on stdout', false)
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);

  const globals = (cmd: Command): GlobalOptions => {
    const o = cmd.optsWithGlobals<GlobalOptions>();
    return { config: o.config, verbose: Boolean(o.verbose), quiet: Boolean(o.quiet), json: Boolean(o.json), io };
  };

  program
    .command('run')
    .description('run one monitoring pass over the enabled hosts, then exit')
    .addOption(new Option('--host <name...>', 'only these hosts (repeatable)'))
    .allowExcessArguments(false)
    .action(async (opts: { host?: string[] }, cmd: Command) => {
      const { run } = await import('./commands/run.js');
      setResult(await run({ ...globals(cmd), hosts: opts.host ?? [] }));
    });

  program
    .command('config')
    .description('print the resolved config (secrets masked) and each host\'s settings')
    .option('--show-secrets', 'print secrets in clear text', false)
    .allowExcessArguments(false)
    .action(async (opts: { showSecrets: boolean }, cmd: Command) => {
      const { config } = await import('./commands/config.js');
      setResult(await config({ ...globals(cmd), showSecrets: Boolean(opts.showSecrets) }));
    });

  program
    .command('report')
    .description('render (or --send) one host or site report now, from the store')
    .option('--host <name>', 'the report of this host')
    .option('--site <id>', 'the report of this site ("fleet": hosts without a site)')
    .option('--format <format>', 'md, html (self-contained, inline SVG charts), text or json', 'md')
    .option('--since <duration>', 'period covered, e.g. 24h, 7d (default: since the last report sent, else 24h)')
    .option('--out <file>', 'write the report to this file instead of stdout')
    .option('--send', 'queue and deliver it to the report recipients (an .eml file without SMTP)', false)
    .allowExcessArguments(false)
    .action(async (opts: { host?: string; site?: string; format: string; since?: string; out?: string; send: boolean }, cmd: Command) => {
      const { report } = await import('./commands/report.js');
      setResult(await report({ ...globals(cmd), ...opts, send: Boolean(opts.send) }));
    });

  // --- setup command (owner: src/cli/commands/setup.ts) ---

  // --- sync-config command (owner: src/cli/commands/sync-config.ts) ---

  const db = program.command('db').description('database maintenance');
  db.command('migrate')
    .description('create or upgrade the database schema (run does this automatically)')
    .allowExcessArguments(false)
    .action(async (_opts: unknown, cmd: Command) => {
      const { dbMigrate } = await import('./commands/db-migrate.js');
      setResult(await dbMigrate(globals(cmd)));
    });

  return program;
}

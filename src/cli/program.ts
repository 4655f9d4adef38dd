import { Command, Option } from 'commander';
import type { CliIo } from './output.js';
import { createCliLogs, type CliLogs } from '../log/cli-logs.js';
import type { Logger } from '../log/logger.js';

/** Flags every command understands, normalized. */
export interface GlobalOptions {
  config?: string;
  verbose: boolean;
  quiet: boolean;
  json: boolean;
  io: CliIo;
  /** The command's logger, opened from --log-format, --log-file, --verbose and --quiet. */
  logger?: Logger;
}

/** What a command action returns: the exit status. */
export type CommandResult = Promise<number>;

const EXAMPLES = `
Examples:
  $ dthostmon run                               one monitoring pass over every enabled host
  $ dthostmon run -c /opt/dthostmon/config/dthostmon.yaml --quiet    from cron: prints only problems
  $ dthostmon run --host web-01 --host db-01    only these hosts
  $ dthostmon run --json | jq '.hosts[] | {name, score}'
  $ dthostmon config                            the resolved config, secrets masked, where each value came from
  $ dthostmon config validate                   exit 0 when the config is valid, else 2 with every problem
  $ dthostmon report --host web-01 --format html --out web-01.html
  $ dthostmon report --site s01-chicago --since 7d --send
  $ dthostmon db migrate                        create or upgrade the database schema
  $ dthostmon db prune --dry-run                what retention would archive, delete and roll up now
  $ dthostmon setup                             test every host: connection, host key, login, sudo, logs, tools
  $ dthostmon setup --generate-key --push-keys  first setup: create the key and install it (asks the password once)
  $ dthostmon sync-config --dry-run             sites and hosts from $DOCKER_SITES_DIR, as a diff; nothing written
  $ dthostmon serve --schedule "@every 1h"      the API (api.api_key) and hourly passes without cron

Config file: -c/--config, else $DTHOSTMON_CONFIG, else ./config/dthostmon.yaml, else
/opt/dthostmon/config/dthostmon.yaml.

Exit codes: 0 pass complete, 1 pass complete but some host failed, 2 config or usage error,
3 store unavailable, 4 another pass is running, 70 internal error (a bug: rerun with --verbose),
130 setup cancelled at the password prompt.
`;

/**
 * Commander wiring only: each command normalizes its flags and lazily imports the one module that does the work.
 * `setResult` receives the exit status the command's action computed; `logs` opens the command's logger.
 */
export function buildProgram(version: string, setResult: (code: number) => void, io: CliIo, logs: CliLogs = createCliLogs(io)): Command {
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
    .option('--log-format <format>', 'auto, text or json (default auto: JSON lines when run or serve log to a non-terminal; env DTHOSTMON_LOG_FORMAT)')
    .option('--log-file <file>', 'write the logs to this file (appended, JSON unless --log-format text; SIGHUP reopens it)')
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);

  const globals = (cmd: Command): GlobalOptions => {
    const o = cmd.optsWithGlobals<GlobalOptions & { logFormat?: string; logFile?: string }>();
    const [verbose, quiet] = [Boolean(o.verbose), Boolean(o.quiet)];
    const logger = logs.open({ format: o.logFormat, file: o.logFile, verbose, quiet, command: commandPath(cmd) });
    return { config: o.config, verbose, quiet, json: Boolean(o.json), io, logger };
  };

  program
    .command('run')
    .description('run one monitoring pass over the enabled hosts, then exit')
    .addOption(new Option('--host <name...>', 'only these hosts (repeatable)'))
    .option('--worker', 'be one worker of a sharded pass over PostgreSQL: hosts are shared by leases (docs/sharding.md)', false)
    .addOption(new Option('--pass-key <key>', 'the pass the workers share (default: the current minute, UTC)').env('DTHOSTMON_PASS_KEY'))
    .addOption(new Option('--worker-id <id>', 'this worker\'s name (default: hostname:pid)').env('DTHOSTMON_WORKER_ID'))
    .option('--lease <duration>', 'a dead worker\'s hosts are taken over after this long without a heartbeat', '60s')
    .option('--textfile <file>', 'write the pass metrics for the node_exporter textfile collector to FILE (*.prom, atomically)')
    .allowExcessArguments(false)
    .action(async (opts: { host?: string[]; worker: boolean; passKey?: string; workerId?: string; lease: string; textfile?: string }, cmd: Command) => {
      const { run } = await import('./commands/run.js');
      setResult(
        await run({
          ...globals(cmd),
          hosts: opts.host ?? [],
          ...(opts.textfile !== undefined ? { textfile: opts.textfile } : {}),
          ...(opts.worker ? { worker: { passKey: opts.passKey, workerId: opts.workerId, lease: opts.lease } } : {}),
        }),
      );
    });

  const configCommand = program
    .command('config')
    .description("print the resolved config (secrets masked), each host's settings and where each came from")
    .option('--show-secrets', 'print secrets in clear text', false)
    .addOption(new Option('--host <name...>', "only these hosts' resolved settings"))
    .allowExcessArguments(false)
    .action(async (opts: { showSecrets: boolean; host?: string[] }, cmd: Command) => {
      const { config } = await import('./commands/config.js');
      setResult(await config({ ...globals(cmd), showSecrets: Boolean(opts.showSecrets), hosts: opts.host ?? [] }));
    });
  configCommand
    .command('validate')
    .description('check the config as `run` would load it: exit 0 when valid, 2 with every problem located')
    .allowExcessArguments(false)
    .action(async (_opts: unknown, cmd: Command) => {
      const { configValidate } = await import('./commands/config.js');
      setResult(await configValidate(globals(cmd)));
    });
  configCommand
    .command('schema')
    .description('print the JSON Schema of dthostmon.yaml (editor completion and checks)')
    .option('--out <file>', 'write it to this file instead of stdout')
    .allowExcessArguments(false)
    .action(async (opts: { out?: string }, cmd: Command) => {
      const { configSchemaCommand } = await import('./commands/config.js');
      setResult(await configSchemaCommand({ ...globals(cmd), out: opts.out }));
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
  program
    .command('setup')
    .description('check every host (connection, host key, key login, sudo, log access, tools); create and install the SSH key')
    .addOption(new Option('--host <name...>', 'only these hosts, disabled ones included (repeatable)'))
    .option('--generate-key', 'create the Ed25519 key at ssh.key_path (0600) if there is none', false)
    .option('--push-keys', "install the key on hosts that refuse it (asks the user's password once, on a terminal)", false)
    .allowExcessArguments(false)
    .action(async (opts: { host?: string[]; generateKey: boolean; pushKeys: boolean }, cmd: Command) => {
      const { setup } = await import('./commands/setup.js');
      setResult(await setup({ ...globals(cmd), hosts: opts.host ?? [], generateKey: Boolean(opts.generateKey), pushKeys: Boolean(opts.pushKeys) }));
    });

  // --- sync-config command (owner: src/cli/commands/sync-config.ts) ---
  program
    .command('sync-config')
    .description('build the sites and hosts of dthostmon.yaml from the divtools sites dir (or write example files)')
    .option('--sites-dir <dir>', 'the sites dir (default $DOCKER_SITES_DIR, else $DIVTOOLS/docker/sites)')
    .option('--dry-run', 'print the change as a unified diff and validate it; write nothing', false)
    .option('--debug', 'list the files read and what each contributed', false)
    .option('--prune', 'remove hosts whose host folder is gone (in a site folder that exists)', false)
    .option('--site <id>', 'only this site folder (scaffolds: the site; default SITE_NAME from ~/.env)')
    .option('--host <folder>', 'only host folders of this name (scaffolds: the host; default this hostname)')
    .option('--example-yaml <file>', 'write an example dthm YAML to FILE ("-" = stdout); a site example for --site or a FILE named *site*')
    .option('--example-env <file>', 'write an example env file to FILE ("-" = stdout), site or host as for --example-yaml')
    .option('--scaffold-yaml', 'create <sites>/<site>/<host>/dthm-<host>.yaml for --site/--host, or every host folder with --all', false)
    .option('--scaffold-env', 'create or complete <sites>/<site>/<host>/.env.<host> likewise', false)
    .option('--all', 'scaffold every host folder (of --site, else of every site)', false)
    .option('--force', 'scaffolds: overwrite an existing YAML, append missing variables to an existing env file', false)
    .allowExcessArguments(false)
    .addHelpText(
      'after',
      `
Exit codes: 0 synced (or up to date), 2 a problem in a folder file, the config or the flags: nothing written.
Details: docs/sync-config.md`,
    )
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const { syncConfig } = await import('./commands/sync-config.js');
      const text = (key: string) => (typeof opts[key] === 'string' ? (opts[key] as string) : undefined);
      setResult(
        await syncConfig({
          ...globals(cmd),
          sitesDir: text('sitesDir'),
          dryRun: Boolean(opts.dryRun),
          debug: Boolean(opts.debug),
          prune: Boolean(opts.prune),
          site: text('site'),
          host: text('host'),
          exampleYaml: text('exampleYaml'),
          exampleEnv: text('exampleEnv'),
          scaffoldYaml: Boolean(opts.scaffoldYaml),
          scaffoldEnv: Boolean(opts.scaffoldEnv),
          all: Boolean(opts.all),
          force: Boolean(opts.force),
        }),
      );
    });

  // --- serve command (owner: src/cli/commands/serve.ts) ---
  program
    .command('serve')
    .description('serve the read API (JSON, /health, /metrics); with --schedule also run passes in-process')
    .option('--port <port>', 'listen on this port (default api.port, 8080; 0: any free port)')
    .option('--bind <address>', 'listen on this address (default api.bind, 127.0.0.1; 0.0.0.0 for the LAN)')
    .option('--schedule <cron>', 'run passes in-process: a cron expression ("17 * * * *") or "@every 5m"')
    .allowExcessArguments(false)
    .addHelpText(
      'after',
      `
Needs api.api_key (clients send X-API-Key or Authorization: Bearer). Stops on SIGINT/SIGTERM.
Exit codes: 0 stopped, 2 config or usage error (no api_key, bad --schedule, TLS file, address in use),
3 store unavailable.`,
    )
    .action(async (opts: { port?: string; bind?: string; schedule?: string }, cmd: Command) => {
      let port: number | undefined;
      if (opts.port !== undefined) {
        port = Number(opts.port);
        if (!/^\d+$/.test(opts.port) || port > 65535) {
          const { UsageError } = await import('../errors.js');
          throw new UsageError(`--port ${JSON.stringify(opts.port)}: expected a port number 0-65535`);
        }
      }
      const { serve } = await import('./commands/serve.js');
      setResult(await serve({ ...globals(cmd), port, bind: opts.bind, schedule: opts.schedule }));
    });

  const db = program.command('db').description('database maintenance');
  db.command('migrate')
    .description('create or upgrade the database schema (run does this automatically)')
    .allowExcessArguments(false)
    .action(async (_opts: unknown, cmd: Command) => {
      const { dbMigrate } = await import('./commands/db-migrate.js');
      setResult(await dbMigrate(globals(cmd)));
    });
  db.command('status')
    .description('print the store and whether migrations are pending (exit 0 up to date, 1 pending, 3 store unavailable)')
    .allowExcessArguments(false)
    .action(async (_opts: unknown, cmd: Command) => {
      const { dbStatus } = await import('./commands/db-status.js');
      setResult(await dbStatus(globals(cmd)));
    });
  db.command('prune')
    .description('apply retention now: roll metrics up, archive and delete history older than retention.days (docs/retention.md)')
    .option('--dry-run', 'print what would be archived, deleted and rolled up; change nothing', false)
    .allowExcessArguments(false)
    .addHelpText('after', '\nExit codes: 0 done, 2 config error, 3 store or archive cannot be written (rows not archived are kept),\n4 another process is pruning.')
    .action(async (opts: { dryRun: boolean }, cmd: Command) => {
      const { dbPrune } = await import('./commands/db-prune.js');
      setResult(await dbPrune({ ...globals(cmd), dryRun: Boolean(opts.dryRun) }));
    });
  db.command('audit')
    .description('list the audit trail (connections, analyses, alerts, messages, reports, config changes), oldest first')
    .option('--since <when>', 'only events since a duration ago (24h, 7d) or a date (2026-03-01)')
    .option('--host <name>', 'only events of this host')
    .addOption(new Option('--action <name...>', 'only these actions or groups (host.connected, host, message.sent; repeatable)'))
    .option('--limit <n>', 'the newest N events (default 50)')
    .allowExcessArguments(false)
    .action(async (opts: { since?: string; host?: string; action?: string[]; limit?: string }, cmd: Command) => {
      const { dbAudit } = await import('./commands/db-audit.js');
      setResult(await dbAudit({ ...globals(cmd), since: opts.since, host: opts.host, actions: opts.action ?? [], limit: opts.limit }));
    });

  return program;
}

/** `run`, `db prune`, `config validate`: the command as typed, without the program's name. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * The scheduling examples, checked statically: the systemd units start the right binary with flags the CLI knows, the
 * timer names its service, crontab.example runs the same pass; `systemd-analyze verify` (when present) finds nothing
 * but the binary that is not installed here.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/program.js';
import { repoRoot } from '../../helpers/cli.js';

const dir = join(repoRoot, 'examples', 'systemd');

/** Sections -> key -> values (a key may repeat). Comments and blank lines skipped. */
function parseUnit(file: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | null = null;
  for (const raw of readFileSync(join(dir, file), 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const section = /^\[(\w+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!kv || !current) throw new Error(`${file}: not a unit line: ${line}`);
    current.set(kv[1]!, [...(current.get(kv[1]!) ?? []), kv[2]!]);
  }
  return sections;
}

const get = (unit: Map<string, Map<string, string[]>>, section: string, key: string): string[] => unit.get(section)?.get(key) ?? [];

/** Whether argv (after the binary) names a command and options the CLI defines. */
function isKnownCommand(argv: string[]): boolean {
  const program = buildProgram('0.0.0', () => undefined, { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: '/' });
  const [name, ...flags] = argv;
  const command = program.commands.find((c: Command) => c.name() === name);
  if (!command) return false;
  const known = new Set([...command.options, ...program.options].flatMap((o) => [o.long, o.short]).filter(Boolean));
  return flags.filter((f) => f.startsWith('-')).every((f) => known.has(f));
}

describe('systemd and cron examples', () => {
  const run = parseUnit('dthostmon-run.service');
  const timer = parseUnit('dthostmon-run.timer');
  const serve = parseUnit('dthostmon-serve.service');

  it('dthostmon-run.service: a oneshot `dthostmon run --quiet`; exit 1 and 4 are not failures', () => {
    expect(get(run, 'Service', 'Type')).toEqual(['oneshot']);
    expect(get(run, 'Service', 'ExecStart')).toEqual(['/usr/local/bin/dthostmon run --quiet']);
    expect(isKnownCommand(['run', '--quiet'])).toBe(true);
    expect(get(run, 'Service', 'SuccessExitStatus')).toEqual(['1 4']);
    expect(get(run, 'Service', 'Environment')).toEqual(['DTHOSTMON_CONFIG=/opt/dthostmon/config/dthostmon.yaml']);
    expect(run.has('Install')).toBe(false); // started by the timer only
  });

  it('dthostmon-run.timer: hourly, persistent, names the service', () => {
    expect(get(timer, 'Timer', 'Unit')).toEqual(['dthostmon-run.service']);
    expect(get(timer, 'Timer', 'Persistent')).toEqual(['true']);
    expect(get(timer, 'Timer', 'OnCalendar')).toEqual(['*-*-* *:17:00']);
    expect(get(timer, 'Install', 'WantedBy')).toEqual(['timers.target']);
  });

  it('dthostmon-serve.service: `dthostmon serve`, stops after a pass can end, no restart on a config error', () => {
    expect(get(serve, 'Service', 'Type')).toEqual(['simple']);
    const [exec] = get(serve, 'Service', 'ExecStart');
    expect(exec).toBe('/usr/local/bin/dthostmon serve');
    expect(isKnownCommand(['serve'])).toBe(true);
    expect(isKnownCommand(['serve', '--schedule', '--port', '--bind'])).toBe(true);
    expect(Number(get(serve, 'Service', 'TimeoutStopSec')[0])).toBeGreaterThan(300 + 5);
    expect(get(serve, 'Service', 'RestartPreventExitStatus')).toEqual(['2']);
    expect(get(serve, 'Install', 'WantedBy')).toEqual(['multi-user.target']);
  });

  it('crontab.example runs the same pass and mentions serve --schedule', () => {
    const text = readFileSync(join(repoRoot, 'crontab.example'), 'utf8');
    const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#') && !/^[A-Z_]+=/.test(l));
    expect(lines).toEqual(['17 * * * *  /usr/local/bin/dthostmon run --quiet']);
    expect(text).toContain('dthostmon serve --schedule "17 * * * *"');
    expect(text).toContain('examples/systemd/dthostmon-run.timer');
  });

  const analyze = spawnSync('systemd-analyze', ['--version']).status === 0;
  (analyze ? it : it.skip)('systemd-analyze verify: only the binary that is not installed here', () => {
    const res = spawnSync('systemd-analyze', ['verify', 'dthostmon-run.service', 'dthostmon-run.timer', 'dthostmon-serve.service'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    const problems = `${res.stdout}${res.stderr}`
      .split('\n')
      .filter((l) => l.trim() !== '' && !/Command \/usr\/local\/bin\/dthostmon is not executable/.test(l));
    expect(problems).toEqual([]);
  });
});

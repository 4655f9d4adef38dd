/**
 * Turns what the checks script printed into the Sudo, Logs and Tools results, judged the way `run` would be affected:
 * a configured log that is missing or unreadable, refused sudo, or a tool the config needs fails; a default log the
 * host does not have and an optional tool are not failures. Pure.
 */
import type { ScriptRun } from '../collect/run-script.js';
import type { ResolvedHost } from '../types.js';
import { parseChecksOutput, type ChecksOutput } from './host-checks-script.js';
import type { CheckResult, LogFileResult, LogsResult, ToolsFound, ToolsResult } from './types.js';

/** The scripts' runs on one host: as the user (`sh -s`), and as root (`sudo -n sh -s`) when the host has `sudo: true`. */
export interface ScriptRuns {
  user: ScriptRun;
  sudo: ScriptRun | null;
}

/** Groups that may read the whole journal without sudo (Debian: adm and systemd-journal; Red Hat: wheel). */
const JOURNAL_GROUPS = ['adm', 'systemd-journal', 'wheel'];

function parsed(run: ScriptRun | null): ChecksOutput | null {
  return run && run.failure === null ? parseChecksOutput(run.stdout) : null;
}

/** `sudo -n sh -s`: tested only on hosts with `sudo: true`, since a refused sudo is logged (and mailed) as an incident. */
export function evaluateSudo(host: ResolvedHost, runs: ScriptRuns): CheckResult {
  if (host.sudo !== true) {
    const hasSudo = parsed(runs.user)?.tools.get('sudo');
    return { status: 'skipped', summary: hasSudo === false ? 'not used (absent)' : 'not used' };
  }
  const run = runs.sudo;
  if (!run) return { status: 'skipped', summary: 'not checked' };
  if (run.failure !== null) {
    const summary = /not installed/.test(run.failure) ? 'not installed' : /refused/.test(run.failure) ? 'refused' : 'failed';
    return { status: 'fail', summary, hint: `sudo: ${run.failure}` };
  }
  const uid = parseChecksOutput(run.stdout).uid;
  if (uid !== 0) return { status: 'fail', summary: 'not root', hint: `sudo -n sh -s ran as uid ${uid ?? '?'}, not root: check the sudoers rule (runas root)` };
  return { status: 'ok', summary: 'ok (root)' };
}

function unreadableHint(file: LogFileResult, user: string): string {
  if (file.via === 'sudo') return `${file.path}: root cannot read it either (a root-squashed network mount?)`;
  const [, group = '', mode = ''] = (file.owner ?? '').split(':');
  const isGroupReadable = /^[0-7]*[4-7][0-7]$/.test(mode);
  const owned = file.owner ? ` (${file.owner.replace(/:(\d+)$/, ' mode $1')})` : '';
  if (isGroupReadable && group !== '' && group !== 'root') {
    return `${user} cannot read ${file.path}${owned}: add it to group ${group} (usermod -aG ${group} ${user}; effective at its next login), or set sudo: true`;
  }
  return `${user} cannot read ${file.path}${owned}: set sudo: true for this host, or grant read access (setfacl -m u:${user}:r ${file.path})`;
}

/** Every configured log path or glob, as the account `run` will read it as. */
export function evaluateLogs(host: ResolvedHost, runs: ScriptRuns): LogsResult {
  if (host.logs.length === 0) return { status: 'skipped', summary: 'none configured', files: [] };
  const viaSudo = host.sudo === true && parsed(runs.sudo) !== null;
  const run = viaSudo ? runs.sudo : runs.user;
  const out = parsed(run);
  if (!out) return { status: 'fail', summary: 'not checked', hint: `the check script failed: ${run?.failure ?? 'no output'}`, files: [] };
  const isDefault = host.origin?.logs === 'default';
  const user = out.user ?? host.user;
  const files: LogFileResult[] = [];
  host.logs.forEach((pattern, index) => {
    const lines = out.logs.filter((l) => l.index === index);
    // A glob whose only matches are rotated files has nothing `run` would read: the same as no match.
    if (lines.length === 0) lines.push({ index, state: 'missing', owner: null, path: pattern });
    for (const line of lines) {
      const state = line.state === 'ok' ? 'readable' : line.state === 'missing' ? (isDefault ? 'absent' : 'missing') : line.state;
      files.push({ pattern, path: line.path, state, via: viaSudo ? 'sudo' : 'user', ...(line.owner ? { owner: line.owner } : {}) });
    }
  });
  const hints = files.flatMap((f) => {
    if (f.state === 'unreadable') return [unreadableHint(f, user)];
    if (f.state === 'missing') return [`${f.path} does not exist on the host${f.path === f.pattern && /[*?[]/.test(f.pattern) ? ' (the glob matches no file)' : ''}: fix logs in the config, or remove it`];
    if (f.state === 'notfile') return [`${f.path} is not a regular file: list the log files themselves (a glob such as ${f.path.replace(/\/$/, '')}/*.log)`];
    return [];
  });
  const counts = (['readable', 'absent', 'missing', 'unreadable', 'notfile'] as const)
    .map((state) => [state, files.filter((f) => f.state === state).length] as const)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state === 'notfile' ? 'not a file' : state}`);
  const summary = `${counts.join(', ')}${viaSudo ? ' (sudo)' : ''}`;
  return hints.length > 0 ? { status: 'fail', summary, hint: hints.join('\n'), files } : { status: 'ok', summary, files };
}

/** The tools `run` uses: journalctl (`journal: true`) and docker (`check_docker`) are required when on; ss and a package manager optional. */
export function evaluateTools(host: ResolvedHost, runs: ScriptRuns): ToolsResult {
  const userOut = parsed(runs.user);
  const sudoOut = parsed(runs.sudo);
  const out = userOut ?? sudoOut;
  if (!out) return { status: 'fail', summary: 'not checked', hint: `the check script failed: ${runs.user.failure ?? 'no output'}`, found: null, dockerAccess: null };
  const has = (tool: string): boolean => out.tools.get(tool) === true;
  const found: ToolsFound = { journalctl: has('journalctl'), docker: has('docker'), ss: has('ss'), dpkg: has('dpkg-query'), rpm: has('rpm'), apk: has('apk') };
  const fails: Array<[string, string]> = [];
  const warns: Array<[string, string]> = [];
  const user = out.user ?? host.user;
  if (host.journal === true && !found.journalctl) fails.push(['no journalctl', 'journal: true but journalctl is not installed: set journal: false for this host']);
  const isRoot = out.uid === 0 || (host.sudo === true && sudoOut !== null);
  if (host.journal === true && found.journalctl && !isRoot && !out.groups.some((g) => JOURNAL_GROUPS.includes(g))) {
    warns.push(['journal: own entries only', `${user} sees only its own journal entries: add it to group systemd-journal (or adm), or set sudo: true`]);
  }
  // With sudo: true the docker section runs in the root shell, so that is whose access counts.
  const dockerOut = host.sudo === true && sudoOut ? sudoOut : out;
  let dockerAccess: ToolsResult['dockerAccess'] = null;
  if (host.docker === true && !found.docker) fails.push(['no docker', 'check_docker is on but docker is not installed: set check_docker: false for this host']);
  if (host.docker === true && found.docker && dockerOut.dockerAccess) {
    const { isOk, message } = dockerOut.dockerAccess;
    const isDenied = /permission denied/i.test(message);
    dockerAccess = isOk ? 'ok' : isDenied ? 'denied' : 'error';
    if (isDenied) fails.push(['docker: denied', `${dockerOut.user ?? user} cannot use the docker socket: add it to group docker (root-equivalent) or set sudo: true`]);
    else if (!isOk) fails.push(['docker: error', `docker ps failed: ${message || 'no message'}`]);
  }
  if (host.trackChanges !== false && !found.ss) warns.push(['no ss', 'ss is not installed: listening ports are not tracked (install iproute2)']);
  if (host.trackChanges !== false && !found.dpkg && !found.rpm && !found.apk) warns.push(['no dpkg/rpm', 'no dpkg, rpm or apk: package changes are not tracked']);
  const present = (['journalctl', 'docker', 'ss', 'dpkg', 'rpm', 'apk'] as const).filter((t) => found[t]);
  const problems = [...fails, ...warns];
  if (problems.length === 0) return { status: 'ok', summary: present.join(' ') || 'ok', found, dockerAccess };
  return {
    status: fails.length > 0 ? 'fail' : 'warn',
    summary: problems.map(([short]) => short).join(', '),
    hint: problems.map(([, hint]) => hint).join('\n'),
    found,
    dockerAccess,
  };
}

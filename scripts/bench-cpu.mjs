// CPU time of a child process tree, for the benchmarks that compare ratios (scripts/bench-ci.mjs): the command runs
// under bash, whose `times` builtin prints the user and system CPU of every descendant it waited for (getrusage
// RUSAGE_CHILDREN, to the millisecond; GNU time prints centiseconds). CPU time, unlike wall time, does not grow
// when other jobs share the machine's cores, and includes what the command's own children (sh, logwatch's perl) use.
import { spawnSync } from 'node:child_process';

// The command's stdout is dropped; `times` goes to fd 3, the command's stderr stays on fd 2 for error messages.
const WRAPPER = '"$@" >/dev/null; status=$?; times >&3; exit $status';

/** `1m2.345s` -> 62.345 */
function seconds(text) {
  const match = /^(\d+)m([\d.]+)s$/.exec(text);
  if (!match) throw new Error(`cannot read bash times output: ${text}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/**
 * Runs `argv` (command and arguments) and returns `{ cpuSeconds, wallSeconds }`: user + system CPU seconds of the
 * command and everything it started and waited for, and the wall time.
 * @throws Error with the end of its stderr when the command fails.
 */
export function cpuTimed(argv, { cwd, env } = {}) {
  const started = process.hrtime.bigint();
  const res = spawnSync('bash', ['-c', WRAPPER, 'bench', ...argv], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`${argv.join(' ')} failed (${res.status ?? res.signal}): ${res.stderr.slice(-2000)}`);
  // Line 1: the shell's own times; line 2: its children's (user sys).
  const children = res.output[3].trim().split('\n')[1] ?? '';
  const [user, sys] = children.split(' ').map(seconds);
  return { cpuSeconds: user + sys, wallSeconds };
}

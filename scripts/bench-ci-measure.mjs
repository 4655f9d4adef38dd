// In-process measuring for the cases of the CI benchmark (scripts/bench-ci-*.mjs children): CPU seconds of this
// process (every thread, process.cpuUsage, to the microsecond) plus those of the children it has waited for (the sh
// of the local transport; /proc/self/stat cutime + cstime, in clock ticks), and the A/B alternation.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU seconds of the children this process has waited for, or 0 where /proc is missing. */
function childrenCpuSeconds() {
  let stat;
  try {
    stat = readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return 0;
  }
  // Fields after the command name (which may hold spaces) in parentheses: state is field 3, cutime 16, cstime 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
}

/** CPU seconds (this process and its waited-for children) that `work` used. */
export async function cpuSecondsOf(work) {
  const before = process.cpuUsage();
  const childrenBefore = childrenCpuSeconds();
  await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6 + (childrenCpuSeconds() - childrenBefore);
}

/**
 * Measures `count` pairs, alternating A B B A A B ... so that neither side always runs second (after the other
 * warmed the caches). `ours(i)` and `baseline(i)` do pair i's work; `prepare(i)`, unmeasured, sets it up.
 * @returns `{ ours: [cpu s], baseline: [cpu s] }`, one entry per pair.
 */
export async function alternate(count, ours, baseline, prepare = () => undefined) {
  const result = { ours: [], baseline: [] };
  for (let i = 0; i < count; i++) {
    await prepare(i);
    const a = async () => result.ours.push(await cpuSecondsOf(() => ours(i)));
    const b = async () => result.baseline.push(await cpuSecondsOf(() => baseline(i)));
    if (i % 2 === 0) {
      await a();
      await b();
    } else {
      await b();
      await a();
    }
  }
  return result;
}

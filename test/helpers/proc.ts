/**
 * Linux /proc readers for tests that act on real processes (find the remote command a test sshd runs for one
 * connection, walk up to its per-connection sshd processes). Every reader tolerates a process that ends while it
 * looks: that is the normal case here, not an error.
 *
 * Synchronous on purpose: a test polls these while the same event loop streams megabytes over SSH. A poll made of
 * hundreds of fs promises waited behind that stream and missed a 1 s remote command; a synchronous one takes a few ms.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** The kernel's short name (`sshd`, `tail`), from /proc/<pid>/stat. */
  comm: string;
  argv: string[];
}

/** One process, or null when it is gone (or is a kernel thread without a command line). */
export function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`);
    // comm may hold spaces and parentheses: it ends at the LAST ')'.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const argv = cmdline.toString('utf8').split('\0');
    if (argv.at(-1) === '') argv.pop();
    return { pid, ppid: Number(fields[1]), comm, argv };
  } catch {
    return null;
  }
}

/** Every live process that matches. */
export function findProcesses(matches: (p: ProcInfo) => boolean): ProcInfo[] {
  const found: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const proc = readProc(Number(entry));
    if (proc && matches(proc)) found.push(proc);
  }
  return found;
}

/**
 * The parent chain of `pid`, from its parent up to (not including) `stopAt`, nearest first. Null when the chain does
 * not reach `stopAt` (the process is not a descendant of it, or a link ended while we walked).
 */
export function ancestorsUpTo(pid: number, stopAt: number): ProcInfo[] | null {
  const chain: ProcInfo[] = [];
  let current = readProc(pid);
  // Bounded: a process tree is never this deep, and a pid reused mid-walk must not loop.
  for (let depth = 0; current && depth < 64; depth++) {
    if (current.ppid === stopAt) return chain;
    if (current.ppid <= 1) return null;
    current = readProc(current.ppid);
    if (current) chain.push(current);
  }
  return null;
}

/** Bytes the process has read so far (`rchar` of /proc/<pid>/io), or null when it is gone or not ours to read. */
export function bytesReadBy(pid: number): number | null {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const match = /^rchar: (\d+)$/m.exec(io);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Resident memory of a process now and at its peak so far (VmRSS, VmHWM of /proc/<pid>/status), or null when gone. */
export function memoryOf(pid: number): { rssKiB: number; peakRssKiB: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(status);
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    // A zombie has no memory lines any more.
    return rss && hwm ? { rssKiB: Number(rss[1]), peakRssKiB: Number(hwm[1]) } : null;
  } catch {
    return null;
  }
}

/** Linux reports process times in USER_HZ ticks, which is 100 on every architecture we run on (x86, arm). */
const USER_HZ = 100;

/**
 * CPU time (user + system) of the children a process has reaped so far (`cutime` + `cstime` of /proc/<pid>/stat),
 * in ms: for an sshd listener, every finished connection with everything it ran. Null when it is gone.
 */
export function reapedChildrenCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 of proc(5) (state); cutime and cstime are fields 16 and 17.
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / USER_HZ;
  } catch {
    return null;
  }
}

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

import type { LogRule } from './types.js';

const KERNEL = ['kernel'];

const OOM_RECOMMENDATION =
  'Find what exhausted memory (the kernel log lists the tasks just above the kill), then add memory or swap, or cap ' +
  'the service (systemd MemoryMax=, container memory limits).';
const CRASH_RECOMMENDATION =
  "Check the program's own log around this time and its version; repeated crashes point to a bug, bad memory " +
  'or a corrupted binary (debsums / rpm -V).';

/**
 * Kernel rules (kern.log, syslog, journald `-k`). Messages may keep the `[ 1234.567890]` timestamp prefix, so
 * nothing is anchored. One OOM kill logs both an `oom-kill:` summary and `Killed process`; the pid makes them one event.
 */
export const KERNEL_RULES: readonly LogRule[] = [
  {
    id: 'kernel.oom_killed_process',
    category: 'kernel.oom_kill',
    severity: 'crit',
    programs: KERNEL,
    // `Out of memory: Killed process` (4.x+), `Kill process ... or sacrifice child` (older), `Memory cgroup out of memory:`.
    pattern: /\b[Oo]ut of memory(?: \([a-z_]+\))?: Kill(?:ed)? process (?<pid>\d+) \((?<name>[^)]*)\)/,
    title: (g) => `OOM killer killed ${g.name || 'a process'}`,
    subject: (g) => g.name || 'unknown',
    eventId: (g) => g.pid,
    recommendation: OOM_RECOMMENDATION,
  },
  {
    id: 'kernel.oom_kill_summary',
    category: 'kernel.oom_kill',
    severity: 'crit',
    programs: KERNEL,
    pattern: /\boom-kill:.*?\btask=(?<name>[^,]*),pid=(?<pid>\d+)/,
    title: (g) => `OOM killer killed ${g.name || 'a process'}`,
    subject: (g) => g.name || 'unknown',
    eventId: (g) => g.pid,
    recommendation: OOM_RECOMMENDATION,
  },
  {
    id: 'kernel.segfault',
    category: 'kernel.segfault',
    severity: 'warn',
    programs: KERNEL,
    // comm may contain spaces (`Web Content[812]`), never brackets; at most 15 bytes (TASK_COMM_LEN 16). The literal
    // comes first and the name is read behind it, so a kernel line without "segfault at" costs one literal search
    // (the name-first form tried every position of every kernel line: ~200x slower).
    pattern: /\]: segfault at (?<address>[0-9a-f]+)(?<=(?<name>[^\s[\]][^[\]]{0,14})\[(?<pid>\d+)\]: segfault at [0-9a-f]+)/,
    title: (g) => `${g.name} crashed with a segmentation fault`,
    subject: (g) => g.name ?? 'unknown',
    recommendation: CRASH_RECOMMENDATION,
  },
  {
    id: 'kernel.general_protection',
    category: 'kernel.segfault',
    severity: 'warn',
    programs: KERNEL,
    pattern: /\btraps: (?<name>[^[\]]{1,15})\[(?<pid>\d+)\] general protection(?: fault)?/,
    title: (g) => `${g.name} crashed with a general protection fault`,
    subject: (g) => g.name ?? 'unknown',
    recommendation: CRASH_RECOMMENDATION,
  },
];

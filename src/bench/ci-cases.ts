/**
 * The cases of the short CI benchmark (scripts/bench-ci.mjs): each compares the CPU time (user + sys of the whole
 * process tree) of dthostmon doing a job with that of a plain baseline doing the same kind of work in the same run,
 * interleaved. bench/reference.json must have an entry for each.
 */
export interface CiCase {
  name: string;
  /** The variant the ratio divides by. */
  baseline: string;
  description: string;
}

export const CI_CASES: readonly CiCase[] = [
  {
    name: 'authlog-pass',
    baseline: 'logwatch',
    description: 'a first `dthostmon run` over one local host whose auth.log has 100k lines, vs `logwatch --service sshd` on the same file',
  },
  {
    name: 'fleet-pass',
    baseline: 'sh',
    description: 'a first pass over simulated hosts (rootfs directories, local transport), vs one `sh -c` per host reading the same files',
  },
  {
    name: 'store-writes',
    baseline: 'better-sqlite3',
    description: 'host results saved through the store (saveHostResult, SQLite), vs the same statements run through better-sqlite3 directly',
  },
];

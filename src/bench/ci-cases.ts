/**
 * The cases of the short CI benchmark (scripts/bench-ci.mjs). Each compares the CPU time of dthostmon doing a job with
 * that of a plain baseline doing the same kind of work, in one process and alternating unit by unit (a chunk, a
 * host result), so that a change in the machine's load hits both halves of a pair alike; the case's ratio is the
 * median of the pair ratios. bench/reference.json must have an entry for each. A whole pass is not a case: at ~0.9 s
 * of CPU per pass, the pairs needed to keep its ratio within 5 % do not fit in the gate's time (docs/benchmarks.md);
 * `npm run bench` tracks it.
 */
export interface CiCase {
  name: string;
  /** The variant the ratio divides by. */
  baseline: string;
  /** The child script that measures it (scripts/), which prints `{"ours":[cpu s],"baseline":[cpu s]}`. */
  script: string;
  description: string;
}

export const CI_CASES: readonly CiCase[] = [
  {
    name: 'authlog-analysis',
    baseline: 'sshd-summary',
    script: 'bench-ci-analysis.mjs',
    description: "a pass's read and analysis of 1,000-line chunks of a 100k-line auth.log, vs a plain sshd summary (logwatch's counts) of the same chunks",
  },
  {
    name: 'store-writes',
    baseline: 'better-sqlite3',
    script: 'bench-ci-store.mjs',
    description: 'host results saved through the store (saveHostResult, SQLite), vs the same statements run through better-sqlite3 directly',
  },
];

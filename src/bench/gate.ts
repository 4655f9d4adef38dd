/**
 * The CI benchmark gate's decisions (scripts/bench-ci.mjs, `npm run bench:ci`), apart from any measuring so they can
 * be tested with given numbers: a case passes when its ratio (our CPU time over the in-run baseline's) is at most its
 * reference ratio x (1 + tolerance); a case over the limit is measured again, up to `maxRounds` rounds in all, and
 * fails only when every round is over it (the machine is shared: one slow round proves nothing).
 */

/** A case's entry in bench/reference.json. */
export interface ReferenceCase {
  ratio: number;
  /** 0.10 = a ratio 10 % above the reference still passes. */
  tolerance: number;
}

/** What the gate concluded about one case. */
export interface CaseVerdict {
  name: string;
  isPass: boolean;
  /** The passing round's ratio, or for a failure the lowest of its rounds. */
  ratio: number;
  /** Null when the reference has no entry for the case (a failure). */
  reference: number | null;
  limit: number | null;
  /** The ratio of every round measured, in order. */
  rounds: number[];
}

/** Measures one round of a case and returns its ratio. */
export type MeasureRound = (name: string, round: number) => Promise<number>;

/** The middle value (the mean of the two middle ones for an even count). @throws on an empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * A round's ratio from its interleaved measurements (A B B A ...): the median of the per-pair ratios, so that a load
 * change hits both halves of a pair alike and an odd pair does not move the result.
 */
export function roundRatio(ours: readonly number[], baseline: readonly number[]): number {
  if (ours.length !== baseline.length) throw new Error(`unpaired measurements: ${ours.length} vs ${baseline.length}`);
  return median(ours.map((value, i) => value / (baseline[i] as number)));
}

/** The highest ratio that still passes. */
export function limitOf(reference: ReferenceCase): number {
  return reference.ratio * (1 + reference.tolerance);
}

/** What to do after the rounds measured so far: pass, fail, or measure another round. */
export function judgeRounds(ratios: readonly number[], reference: ReferenceCase, maxRounds: number): 'pass' | 'fail' | 'remeasure' {
  const last = ratios.at(-1);
  if (last === undefined) return 'remeasure';
  if (last <= limitOf(reference)) return 'pass';
  return ratios.length < maxRounds ? 'remeasure' : 'fail';
}

/**
 * Runs the gate: every case measured once, again while it is over its limit (at most `maxRounds` rounds), in the
 * order given. A case without a reference is measured once and fails.
 */
export async function runGate(
  names: readonly string[],
  references: Readonly<Record<string, ReferenceCase>>,
  measure: MeasureRound,
  maxRounds = 3,
): Promise<CaseVerdict[]> {
  const verdicts: CaseVerdict[] = [];
  for (const name of names) {
    const reference = references[name];
    const rounds = [await measure(name, 1)];
    if (reference === undefined) {
      verdicts.push({ name, isPass: false, ratio: rounds[0] as number, reference: null, limit: null, rounds });
      continue;
    }
    let decision = judgeRounds(rounds, reference, maxRounds);
    while (decision === 'remeasure') {
      rounds.push(await measure(name, rounds.length + 1));
      decision = judgeRounds(rounds, reference, maxRounds);
    }
    const isPass = decision === 'pass';
    const ratio = isPass ? (rounds.at(-1) as number) : Math.min(...rounds);
    verdicts.push({ name, isPass, ratio, reference: reference.ratio, limit: limitOf(reference), rounds });
  }
  return verdicts;
}

/** The one line a failed case prints: case, ratio, reference, limit, and the rounds behind it. */
export function gateFailureLine(verdict: CaseVerdict, referenceFile: string): string {
  const rounds = verdict.rounds.map((ratio) => ratio.toFixed(3)).join(', ');
  if (verdict.reference === null || verdict.limit === null) {
    return `bench gate: ${verdict.name}: ratio ${verdict.ratio.toFixed(3)}, no reference in ${referenceFile} (npm run bench:reference)`;
  }
  return (
    `bench gate: ${verdict.name}: ratio ${verdict.ratio.toFixed(3)} > limit ${verdict.limit.toFixed(3)} ` +
    `(reference ${verdict.reference.toFixed(3)} + ${pct(verdict.limit / verdict.reference - 1)}; rounds ${rounds})`
  );
}

function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(0)} %`;
}

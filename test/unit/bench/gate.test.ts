import { gateFailureLine, judgeRounds, limitOf, median, roundRatio, runGate, type MeasureRound } from '../../../src/bench/gate.js';

const reference = { ratio: 4, tolerance: 0.1 };

/** A measure function that hands out the given ratios per case, in order, and records what was asked. */
function scripted(ratios: Record<string, number[]>): { measure: MeasureRound; calls: string[] } {
  const calls: string[] = [];
  const measure: MeasureRound = async (name, round) => {
    calls.push(`${name}#${round}`);
    const next = ratios[name]?.[round - 1];
    if (next === undefined) throw new Error(`no ratio scripted for ${name} round ${round}`);
    return next;
  };
  return { measure, calls };
}

describe('median and roundRatio', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow('median of no values');
  });

  it('is the median of the pair ratios, so one pair hit by a burst does not move it', () => {
    expect(roundRatio([2, 4, 60], [1, 1, 1])).toBe(4);
    expect(() => roundRatio([1, 2], [1])).toThrow('unpaired measurements: 2 vs 1');
  });
});

describe('judgeRounds', () => {
  it('passes at or under reference x (1 + tolerance)', () => {
    expect(limitOf(reference)).toBeCloseTo(4.4);
    expect(judgeRounds([4.39], reference, 3)).toBe('pass');
    expect(judgeRounds([4.4], reference, 3)).toBe('pass');
  });

  it('measures again while rounds are left, then fails', () => {
    expect(judgeRounds([4.5], reference, 3)).toBe('remeasure');
    expect(judgeRounds([4.5, 4.6], reference, 3)).toBe('remeasure');
    expect(judgeRounds([4.5, 4.6, 4.45], reference, 3)).toBe('fail');
    expect(judgeRounds([], reference, 3)).toBe('remeasure');
  });
});

describe('runGate', () => {
  it('passes a case under its limit after one round', async () => {
    const { measure, calls } = scripted({ a: [4.2] });
    const [verdict] = await runGate(['a'], { a: reference }, measure);
    expect(verdict).toEqual({ name: 'a', isPass: true, ratio: 4.2, reference: 4, limit: expect.closeTo(4.4), rounds: [4.2] });
    expect(calls).toEqual(['a#1']);
  });

  it('re-measures a case over its limit and passes it when a later round is under', async () => {
    const { measure, calls } = scripted({ a: [4.8, 4.3] });
    const [verdict] = await runGate(['a'], { a: reference }, measure);
    expect(verdict).toMatchObject({ isPass: true, ratio: 4.3, rounds: [4.8, 4.3] });
    expect(calls).toEqual(['a#1', 'a#2']);
  });

  it('fails a case over its limit in every round, with its lowest ratio, and measures the others', async () => {
    const { measure, calls } = scripted({ slow: [4.9, 4.7, 4.8], fine: [3.9] });
    const verdicts = await runGate(['slow', 'fine'], { slow: reference, fine: reference }, measure);
    expect(verdicts.map((v) => [v.name, v.isPass, v.ratio])).toEqual([
      ['slow', false, 4.7],
      ['fine', true, 3.9],
    ]);
    expect(calls).toEqual(['slow#1', 'slow#2', 'slow#3', 'fine#1']);
    expect(gateFailureLine(verdicts[0]!, 'bench/reference.json')).toBe(
      'bench gate: slow: ratio 4.700 > limit 4.400 (reference 4.000 + 10 %; rounds 4.900, 4.700, 4.800)',
    );
  });

  it('stops after maxRounds', async () => {
    const { measure, calls } = scripted({ a: [5, 5, 5, 5, 5] });
    const [verdict] = await runGate(['a'], { a: reference }, measure, 2);
    expect(verdict?.isPass).toBe(false);
    expect(calls).toEqual(['a#1', 'a#2']);
  });

  it('fails a case the reference does not know after measuring it once', async () => {
    const { measure, calls } = scripted({ fresh: [2] });
    const [verdict] = await runGate(['fresh'], {}, measure);
    expect(verdict).toEqual({ name: 'fresh', isPass: false, ratio: 2, reference: null, limit: null, rounds: [2] });
    expect(calls).toEqual(['fresh#1']);
    expect(gateFailureLine(verdict!, 'bench/reference.json')).toBe(
      'bench gate: fresh: ratio 2.000, no reference in bench/reference.json (npm run bench:reference)',
    );
  });
});

import { runPool } from '../../../src/util/pool.js';

describe('runPool', () => {
  it('never runs more than the limit at once and runs every item', async () => {
    let active = 0;
    let peak = 0;
    const seen: number[] = [];
    await runPool([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      active += 1;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5 * (8 - n)));
      seen.push(n);
      active -= 1;
    });
    expect(peak).toBe(3);
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('stops starting items once the signal aborts and reports the skipped ones', async () => {
    const abort = new AbortController();
    const started: number[] = [];
    const skipped: number[] = [];
    await runPool(
      [0, 1, 2, 3],
      1,
      async (n) => {
        started.push(n);
        if (n === 1) abort.abort();
      },
      { signal: abort.signal, onSkipped: (n) => skipped.push(n) },
    );
    expect(started).toEqual([0, 1]);
    expect(skipped).toEqual([2, 3]);
  });

  it('handles an empty list and a limit larger than the list', async () => {
    await expect(runPool([], 5, async () => undefined)).resolves.toBeUndefined();
    const seen: string[] = [];
    await runPool(['a'], 10, async (x) => void seen.push(x));
    expect(seen).toEqual(['a']);
  });
});

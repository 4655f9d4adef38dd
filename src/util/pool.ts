/**
 * Runs `worker` over `items` with at most `limit` in flight, in input order of start.
 * Stops starting new items once `signal` is aborted; items never started are reported through `onSkipped`.
 */
export async function runPool<T>(
  items: readonly T[],
  limit: number,
  worker: (item: T, index: number) => Promise<void>,
  options: { signal?: AbortSignal; onSkipped?: (item: T, index: number) => void } = {},
): Promise<void> {
  let next = 0;
  const lanes = Math.max(1, Math.min(limit, items.length));
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const item = items[index] as T;
      if (options.signal?.aborted) {
        options.onSkipped?.(item, index);
        continue;
      }
      await worker(item, index);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

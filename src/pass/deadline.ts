/** `saving` once the work has started its (short, bounded) store write; `abandoned` once the deadline gave up on it. */
export interface Fence {
  state: 'working' | 'saving' | 'abandoned';
}

/**
 * Runs `work`, but when `signal` aborts first returns `onAbandon()` instead: a host hanging mid-stream must not hold
 * the pass. The work is fenced off: it must check `fence.state` and set it to `saving` before it writes anything, so
 * abandoned work can never store a result after the pass has moved on. Work already saving is awaited.
 */
export async function withDeadline<T>(
  signal: AbortSignal,
  work: (fence: Fence) => Promise<T>,
  onAbandon: () => Promise<T>,
): Promise<T> {
  const fence: Fence = { state: 'working' };
  const running = work(fence);
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => resolve(ABORTED);
    if (signal.aborted) resolve(ABORTED);
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const outcome = await Promise.race([running, aborted]);
    if (outcome !== ABORTED) return outcome as T;
    if (fence.state === 'saving') return await running;
    fence.state = 'abandoned';
    running.catch(() => undefined);
    return await onAbandon();
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

const ABORTED = Symbol('aborted');

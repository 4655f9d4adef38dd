/**
 * Requests per client address: a token bucket of `perMinute` tokens refilled continuously, so a client may burst up
 * to a minute's worth and then gets one request per 60/perMinute seconds. Memory is bounded: buckets that are full
 * again (idle clients) are dropped when the table grows.
 */

export interface RateLimiter {
  /** Takes one token for `client`: 0 when allowed, else the seconds to wait for the next token (>= 1). */
  take(client: string, nowMs: number): number;
  /** Clients tracked now (tests). */
  size(): number;
}

/** Past this many tracked clients, idle (full) buckets are swept out. */
const SWEEP_AT = 10_000;

/** A limiter allowing `perMinute` requests per minute per client. */
export function createRateLimiter(perMinute: number): RateLimiter {
  const capacity = Math.max(1, perMinute);
  const refillPerMs = capacity / 60_000;
  const buckets = new Map<string, { tokens: number; atMs: number }>();
  const refilled = (b: { tokens: number; atMs: number }, nowMs: number): number =>
    Math.min(capacity, b.tokens + Math.max(0, nowMs - b.atMs) * refillPerMs);
  const sweep = (nowMs: number): void => {
    for (const [client, b] of buckets) if (refilled(b, nowMs) >= capacity) buckets.delete(client);
  };
  return {
    take(client, nowMs) {
      let bucket = buckets.get(client);
      if (!bucket) {
        if (buckets.size >= SWEEP_AT) sweep(nowMs);
        bucket = { tokens: capacity, atMs: nowMs };
        buckets.set(client, bucket);
      }
      bucket.tokens = refilled(bucket, nowMs);
      bucket.atMs = nowMs;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000));
    },
    size: () => buckets.size,
  };
}

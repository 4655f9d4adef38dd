/** Types of gen-authlog.mjs, for the TypeScript tests that reuse its generator. */

/** `n` deterministic auth.log lines (each ending in `\n`) for `host`, the same lines for the same `seed`. */
export function authLogLines(n: number, host?: string, seed?: number): Generator<string, void, unknown>;

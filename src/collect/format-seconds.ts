/** `10000` -> `10 s`, `1500` -> `1.5 s`: durations in one-line messages. */
export function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** Polls `isDone` every 50 ms until it says yes; throws naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, isDone: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isDone())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

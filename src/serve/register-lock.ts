/**
 * Serializes registrations that write the same config file: each one reads, edits and renames the whole file, so two
 * at once would both start from the old text and the second rename would drop the first host. In-process only: one
 * `serve` writes the file; `sync-config` run at the same moment is not excluded (it is run by hand).
 */
const tails = new Map<string, Promise<unknown>>();

/** Runs `task` after every earlier task queued for `key` has settled; resolves or rejects like `task`. */
export function withFileLock<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  const run = previous.then(task, task);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  tails.set(key, tail);
  // The map only holds keys with work queued: the last task removes its key.
  void tail.then(() => {
    if (tails.get(key) === tail) tails.delete(key);
  });
  return run;
}

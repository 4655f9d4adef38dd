import type { DuDir, DuResult } from './du.js';

/** How one directory grew between two du runs of the same mount. */
export interface DirGrowth {
  path: string;
  deltaBytes: number;
  nowBytes: number;
  /** Absent from a complete earlier du that listed everything: a new directory. */
  isNew: boolean;
  /** The earlier du left it out for its line cap: it grew by at least `deltaBytes`. */
  isLowerBound: boolean;
}

export interface CompareDuOptions {
  /** Directories named at most (default 5). */
  limit?: number;
  /** Growth below this is churn, not worth a line (default 1 MiB). */
  minBytes?: number;
}

/**
 * The directories that grew most between two du runs of one mount. A directory the earlier run did not list is new
 * (when that run was complete and under its cap), grew by at least its size minus the smallest listed one (when the
 * cap cut it), or unknown and left out (when that run timed out first). Only the levels both runs listed are
 * compared. A parent is not named when the directories named below it explain its growth (`/var` and `/var/log`
 * both +2 GiB: `/var/log`), so each line points at a different place.
 */
export function compareDu(previous: DuResult, current: DuResult, options: CompareDuOptions = {}): DirGrowth[] {
  if (previous.mount !== current.mount) return [];
  const minBytes = options.minBytes ?? 1024 * 1024;
  const before = new Map(previous.dirs.map((d) => [d.path, d.kb]));
  const isCapped = previous.cap > 0 && previous.dirs.length >= previous.cap;
  const smallestKb = isCapped ? Math.min(...previous.dirs.map((d) => d.kb)) : 0;
  const depth = Math.min(previous.depth, current.depth);
  const grown: DirGrowth[] = [];
  for (const dir of current.dirs) {
    if (levelsBelow(current.mount, dir.path) > depth) continue;
    const kb = before.get(dir.path);
    if (kb === undefined && !previous.complete) continue;
    const isLowerBound = kb === undefined && isCapped;
    const deltaBytes = (dir.kb - (kb ?? smallestKb)) * 1024;
    if (deltaBytes < minBytes) continue;
    grown.push({ path: dir.path, deltaBytes, nowBytes: dir.kb * 1024, isNew: kb === undefined && !isCapped, isLowerBound });
  }
  return pickExplaining(grown, (g) => g.deltaBytes, options.limit ?? 5);
}

/** The biggest directories below the mount, for a first du with nothing to compare to (same parent rule). */
export function largestDirs(result: DuResult, limit = 5): DuDir[] {
  return pickExplaining(
    result.dirs.filter((d) => d.path !== result.mount),
    (d) => d.kb,
    limit,
  );
}

/** Share of a directory's amount that the directories named below it must cover for it to be left out. */
const EXPLAINED_SHARE = 0.9;

/**
 * Greedy choice of at most `limit` entries, biggest first (deeper first on a tie): an entry is skipped, or dropped
 * again, when the outermost entries chosen below it add up to EXPLAINED_SHARE of its amount.
 */
function pickExplaining<T extends { path: string }>(items: readonly T[], amount: (item: T) => number, limit: number): T[] {
  const order = [...items].sort((a, b) => amount(b) - amount(a) || levelsBelow('/', b.path) - levelsBelow('/', a.path));
  let picked: T[] = [];
  const isExplained = (dir: T): boolean => {
    const below = picked.filter((p) => isBelow(p.path, dir.path));
    const outermost = below.filter((p) => !below.some((q) => isBelow(p.path, q.path)));
    return outermost.reduce((sum, p) => sum + amount(p), 0) >= EXPLAINED_SHARE * amount(dir);
  };
  for (const item of order) {
    if (picked.length >= limit) break;
    if (isExplained(item)) continue;
    picked.push(item);
    picked = picked.filter((p) => !isBelow(item.path, p.path) || !isExplained(p));
  }
  return picked.sort((a, b) => amount(b) - amount(a));
}

/** Directory levels from `mount` down to `path` (0 for the mount itself). */
function levelsBelow(mount: string, path: string): number {
  if (path === mount) return 0;
  const rest = mount === '/' ? path : path.slice(mount.length);
  return rest.split('/').length - 1;
}

/** Whether `path` is strictly below `dir`. */
function isBelow(path: string, dir: string): boolean {
  return path !== dir && path.startsWith(dir === '/' ? '/' : `${dir}/`);
}

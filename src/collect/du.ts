import { rootPrefix } from './probe.js';
import { shQuote } from './shell.js';

/** How deep, how long and how much one `du` may go (`disk_growth.du_depth`, `disk_growth.du_timeout`). */
export interface DuOptions {
  /** Directory levels below the mount that are listed (default 2). */
  depth?: number;
  /** Seconds before du is stopped; what it measured so far is still used (default 20). */
  timeoutSeconds?: number;
  /** Biggest directories kept; the rest of du's output is dropped on the host (default 200). */
  maxLines?: number;
}

export const DU_DEFAULTS = { depth: 2, timeoutSeconds: 20, maxLines: 200 } as const;

/** One directory as du measured it; `path` is host-absolute without the rootfs (`/var/log`). */
export interface DuDir {
  path: string;
  kb: number;
}

/** What one bounded du of one mount found. */
export interface DuResult {
  mount: string;
  depth: number;
  /** The line cap the host applied: with `dirs.length >= cap`, smaller directories were left out. */
  cap: number;
  /** Biggest first. */
  dirs: DuDir[];
  /** du walked the whole mount (the mount's own total is among the dirs). False after a timeout or a failure. */
  complete: boolean;
  /** du's exit status (124 or 128+n: stopped by the time limit), or null when it did not run. */
  exitCode: number | null;
  /** Why du did not run: `cd` (mount not enterable), `depth` (no depth option), `names` (see buildDuScript). */
  error: string | null;
}

const MARK = 'dthm-du';

/**
 * Builds the POSIX sh snippet that measures the directories of ONE mount, sent as one step of the host's `sh -s`
 * session (it runs in a subshell, so the session's directory and variables stay as they were). It is bounded every
 * way that matters on a host that is filling up: `-x` keeps it on the mount's filesystem, `-d <depth>` (or
 * `--max-depth`) limits what is listed, `timeout` (or a sleeping watcher where there is none) stops it after
 * `timeoutSeconds`, `nice -n 19` and `ionice -c3` keep it out of the way of the host's own I/O, and only the
 * `maxLines` biggest directories leave the host. du prints paths raw, so a directory name with a newline could
 * forge a line: with GNU `du -0` every newline inside a record becomes `?`; a du without `-0` (busybox) does not
 * run when `find` shows such a name within the depth (error `names`).
 */
export function buildDuScript(rootfs: string, mount: string, options: DuOptions = {}): string {
  const depth = bounded(options.depth ?? DU_DEFAULTS.depth, 0, 16, 'depth');
  const seconds = bounded(options.timeoutSeconds ?? DU_DEFAULTS.timeoutSeconds, 1, 86400, 'timeoutSeconds');
  const cap = bounded(options.maxLines ?? DU_DEFAULTS.maxLines, 1, 100000, 'maxLines');
  if (!mount.startsWith('/') || /[\n\r]/.test(mount)) throw new RangeError(`not a mount path: ${JSON.stringify(mount)}`);
  return [
    '(',
    'exec 4>&1',
    `n=${depth}; s=${seconds}; c=${cap}`,
    `printf '${MARK} begin %s %s %s\\n' "$n" "$c" ${shQuote(mount)}`,
    `cd ${shQuote(rootPrefix(rootfs) + mount)} 2>/dev/null || { echo '${MARK} error cd'; exit 0; }`,
    'if du -k -d 0 /dev/null >/dev/null 2>&1; then D="-d $n"',
    'elif du -k --max-depth=0 /dev/null >/dev/null 2>&1; then D="--max-depth=$n"',
    `else echo '${MARK} error depth'; exit 0; fi`,
    'P=',
    'if command -v nice >/dev/null 2>&1; then P="nice -n 19"; fi',
    'if command -v ionice >/dev/null 2>&1 && ionice -c3 du -k /dev/null >/dev/null 2>&1; then P="$P ionice -c3"; fi',
    'W=1',
    'if command -v timeout >/dev/null 2>&1 && timeout 5 du -k /dev/null >/dev/null 2>&1; then P="timeout $s $P"; W=0; fi',
    'Z=0; O=',
    'if du -0 -k /dev/null >/dev/null 2>&1; then Z=1; O=-0; fi',
    'if [ "$Z" = 0 ]; then',
    "  NL='",
    "'",
    `  command -v find >/dev/null 2>&1 || { echo '${MARK} error names'; exit 0; }`,
    '  _b=$($P find . -xdev -mindepth 1 -maxdepth "$n" -type d -name "*$NL*" 2>/dev/null | head -n 1)',
    `  [ -z "$_b" ] || { echo '${MARK} error names'; exit 0; }`,
    'fi',
    // Without timeout(1): du in the background and a watcher that kills it; the watcher's sleep must not hold the pipe.
    'measure() {',
    '  if [ "$W" = 0 ]; then $P du -x -k $O $D . 2>/dev/null; return $?; fi',
    '  $P du -x -k $O $D . 2>/dev/null &',
    '  _p=$!',
    '  ( sleep "$s"; kill "$_p" ) >/dev/null 2>&1 &',
    '  _k=$!',
    '  wait "$_p"; _r=$?',
    '  kill "$_k" 2>/dev/null',
    '  return "$_r"',
    '}',
    'records() { if [ "$Z" = 1 ]; then tr "\\n\\000" "?\\n"; else cat; fi; }',
    '_rc=$( { { measure; echo "$?" >&5; } | records | LC_ALL=C sort -rn | head -n "$c" >&4; } 5>&1 )',
    `printf '${MARK} end %s\\n' "$_rc"`,
    ') </dev/null',
    '',
  ].join('\n');
}

function bounded(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`du ${name} must be an integer ${min}-${max}`);
  return value;
}

// C0/C1 controls and DEL (tabs too: a name's tab is no separator once parsed) are shown as `?`.
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;

/**
 * Parses the output of buildDuScript: `<kb>\t./<path>` lines between the `begin` and `end` lines, turned into
 * host-absolute paths under the mount. Every du line starts with a digit, so no path can pass for a begin/end/error
 * line; control characters in names are shown as `?`. A cut-off output (no `end` line, a timeout, or no total for
 * the mount itself) still gives the directories that were measured, with `complete: false`.
 */
export function parseDu(text: string): DuResult {
  const result: DuResult = { mount: '/', depth: 0, cap: 0, dirs: [], complete: false, exitCode: null, error: null };
  const seen = new Set<string>();
  let hasBegun = false;
  let hasTotal = false;
  for (const line of text.split('\n')) {
    if (!hasBegun) {
      const begin = new RegExp(`^${MARK} begin (\\d+) (\\d+) (/.*)$`, 's').exec(line);
      if (begin) {
        hasBegun = true;
        result.depth = Number(begin[1]);
        result.cap = Number(begin[2]);
        result.mount = begin[3] as string;
      }
      continue;
    }
    const entry = /^(\d+)\t(\.(?:\/.*)?)$/s.exec(line);
    if (entry) {
      const path = joinMount(result.mount, (entry[2] as string).slice(1).replace(CONTROL, '?'));
      if (seen.has(path)) continue;
      seen.add(path);
      hasTotal ||= path === result.mount;
      result.dirs.push({ path, kb: Number(entry[1]) });
      continue;
    }
    const end = new RegExp(`^${MARK} (end|error) (\\S+)$`).exec(line);
    if (end?.[1] === 'error') result.error = end[2] as string;
    else if (end) result.exitCode = Number(end[2]);
    if (end) break;
  }
  result.dirs.sort((a, b) => b.kb - a.kb);
  // du exits 1 when some directory was unreadable: the walk still finished, the total covers what it could read.
  result.complete = hasTotal && (result.exitCode === 0 || result.exitCode === 1);
  return result;
}

/** `/var` + `/log` -> `/var/log`; `/` + `/log` -> `/log`; the mount itself for `` . */
function joinMount(mount: string, rest: string): string {
  if (rest === '') return mount;
  return mount === '/' ? rest : `${mount}${rest}`;
}

/** The stored `du:<mount>` baseline: the last du of that mount and the mount's usage when it ran. */
export interface DuBaseline {
  at: string;
  usedBytes: number;
  sizeBytes: number;
  result: DuResult;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * A `du:<mount>` baseline read back from the store, or null when it is missing or not the shape we wrote (an old or
 * hand-edited row must not break the pass: the next du starts over).
 */
export function readDuBaseline(value: unknown): DuBaseline | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const r = v.result as Record<string, unknown> | null | undefined;
  if (typeof v.at !== 'string' || Number.isNaN(Date.parse(v.at)) || !isCount(v.usedBytes) || !isCount(v.sizeBytes)) return null;
  if (typeof r !== 'object' || r === null || typeof r.mount !== 'string' || !Array.isArray(r.dirs)) return null;
  if (!isCount(r.depth) || !isCount(r.cap) || typeof r.complete !== 'boolean') return null;
  const dirs = r.dirs.filter(
    (d): d is DuDir => typeof d === 'object' && d !== null && typeof (d as DuDir).path === 'string' && isCount((d as DuDir).kb),
  );
  if (dirs.length !== r.dirs.length) return null;
  const exitCode = typeof r.exitCode === 'number' ? r.exitCode : null;
  const error = typeof r.error === 'string' ? r.error : null;
  return {
    at: v.at,
    usedBytes: v.usedBytes,
    sizeBytes: v.sizeBytes,
    result: { mount: r.mount, depth: r.depth, cap: r.cap, dirs, complete: r.complete, exitCode, error },
  };
}

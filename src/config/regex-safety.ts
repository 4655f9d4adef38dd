/**
 * Checks on the regular expressions of config rules and ignore patterns, before anything runs them on a host's logs:
 * they must compile, and must not be of a shape whose backtracking explodes on a long hostile line (a log line is
 * whatever a remote client typed, up to 64 KiB).
 */

/** Longest pattern accepted: rules are one line's worth of expression, not programs. */
export const MAX_PATTERN_LENGTH = 1000;
/** More unbounded wildcards than this in one pattern (`.*a.*b.*c`) backtrack in O(n^3) or worse on a failing line. */
const MAX_WILDCARDS = 2;

interface Quantifier {
  /** Repeats without bound (`*`, `+`, `{n,}`). */
  unbounded: boolean;
  /** Repeats a varying number of times: unbounded, or `{n,m}` with m > n (`?` is left out: it cannot nest badly alone). */
  repeats: boolean;
  /** Index just past the quantifier (and its lazy `?`). */
  end: number;
}

/** The quantifier at `i`, if any. */
function quantifierAt(src: string, i: number): Quantifier | null {
  const c = src[i];
  let end: number;
  let unbounded = false;
  let repeats = false;
  if (c === '*' || c === '+') {
    end = i + 1;
    unbounded = repeats = true;
  } else if (c === '?') {
    end = i + 1;
  } else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i, i + 24));
    if (!m) return null;
    end = i + m[0].length;
    unbounded = m[2] !== undefined && (m[3] ?? '') === '';
    repeats = unbounded || (m[3] !== undefined && Number(m[3]) > Number(m[1]));
  } else return null;
  if (src[end] === '?') end += 1;
  return { unbounded, repeats, end };
}

/** Index just past the character class that opens at `i`. */
function classEnd(src: string, i: number): number {
  let j = i + 1;
  if (src[j] === '^') j += 1;
  if (src[j] === ']') j += 1;
  for (; j < src.length; j += 1) {
    if (src[j] === '\\') j += 1;
    else if (src[j] === ']') return j + 1;
  }
  return src.length;
}

/** Length of a group's opening: `(`, `(?:`, `(?=`, `(?!`, `(?<=`, `(?<!`, `(?<name>`. */
function groupOpening(src: string, i: number): number {
  if (src[i + 1] !== '?') return 1;
  if (src[i + 2] === '<' && src[i + 3] !== '=' && src[i + 3] !== '!') {
    const close = src.indexOf('>', i);
    return close < 0 ? 1 : close - i + 1;
  }
  return src[i + 2] === '<' ? 4 : 3;
}

interface Frame {
  start: number;
  /** Something in the group's content repeats a varying number of times. */
  hasRepeat: boolean;
}

/** What the scan found: the first unbounded repetition of a repeating group, and the number of unbounded `.` wildcards. */
export interface RegexShape {
  nested: string | null;
  wildcards: number;
}

/** Scans the source of a regular expression that compiles (no `u` or `v` flag). */
export function regexShape(src: string): RegexShape {
  const stack: Frame[] = [{ start: 0, hasRepeat: false }];
  let nested: string | null = null;
  let wildcards = 0;
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    const frame = stack[stack.length - 1] as Frame;
    if (c === '(') {
      stack.push({ start: i, hasRepeat: false });
      i += groupOpening(src, i);
      continue;
    }
    let atomEnd: number;
    let group: Frame | null = null;
    if (c === ')') {
      group = stack.length > 1 ? (stack.pop() as Frame) : null;
      atomEnd = i + 1;
    } else if (c === '\\') atomEnd = i + 2;
    else if (c === '[') atomEnd = classEnd(src, i);
    else if (c === '|') {
      i += 1;
      continue;
    } else atomEnd = i + 1;
    const q = quantifierAt(src, atomEnd);
    const owner = stack[stack.length - 1] as Frame;
    if (group) {
      if (q?.unbounded && group.hasRepeat && nested === null) nested = src.slice(group.start, q.end);
      if (q?.repeats || group.hasRepeat) owner.hasRepeat = true;
    } else if (q?.repeats) {
      frame.hasRepeat = true;
      if (c === '.' && q.unbounded) wildcards += 1;
    }
    i = q ? q.end : atomEnd;
  }
  return { nested, wildcards };
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * Why a pattern is refused, or null. Refused: not compiling, longer than {@link MAX_PATTERN_LENGTH}, an unbounded
 * repetition of a group whose content itself repeats a varying number of times (`(a+)+`, `(.*)*`, `(?:\w+\s?)*`,
 * `(a{2,3})+`: exponential backtracking; conservative, like safe-regex's star height), and more than two unbounded
 * `.` wildcards (`.*a.*b.*c`: cubic). A bounded outer repetition (`(?:\s\S+){1,5}`) is accepted. Not detected:
 * overlapping alternatives under a repetition (`(a|aa)+`).
 */
export function regexProblem(src: string): string | null {
  if (src.length > MAX_PATTERN_LENGTH) return `pattern is longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    new RegExp(src);
  } catch (err) {
    // `Invalid regular expression: /(?<a>x/: Unterminated group` -> `Unterminated group`.
    const reason = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    return `invalid regular expression: ${reason}`;
  }
  const shape = regexShape(src);
  if (shape.nested !== null) {
    return `nested repetition "${shorten(shape.nested)}" can backtrack exponentially on a long line; repeat the group or its content, not both (or bound the outer one, e.g. {1,5})`;
  }
  if (shape.wildcards > MAX_WILDCARDS) {
    return `${shape.wildcards} unbounded wildcards (.* or .+) can backtrack for minutes on a long line; keep at most ${MAX_WILDCARDS}, and use [^ ]+ or \\S+ where a field ends`;
  }
  return null;
}
